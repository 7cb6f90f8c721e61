"""Moved to dspy_coder.code.extraction; this alias stays for one release."""

import sys

from dspy_coder.code import extraction as _moved

sys.modules[__name__] = _moved
