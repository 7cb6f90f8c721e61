"""Moved to dspy_coder.judge.evaluation; this alias stays for one release."""

import sys

from dspy_coder.judge import evaluation as _moved

sys.modules[__name__] = _moved
