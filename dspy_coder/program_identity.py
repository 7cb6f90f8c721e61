"""Moved to dspy_coder.code.identity; this alias stays for one release."""

import sys

from dspy_coder.code import identity as _moved

sys.modules[__name__] = _moved
