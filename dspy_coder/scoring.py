"""Moved to dspy_coder.judge.scoring; this alias stays for one release."""

import sys

from dspy_coder.judge import scoring as _moved

sys.modules[__name__] = _moved
