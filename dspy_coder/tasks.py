"""Moved to dspy_coder.task.build; this alias stays for one release."""

import sys

from dspy_coder.task import build as _moved

sys.modules[__name__] = _moved
