"""Moved to dspy_coder.pipeline.programs; this alias stays for one release."""

import sys

from dspy_coder.pipeline import programs as _moved

sys.modules[__name__] = _moved
