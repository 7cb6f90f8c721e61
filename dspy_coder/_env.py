"""Process environment defaults that must be set before litellm, mlflow or HF libraries load.

Imported first by ``dspy_coder/__init__.py``. Uses ``setdefault`` so a user's explicit
setting always wins.
"""

import os

_DEFAULTS = {
    # litellm otherwise fetches its model cost map from the internet at import time.
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    # mlflow otherwise phones home.
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    # Traces are written in the calling thread. The default store is SQLite, which takes one
    # writer at a time: mlflow's async export threads raced the run's own writes ("database is
    # locked", 20 s waits each, under load), and a stopped run waited for their queue to flush.
    # A trace write takes milliseconds; a local model call takes seconds.
    "MLFLOW_ENABLE_ASYNC_TRACE_LOGGING": "false",
    # No model hub or dataset hub is reachable; never try.
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in _DEFAULTS.items():
    os.environ.setdefault(_name, _value)
