"""Moved to dspy_coder.code.parametrize; this alias stays for one release."""

import sys

from dspy_coder.code import parametrize as _moved

sys.modules[__name__] = _moved
