"""Moved to dspy_coder.pipeline.baseline; this alias stays for one release."""

import sys

from dspy_coder.pipeline import baseline as _moved

sys.modules[__name__] = _moved
