#!/usr/bin/env bash
# Resume the long runs still pending (benchmarks and compiles), one after another, each with
# the code it began with, writing into this checkout's benchmarks/results/ (a session's machine
# may not last: every run resumes from what its committed folder holds).
#
# Usage (from the repository root, after `make .venv/.installed-test` and
# `.venv/bin/pip install -e '.[model-1-5b]'`):
#   nohup benchmarks/run_pending.sh > /tmp/pending-runs.log 2>&1 &
#   benchmarks/run_pending.sh --list          # what would run, in order
#   nohup benchmarks/run_pending.sh --only NAME > /tmp/pending-NAME.log 2>&1 &   # one entry
# Stop with `pkill -INT -f 'dspy_coder.cli (bench|optimize)'`: the run in progress keeps what it
# finished (a bench its answers, a compile its LM calls and best program) and the script ends
# (a stopped run is not followed by the next). Then commit the folder it wrote, a compile's
# resume/ included (.gitignore keeps it for compile-* folders): the next machine goes on from it.
# A run killed outright copies nothing back; the next start on the same machine takes the
# files its worktree wrote later than this checkout's (by time), so no answer is lost.
#
# Each entry: results folder | commit | patch applied on it (or -) | dspy-coder command and
# arguments (--out is added). The code runs from a worktree at that commit (under
# $PENDING_WORKTREES), on copies of this checkout's folders of every entry (so manifests keep
# relative paths and a later entry can read an earlier one's output, e.g. a compiled program);
# the folder the command writes is copied back here when it ends or stops. An entry is skipped
# when `state` finds its folder complete: a bench whose manifest says every expected unit has
# an answer, a compile whose program.meta.json says it was not interrupted.
set -euo pipefail

ROOT=$(git rev-parse --show-toplevel)
PY="$ROOT/.venv/bin/python"
WORKTREES=${PENDING_WORKTREES:-/tmp/dspy-coder-worktrees}
MODEL="--lm local:qwen2.5-coder-1.5b --temperature 0"
BENCH="bench --no-mlflow $MODEL --workers 3"
R=benchmarks/results
COMPILED=$R/compile-gepa-medium-coder-qwen2.5-coder-1.5b
COMPILED_V2=$R/compile-gepa-medium-v2-coder-qwen2.5-coder-1.5b
COMPILED_V3=$R/compile-gepa-medium-v3-coder-qwen2.5-coder-1.5b
COMPILED_V4=$R/compile-gepa-medium-lesson-coder-qwen2.5-coder-1.5b

PENDING=(
  # issue #20: stripped HumanEval, all 164, f77a939's pipeline with the batching commit
  "stripped-all-qwen2.5-coder-1.5b|f77a939|$R/stripped-all-qwen2.5-coder-1.5b/code-f77a939-batching.patch|$BENCH --strip-examples --variant baseline,coder"
  # issue #20: MBPP without examples (task sentence and signature), the 171-problem test split
  "mbpp-test-qwen2.5-coder-1.5b|6f522fd|-|$BENCH --dataset mbpp --split test --variant baseline,coder"
  # issue #18: GEPA (medium: 16 train, 12 dev, 120 program runs) on HumanEval + MBPP with its
  # first assert, the dev set half failing first drafts, fewer calls rewarded; the 1.5B as
  # student and reflection LM. Then compiled vs uncompiled on the held-out problems no
  # compile saw: HumanEval's 65 and MBPP's 171 (EvalPlus form).
  "${COMPILED#$R/}|0f1a68b|-|optimize --program coder --optimizer gepa --budget medium --train-data humaneval,mbpp-evalplus --dev-focus failing --dev-focus-share 0.5 --call-penalty 0.05 $MODEL --teacher-lm local:qwen2.5-coder-1.5b --no-tracking --no-final-eval"
  # held back (2026-12-07): the compile returned the uncompiled program unchanged (its best dev
  # candidate's state equals the seed's; the same program scored 0.662 and 0.861 on the same dev
  # set), so these would compare a program with itself; recompile once the dev score is stable
  # the same compile again with GEPA's evaluation cache off (88d8897: gepa 0.1.4 served dev
  # scores from training runs, gepa-ai/gepa#424); its resume/lm_cache and first_drafts.json
  # start as copies of the first compile's, so requests it repeats are replayed, not recomputed
  "${COMPILED_V2#$R/}|88d8897|-|optimize --program coder --optimizer gepa --budget medium --train-data humaneval,mbpp-evalplus --dev-focus failing --dev-focus-share 0.5 --call-penalty 0.05 $MODEL --teacher-lm local:qwen2.5-coder-1.5b --no-tracking --no-final-eval"
  # and with GEPA's proposer held to general instructions (24d7c90), its cache copied from v2's
  "${COMPILED_V3#$R/}|afdfdad|-|optimize --program coder --optimizer gepa --budget medium --train-data humaneval,mbpp-evalplus --dev-focus failing --dev-focus-share 0.5 --call-penalty 0.05 $MODEL --teacher-lm local:qwen2.5-coder-1.5b --no-tracking --no-final-eval"
  # and with the reflection LM adding one general lesson per step instead (b5e3f19)
  "${COMPILED_V4#$R/}|4837bac|-|optimize --program coder --optimizer gepa --gepa-proposer lesson --budget medium --train-data humaneval,mbpp-evalplus --dev-focus failing --dev-focus-share 0.5 --call-penalty 0.05 $MODEL --teacher-lm local:qwen2.5-coder-1.5b --no-tracking --no-final-eval"
  # held out: the second compile's program (a paraphrased first-draft instruction) against the
  # uncompiled pipeline, both run by this bench, on HumanEval's 65 test problems
  "heldout-humaneval-gepa-medium-v2-qwen2.5-coder-1.5b|e93b4e9|-|$BENCH --split test --variant coder --program $COMPILED_V2/program.json"
  # and on MBPP's 171 test problems in EvalPlus form (the task sentence and its first assert),
  # which no compile saw (the compiles trained on MBPP's train and dev splits)
  "heldout-mbpp-evalplus-gepa-medium-v2-qwen2.5-coder-1.5b|e93b4e9|-|$BENCH --dataset mbpp-evalplus --split test --variant coder --program $COMPILED_V2/program.json"
  # "heldout-humaneval-gepa-medium-qwen2.5-coder-1.5b|0f1a68b|-|$BENCH --split test --variant coder --program $COMPILED/program.json"
  # "heldout-mbpp-evalplus-gepa-medium-qwen2.5-coder-1.5b|0f1a68b|-|$BENCH --dataset mbpp-evalplus --split test --variant coder --program $COMPILED/program.json"
  # issue #21, last (about 12 h each at ~600 s a task): ClassEval 0-69, the pipeline with each
  # class strategy (the single-call baseline is classeval-qwen2.5-coder-1.5b)
  # (at cac904b: the best attempt writes every method it can, examples on an instance
  # the docstring never makes run on a fresh one (009d60b), and decoding together keeps a
  # prompt's start exactly, the same answers sooner; the 2 tasks run at cbd7526 were dropped)
  "classeval-all-permethod-qwen2.5-coder-1.5b|cac904b|-|$BENCH --dataset classeval --variant coder --class-strategy per_method"
  "classeval-all-whole-qwen2.5-coder-1.5b|cac904b|-|$BENCH --dataset classeval --variant coder --class-strategy whole"
)

export LITELLM_LOCAL_MODEL_COST_MAP=True MLFLOW_DISABLE_TELEMETRY=true
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
# the worktrees sit beside a link to the shared/ folder this checkout sits beside, so a run
# finds the datasets where it looks by default and records no machine's path in its command
mkdir -p "$WORKTREES"
[ -e "$WORKTREES/shared" ] || ln -s "$(cd "$ROOT/.." && pwd)/shared" "$WORKTREES/shared"

state() {  # "complete", or how far a folder is: "N of M answers", a compile begun, not begun
  "$PY" - "$1" <<'EOF'
import json, sys
from pathlib import Path
folder = Path(sys.argv[1])
meta = folder / "program.meta.json"
if meta.exists() and not json.loads(meta.read_text())["interrupted"]:
    sys.exit(print("complete"))
if (folder / "resume").is_dir():
    sys.exit(print("a compile begun: its LM calls so far are kept"))
try:
    expected = json.loads((folder / "manifest.json").read_text()).get("expected_units")
    done = sum(1 for _ in open(folder / "results.jsonl"))
except OSError:
    sys.exit(print("not begun"))
print("complete" if expected is not None and done >= expected else f"{done} of {expected} answers")
EOF
}

worktree() {  # path of a worktree at commit (+ patch), made once
  local commit=$1 patch=$2 path="$WORKTREES/$1"
  if [ ! -d "$path" ]; then
    mkdir -p "$WORKTREES"
    git -C "$ROOT" worktree add --detach "$path" "$commit" >&2
    if [ "$patch" != "-" ]; then
      git -C "$path" -c user.name=pending -c user.email=pending@localhost am -q "$ROOT/$patch" >&2
    fi
  fi
  echo "$path"
}

ONLY=""  # --only NAME: that entry alone (so a second runner can go beside the first)
if [ "${1:-}" = "--only" ]; then ONLY=${2:?--only needs a results folder name}; fi

for entry in "${PENDING[@]}"; do
  IFS='|' read -r name commit patch command <<< "$entry"
  if [ -n "$ONLY" ] && [ "$name" != "$ONLY" ]; then continue; fi
  out="$ROOT/$R/$name"
  progress="not begun"; [ -d "$out" ] && progress=$(state "$out")
  if [ "$progress" = complete ]; then
    echo "$(date -u +%FT%TZ) $name: complete, skipped"
    continue
  fi
  if [ "${1:-}" = "--list" ]; then
    note=""; [ "$patch" = "-" ] || note=" with $patch"
    echo "$name at $commit$note ($progress): $command --out $R/$name"
    continue
  fi
  code=$(worktree "$commit" "$patch")
  if [ -d "$code/$R/$name" ]; then  # a run killed outright (its session ended) copied nothing
    mkdir -p "$out"                  # back: take the files it wrote after this checkout's copy
    cp -r -u "$code/$R/$name/." "$out/"
  fi
  for other in "${PENDING[@]}"; do  # then this checkout's folders, where newer, go to the code
    other_name=${other%%|*}
    if [ -d "$ROOT/$R/$other_name" ]; then
      mkdir -p "$code/$R/$other_name"
      cp -r -u "$ROOT/$R/$other_name/." "$code/$R/$other_name/"
    fi
  done
  mkdir -p "$code/$R/$name"
  echo "$(date -u +%FT%TZ) $name: $command at $commit"
  status=0
  # shellcheck disable=SC2086  # the arguments are words on purpose
  (cd "$code" && "$PY" -m dspy_coder.cli $command --out "$R/$name") || status=$?
  mkdir -p "$out"
  cp -r "$code/$R/$name/." "$out/"
  if [ "$status" -ne 0 ]; then
    echo "$(date -u +%FT%TZ) $name: stopped (exit $status); later runs not started"
    exit 1
  fi
done
