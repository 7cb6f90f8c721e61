#!/usr/bin/env bash
# Resume the long benchmark runs still pending, one after another, each with the code it began
# with, writing into this checkout's benchmarks/results/ (a session's machine may not last:
# every run resumes where its committed results.jsonl ends).
#
# Usage (from the repository root, after `make .venv/.installed-test` and
# `.venv/bin/pip install -e '.[model-1-5b]'`):
#   nohup benchmarks/run_pending.sh > /tmp/pending-runs.log 2>&1 &
#   benchmarks/run_pending.sh --list          # what would run, in order
# Stop with `pkill -INT -f 'dspy_coder.cli bench'`: the run in progress keeps its finished
# answers and the script ends (a stopped run is not followed by the next).
#
# Each entry: results folder | commit | patch applied on it (or -) | bench arguments.
# The code runs from a worktree at that commit (under $PENDING_WORKTREES), on a copy of this
# checkout's folder (so the manifest's paths stay relative); what the bench writes is copied
# back here when it ends or stops. A folder whose manifest says every expected unit is done is
# skipped.
set -euo pipefail

ROOT=$(git rev-parse --show-toplevel)
PY="$ROOT/.venv/bin/python"
WORKTREES=${PENDING_WORKTREES:-/tmp/dspy-coder-worktrees}
LM="--no-mlflow --lm local:qwen2.5-coder-1.5b --temperature 0 --workers 3"
R=benchmarks/results

PENDING=(
  # issue #20: stripped HumanEval, all 164, f77a939's pipeline with the batching commit
  "stripped-all-qwen2.5-coder-1.5b|f77a939|$R/stripped-all-qwen2.5-coder-1.5b/code-f77a939-batching.patch|--strip-examples --variant baseline,coder"
  # issue #20: MBPP without examples (task sentence and signature), the 171-problem test split
  "mbpp-test-qwen2.5-coder-1.5b|6f522fd|-|--dataset mbpp --split test --variant baseline,coder"
  # issue #21: ClassEval 0-69, the pipeline with each class strategy (the single-call baseline
  # is classeval-qwen2.5-coder-1.5b)
  "classeval-all-permethod-qwen2.5-coder-1.5b|5ece2ec|-|--dataset classeval --variant coder --class-strategy per_method"
  "classeval-all-whole-qwen2.5-coder-1.5b|5ece2ec|-|--dataset classeval --variant coder --class-strategy whole"
)

export LITELLM_LOCAL_MODEL_COST_MAP=True MLFLOW_DISABLE_TELEMETRY=true
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
# the worktrees are not beside shared/, so name the datasets folder this checkout sits beside
export DSPY_CODER_DATASETS=${DSPY_CODER_DATASETS:-$(cd "$ROOT/.." && pwd)/shared/datasets}

complete() {  # the folder's manifest says every expected unit has an answer
  "$PY" - "$1" <<'EOF'
import json, sys
from pathlib import Path
folder = Path(sys.argv[1])
try:
    manifest = json.loads((folder / "manifest.json").read_text())
    done = sum(1 for _ in open(folder / "results.jsonl"))
except OSError:
    sys.exit(1)
sys.exit(0 if done >= manifest.get("expected_units", 10**9) else 1)
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

for entry in "${PENDING[@]}"; do
  IFS='|' read -r name commit patch args <<< "$entry"
  out="$ROOT/$R/$name"
  if [ -d "$out" ] && complete "$out"; then
    echo "$(date -u +%FT%TZ) $name: complete, skipped"
    continue
  fi
  if [ "${1:-}" = "--list" ]; then
    note=""; [ "$patch" = "-" ] || note=" with $patch"
    echo "$name at $commit$note: bench $args $LM --out $R/$name"
    continue
  fi
  code=$(worktree "$commit" "$patch")
  mkdir -p "$code/$R/$name"
  if [ -d "$out" ]; then cp -r "$out/." "$code/$R/$name/"; fi
  echo "$(date -u +%FT%TZ) $name: bench $args at $commit"
  status=0
  # shellcheck disable=SC2086  # the arguments are words on purpose
  (cd "$code" && "$PY" -m dspy_coder.cli bench $args $LM --out "$R/$name") || status=$?
  mkdir -p "$out"
  for written in results.jsonl reports.jsonl manifest.json summary.json table.md plots; do
    if [ -e "$code/$R/$name/$written" ]; then cp -r "$code/$R/$name/$written" "$out/"; fi
  done
  if [ "$status" -ne 0 ]; then
    echo "$(date -u +%FT%TZ) $name: stopped (exit $status); later runs not started"
    exit 1
  fi
done
