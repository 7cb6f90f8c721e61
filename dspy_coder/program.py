"""Moved to dspy_coder.pipeline.coder; this alias stays for one release."""

import sys

from dspy_coder.pipeline import coder as _moved

sys.modules[__name__] = _moved
