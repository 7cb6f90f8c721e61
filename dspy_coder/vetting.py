"""Moved to dspy_coder.judge.vetting; this alias stays for one release."""

import sys

from dspy_coder.judge import vetting as _moved

sys.modules[__name__] = _moved
