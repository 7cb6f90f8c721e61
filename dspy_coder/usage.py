"""Moved to dspy_coder.judge.usage; this alias stays for one release."""

import sys

from dspy_coder.judge import usage as _moved

sys.modules[__name__] = _moved
