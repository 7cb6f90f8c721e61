"""Moved to dspy_coder.pipeline.salvaging_adapter; this alias stays for one release."""

import sys

from dspy_coder.pipeline import salvaging_adapter as _moved

sys.modules[__name__] = _moved
