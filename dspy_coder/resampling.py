"""Moved to dspy_coder.pipeline.resampling; this alias stays for one release."""

import sys

from dspy_coder.pipeline import resampling as _moved

sys.modules[__name__] = _moved
