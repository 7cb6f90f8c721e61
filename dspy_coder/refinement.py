"""Moved to dspy_coder.pipeline.refinement; this alias stays for one release."""

import sys

from dspy_coder.pipeline import refinement as _moved

sys.modules[__name__] = _moved
