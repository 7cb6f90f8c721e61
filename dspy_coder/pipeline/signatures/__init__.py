"""DSPy signatures, one role per file. Each docstring is the instruction the LM sees."""

from dspy_coder.pipeline.signatures.assessor import ComplexityAssessor
from dspy_coder.pipeline.signatures.function_writer import FunctionWriter
from dspy_coder.pipeline.signatures.generator import CodeGenerator
from dspy_coder.pipeline.signatures.planner import CodePlanner
from dspy_coder.pipeline.signatures.refiner import CodeRefiner
from dspy_coder.pipeline.signatures.rewriter import CodeRewriter
from dspy_coder.pipeline.signatures.tests import TestGenerator

__all__ = [
    "CodeGenerator",
    "CodePlanner",
    "CodeRefiner",
    "CodeRewriter",
    "ComplexityAssessor",
    "FunctionWriter",
    "TestGenerator",
]
