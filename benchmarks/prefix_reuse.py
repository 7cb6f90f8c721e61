"""What keeping a slot's prompt start saves, on a real local model, with the same answers.

A class-level task asks the model about one method at a time with the same class skeleton in
front (ClassEval's per_method strategy). This sends such prompts (a ClassEval skeleton, then
"Write method NAME") one after another through the batched generator (``parallel=3``, as
``bench --workers 3`` runs it), first with every prompt evaluated whole, then keeping what a
slot holds in whole 512-token chunks (``llama_backend``), and prints the wall time of each
arm, the ratio, the prompt tokens kept, and whether every answer came out the same. Slots are
emptied before each arm. Wall times move with whatever else runs on the machine.

    python benchmarks/prefix_reuse.py --model qwen2.5-coder-1.5b --task ClassEval_0
"""

from __future__ import annotations

import argparse
import ast
import logging
import os
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

logger = logging.getLogger("prefix_reuse")


def method_prompts(task_id: str) -> list[str]:
    """The task's skeleton followed by a request for each of its methods."""
    from dspy_coder.classeval import classeval_records

    record = next((r for r in classeval_records() if r["task_id"] == task_id), None)
    if record is None:
        raise SystemExit(f"No ClassEval task {task_id}: give one of ClassEval_0 to ClassEval_69.")
    skeleton = record["prompt"]
    tree = ast.parse(skeleton)
    methods = [node.name for cls in tree.body if isinstance(cls, ast.ClassDef)
               for node in cls.body if isinstance(node, ast.FunctionDef)
               and node.name != "__init__"]
    return [f"{skeleton}\nWrite the method `{name}` of this class, and nothing else."
            for name in methods]


def run_arm(lm, prompts: list[str], keep: bool) -> tuple[list[str], float, int, int]:
    """Answers, wall seconds, prompt tokens and tokens kept, with every slot emptied first."""
    from dspy_coder.local_models.engine import MAX_PARALLEL

    generator = lm.engine.load().generator(MAX_PARALLEL)
    for slot in range(generator.backend.slots):
        generator.backend.clear(slot)
    generator.backend.keep_prefixes = keep
    total, kept = generator.prompt_tokens, generator.reused_prompt_tokens
    started = time.perf_counter()
    answers = [lm(prompt)[0] for prompt in prompts]
    seconds = time.perf_counter() - started
    return (answers, seconds, generator.prompt_tokens - total,
            generator.reused_prompt_tokens - kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a built-in model name")
    parser.add_argument("--task", default="ClassEval_0", help="a ClassEval task id")
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    from dspy_coder.lm import make_lm
    from dspy_coder.local_models.engine import MAX_PARALLEL

    prompts = method_prompts(args.task)
    lm = make_lm(f"local:{args.model}", max_tokens=args.max_tokens, cache=False,
                 parallel=MAX_PARALLEL)
    run_arm(lm, prompts[:1], keep=False)  # load the model and warm up before timing
    whole, seconds_whole, tokens, _ = run_arm(lm, prompts, keep=False)
    kept_answers, seconds_kept, _, kept = run_arm(lm, prompts, keep=True)
    same = sum(a == b for a, b in zip(whole, kept_answers, strict=True))
    print(f"model {args.model}, {args.task}: {len(prompts)} method prompts, {tokens} prompt "
          f"tokens, max {args.max_tokens} answer tokens each, greedy")
    print(f"every prompt evaluated whole: {seconds_whole:7.1f} s")
    print(f"kept from the slot:           {seconds_kept:7.1f} s ({kept} prompt tokens kept, "
          f"{100 * kept / tokens:.0f}%)")
    print(f"speed-up {seconds_whole / seconds_kept:.2f}x; identical answers {same} of "
          f"{len(prompts)}")
    return 0 if same == len(prompts) else 1


if __name__ == "__main__":
    sys.exit(main())
