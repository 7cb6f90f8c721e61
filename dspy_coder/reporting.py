"""Moved to dspy_coder.judge.reporting; this alias stays for one release."""

import sys

from dspy_coder.judge import reporting as _moved

sys.modules[__name__] = _moved
