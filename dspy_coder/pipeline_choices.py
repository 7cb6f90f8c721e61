"""Moved to dspy_coder.pipeline.choices; this alias stays for one release."""

import sys

from dspy_coder.pipeline import choices as _moved

sys.modules[__name__] = _moved
