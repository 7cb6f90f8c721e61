"""Moved to dspy_coder.judge.feedback; this alias stays for one release."""

import sys

from dspy_coder.judge import feedback as _moved

sys.modules[__name__] = _moved
