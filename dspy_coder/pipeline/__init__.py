"""The DSPy modules: ``Coder`` (``coder.py``), its steps, the single-shot baselines and the
signatures (``signatures/``, whose docstrings are the prompts). Uses ``judge``, ``task`` and
``code``. This file imports nothing, so ``pipeline.choices`` loads without DSPy."""
