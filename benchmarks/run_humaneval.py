"""Run a HumanEval benchmark: a thin wrapper over ``dspy-coder bench`` (same flags, same runner).

Examples:
    python benchmarks/run_humaneval.py --variant baseline --lm local:qwen2.5-coder-1.5b
    python benchmarks/run_humaneval.py --variant coder --stride 8 --lm local:qwen2.5-coder-0.5b
    python benchmarks/run_humaneval.py compare benchmarks/results/A benchmarks/results/B

Results go to benchmarks/results/<name>/ (results.jsonl, manifest.json, summary.json,
table.md, plots/); rerunning the same command resumes where it stopped.
"""

from __future__ import annotations

import sys

from dspy_coder.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
