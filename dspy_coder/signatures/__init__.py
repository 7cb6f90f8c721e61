"""Moved to dspy_coder.pipeline.signatures; this alias stays for one release.

The old submodule names (``dspy_coder.signatures.tests`` ...) are registered here too: with
the package aliased, Python would otherwise find them in the new folder and load each file a
second time, as a module of its own with classes of its own.
"""

import sys

from dspy_coder.pipeline import signatures as _moved
from dspy_coder.pipeline.signatures import (
    assessor,
    function_writer,
    generator,
    planner,
    refiner,
    rewriter,
    tests,
)

for _module in (assessor, function_writer, generator, planner, refiner, rewriter, tests):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
sys.modules[__name__] = _moved
