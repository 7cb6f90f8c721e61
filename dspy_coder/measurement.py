"""Moved to dspy_coder.judge.measurement; this alias stays for one release."""

import sys

from dspy_coder.judge import measurement as _moved

sys.modules[__name__] = _moved
