"""Moved to dspy_coder.pipeline.write_tests; this alias stays for one release."""

import sys

from dspy_coder.pipeline import write_tests as _moved

sys.modules[__name__] = _moved
