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
    # No model hub or dataset hub is reachable; never try.
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in _DEFAULTS.items():
    os.environ.setdefault(_name, _value)
