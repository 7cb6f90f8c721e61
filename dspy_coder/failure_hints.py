"""Moved to dspy_coder.judge.failure_hints; this alias stays for one release."""

import sys

from dspy_coder.judge import failure_hints as _moved

sys.modules[__name__] = _moved
