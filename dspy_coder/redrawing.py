"""Moved to dspy_coder.pipeline.redrawing; this alias stays for one release."""

import sys

from dspy_coder.pipeline import redrawing as _moved

sys.modules[__name__] = _moved
