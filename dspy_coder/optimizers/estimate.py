"""How long a compile will take, said before it starts: program runs x seconds per run.

A compile's cost is its program runs (one program call on one problem, scored in the sandbox).
``run_bound`` gives each optimizer's upper bound for a budget (BootstrapFewShot usually stops
far earlier: once it has its demos). Seconds per run come from ``--seconds-per-call`` or from a
committed benchmark of the same program and model on this machine (``MEASURED``, generation
wall seconds per problem, taken while other model jobs shared the CPU); a compile's runs are
somewhat slower than a benchmark's (demos lengthen the prompt), and teacher, proposer and
reflection calls come on top.

Example:
    >>> from dspy_coder.optimizers.budgets import budget_for
    >>> run_bound("random-search", budget_for("light"), train=6, dev=6)
    42
    >>> seconds_per_run("baseline", "local:qwen2.5-coder-1.5b")
    (19.3, 'benchmarks/results/humaneval-all-baseline-qwen2.5-coder-1.5b (wall s per problem)')
"""

from __future__ import annotations

from dataclasses import dataclass

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import Budget

# (program, model) -> (seconds per program run, where it was measured)
MEASURED: dict[tuple[str, str], tuple[float, str]] = {
    ("baseline", "qwen2.5-coder-1.5b"): (
        19.3, "benchmarks/results/humaneval-all-baseline-qwen2.5-coder-1.5b"),
    ("coder", "qwen2.5-coder-1.5b"): (
        111.2, "benchmarks/results/humaneval-all-coder-qwen2.5-coder-1.5b"),
    ("baseline", "qwen2.5-coder-0.5b"): (
        12.9, "README, Results: the 0.5B model, every 8th problem (baseline)"),
    ("coder", "qwen2.5-coder-0.5b"): (
        261.9, "benchmarks/results/stride8-qwen2.5-coder-0.5b"),
}


def run_bound(optimizer: str, budget: Budget, *, train: int, dev: int) -> int:
    """The most program runs ``optimizer`` makes under ``budget`` with ``train``/``dev``
    problems (the optimizers' loops in DSPy 3.4, counted)."""
    rounds, candidates, trials = budget.max_rounds, budget.num_candidates, budget.trials
    if optimizer == "bootstrap":
        return train * rounds
    if optimizer == "random-search":  # zero-shot, unshuffled and each shuffled candidate
        return dev + (1 + candidates) * (train * rounds + dev)
    if optimizer == "mipro":  # demo sets bootstrapped, then each trial and the default on dev
        return candidates * train + (trials + 1) * dev
    if optimizer == "gepa":
        return budget.gepa_metric_calls
    if optimizer == "simba":  # per step: samples + candidates on a batch; then the finalists
        steps, batch = max(1, trials // 2), min(budget.simba_batch, train)
        return steps * batch * (2 * candidates + 1) + min(steps + 1, candidates + 1) * train
    raise UsageError(f"No run estimate for optimizer {optimizer!r}.")


def seconds_per_run(kind: str, lm_spec: str, given: float | None = None
                    ) -> tuple[float | None, str]:
    """Seconds per program run and where the figure comes from (None: nothing measured)."""
    if given is not None:
        if given <= 0:
            raise UsageError(f"--seconds-per-call must be > 0, got {given}.")
        return given, "--seconds-per-call"
    model = lm_spec.split(":", 1)[1] if lm_spec.startswith("local:") else lm_spec
    seconds, source = MEASURED.get(("baseline" if kind == "cot" else kind, model), (None, ""))
    if seconds is None:
        return None, f"no benchmark of {kind} with {lm_spec} here; pass --seconds-per-call"
    if kind == "cot":
        source += " (the baseline's figure; cot writes more)"
    return seconds, f"{source} (wall s per problem)"


@dataclass(frozen=True)
class Estimate:
    """A compile's program runs (at most) and the time they take at ``seconds`` each."""

    compile_runs: int
    extra_runs: int  # the final evaluation and the uncompiled program's
    seconds: float | None
    source: str

    @property
    def runs(self) -> int:
        return self.compile_runs + self.extra_runs

    @property
    def total_seconds(self) -> float | None:
        return None if self.seconds is None else self.runs * self.seconds

    def describe(self) -> str:
        head = (f"Estimate: at most {self.compile_runs} program runs to compile + "
                f"{self.extra_runs} to evaluate")
        if self.total_seconds is None:
            return f"{head}; no duration ({self.source})."
        hours = self.total_seconds / 3600
        took = f"{hours:.1f} h" if hours >= 1 else f"{self.total_seconds / 60:.0f} min"
        return (f"{head}, x {self.seconds:g} s per run ({self.source}) = at most about {took}, "
                "plus teacher/proposer calls.")


def estimate(optimizer: str, budget: Budget, *, kind: str, lm_spec: str, train: int, dev: int,
             final_eval: bool = True, uncompiled_eval: bool = False,
             given_seconds: float | None = None) -> Estimate:
    """The ``Estimate`` of one compile with ``train``/``dev`` problems."""
    extra = (train + dev if final_eval else 0) + (dev if uncompiled_eval else 0)
    seconds, source = seconds_per_run(kind, lm_spec, given_seconds)
    return Estimate(run_bound(optimizer, budget, train=train, dev=dev), extra, seconds, source)
