"""Moved to dspy_coder.task.doc_examples; this alias stays for one release."""

import sys

from dspy_coder.task import doc_examples as _moved

sys.modules[__name__] = _moved
