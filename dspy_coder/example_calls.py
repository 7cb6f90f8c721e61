"""Moved to dspy_coder.task.example_calls; this alias stays for one release."""

import sys

from dspy_coder.task import example_calls as _moved

sys.modules[__name__] = _moved
