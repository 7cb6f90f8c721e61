"""Judging a candidate: the run record (``RunRecord``), the evaluator (sandbox run, metrics,
vetting, score), concrete feedback for the refiner, and the ``DevelopmentReport``. Uses
``sandbox``, ``task`` and ``code``; never ``pipeline``."""
