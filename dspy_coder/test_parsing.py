"""Moved to dspy_coder.code.generated_tests; this alias stays for one release."""

import sys

from dspy_coder.code import generated_tests as _moved

sys.modules[__name__] = _moved
