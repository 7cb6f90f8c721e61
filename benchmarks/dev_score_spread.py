"""How much does one program's dev score move between evaluations, and why?

A compile selects candidates by their dev score; if the same program scores differently twice,
selection picks noise (#18: GEPA's seed program scored 0.662 and 0.861 on one dev set). This
evaluates one program on a compile's dev set ``--repeats`` times, in one process, as the compile
does (sequentially, its metric with its call penalty, LM calls answered from one replay cache
shared by the repeats, so a request seen before gets the same answer). With a deterministic
pipeline every repeat after the first makes no new LM call and scores the same; each new call
is a point where a repeat's run took another path, and its request is written down to find
what changed it (``requests.jsonl``: repeat, task, whether the cache answered, the messages).

    python benchmarks/dev_score_spread.py \
        --compile-dir benchmarks/results/compile-gepa-medium-coder-qwen2.5-coder-1.5b \
        --repeats 3 --out /tmp/dev-spread

Prints per problem the scores, LM calls and final-code hashes of each repeat, and the spread of
the mean. ``--seed-cache`` starts from the compile's own replay cache (cheaper: the first
repeat replays the compile's calls where it takes the same path). The dev tests are the
compile's train/dev problems' tests: never a held-out problem's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

logger = logging.getLogger("dev_score_spread")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class _Current:
    """The repeat and task being run, for the request log (the runs are sequential)."""

    repeat = 0
    task_id = ""


def logging_cache(directory: Path, log_path: Path) -> Any:
    """A ``ReplayCache`` that also writes every request it is asked for, hit or miss."""
    from dspy_coder.optimizers.resume import ReplayCache

    lock = threading.Lock()

    class LoggingCache(ReplayCache):
        def get(self, request: dict[str, Any], ignored_args_for_cache_key: list[str] | None = None
                ) -> Any:
            response = super().get(request, ignored_args_for_cache_key)
            messages = request.get("messages") or []
            record = {"repeat": _Current.repeat, "task_id": _Current.task_id,
                      "hit": response is not None,
                      "key": _digest(json.dumps(messages, sort_keys=True, default=str)),
                      "messages": messages}
            with lock, log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, default=str) + "\n")
            return response

    return LoggingCache(directory)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile-dir", type=Path, required=True,
                        help="a compile's output folder (its program.meta.json names the dev set)")
    parser.add_argument("--program", type=Path, default=None,
                        help="a compiled program.json to evaluate (default: the uncompiled one)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed-cache", action="store_true",
                        help="start from a copy of the compile's replay cache (resume/lm_cache)")
    parser.add_argument("--datasets-dir", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")

    import dspy

    from dspy_coder.lm import make_lm
    from dspy_coder.optimizers.artifacts import load_program
    from dspy_coder.optimizers.data import build_split
    from dspy_coder.optimizers.metric import SandboxMetric, run_calls
    from dspy_coder.optimizers.pool import load_pool
    from dspy_coder.optimizers.resume import replay_cache
    from dspy_coder.optimizers.run_calls import RunCallCounter
    from dspy_coder.pipeline.programs import make_program

    meta = json.loads((args.compile_dir / "program.meta.json").read_text(encoding="utf-8"))
    dev_ids = list(meta["dev_focus"]["outcomes"]) if meta.get("dev_focus") else None
    request = json.loads((args.compile_dir / "resume" / "request.json").read_text(encoding="utf-8"))
    pool = load_pool(request["train_data"], args.datasets_dir)
    dev = build_split(pool, "dev", seed=request["split_seed"],
                      limit=request["budget"]["dev_size"], task_ids=dev_ids)
    metric = SandboxMetric(dev, call_penalty=request["call_penalty"])
    settings = request["lm_settings"]
    lm = make_lm(request["lm"], temperature=settings["temperature"],
                 max_tokens=settings["max_tokens"], seed=settings["seed"])
    dspy.configure(lm=lm, track_usage=True)

    args.out.mkdir(parents=True, exist_ok=True)
    cache_dir = args.out / "lm_cache"
    if args.seed_cache and not cache_dir.exists():
        shutil.copytree(args.compile_dir / "resume" / "lm_cache", cache_dir)
    rows_path = args.out / "runs.jsonl"
    done = {(r["repeat"], r["task_id"])
            for r in map(json.loads, rows_path.read_text(encoding="utf-8").splitlines())
            } if rows_path.exists() else set()

    program_type = type(make_program(request["program"], request["options"]))
    counter = RunCallCounter(program_type)
    cache = logging_cache(cache_dir, args.out / "requests.jsonl")
    with replay_cache(cache_dir, [lm]):
        dspy.cache = cache  # over the plain replay cache: the same folder, every request logged
        for repeat in range(1, args.repeats + 1):
            for example in dev.dspy_examples:
                if (repeat, example.task_id) in done:
                    continue
                _Current.repeat, _Current.task_id = repeat, example.task_id
                program = (load_program(args.program) if args.program
                           else make_program(request["program"], request["options"]))
                hits_before = cache.hits
                with dspy.context(callbacks=[counter]):
                    pred = program(**example.inputs())
                score = float(metric(example, pred))
                report = getattr(pred, "report", None)
                row = {"repeat": repeat, "task_id": example.task_id, "score": score,
                       "calls": run_calls(pred), "replayed": cache.hits - hits_before,
                       "code": _digest(getattr(pred, "code", "") or ""),
                       "report": (report.model_dump(mode="json")
                                  if hasattr(report, "model_dump") else None)}
                with rows_path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(row, default=str) + "\n")
                logger.info("repeat %d %s: score %.3f, %d calls (%d replayed), code %s", repeat,
                            example.task_id, score, row["calls"], row["replayed"], row["code"])
    return summarise(rows_path)


def summarise(rows_path: Path) -> int:
    """Print each problem's scores, calls and code per repeat, and each repeat's mean."""
    rows = [json.loads(line) for line in rows_path.open(encoding="utf-8")]
    repeats = sorted({r["repeat"] for r in rows})
    by_task: dict[str, dict[int, dict[str, Any]]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], {})[row["repeat"]] = row
    print(f"{'task':16s} " + " ".join(f"{'r' + str(k):>22s}" for k in repeats) + "  same?")
    differing = 0
    for task_id, runs in by_task.items():
        cells = [f"{runs[k]['score']:.3f}/{runs[k]['calls']:2d}c/{runs[k]['code'][:6]}"
                 if k in runs else "-" for k in repeats]
        same = len({(r["score"], r["calls"], r["code"]) for r in runs.values()}) == 1
        differing += not same
        print(f"{task_id:16s} " + " ".join(f"{c:>22s}" for c in cells) + ("" if same else "  DIFF"))
    means = [statistics.mean(r["score"] for r in rows if r["repeat"] == k) for k in repeats]
    print("mean per repeat: " + ", ".join(f"{m:.3f}" for m in means)
          + f"; problems that differ: {differing} of {len(by_task)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
