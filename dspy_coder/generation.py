"""Moved to dspy_coder.pipeline.generation; this alias stays for one release."""

import sys

from dspy_coder.pipeline import generation as _moved

sys.modules[__name__] = _moved
