"""PNG plots of benchmark results (matplotlib's Agg renderer; no display, no pyplot state).

- ``pass_at_1.png``: pass@1 per variant, with the problem count on each bar;
- ``accuracy_vs_cost.png``: pass@1 against mean tokens and mean wall time per answer;
- ``score_over_iterations.png``: the pipeline's mean best-so-far self-score per iteration
  (from ``report.score_history``), only when some variant has score histories.

Example:
    >>> out = Path("benchmarks/results/x/plots")
    >>> paths = write_plots(records, summarise(records), out)   # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dspy_coder.bench.report import VariantSummary
from dspy_coder.bench.store import ResultRecord

logger = logging.getLogger(__name__)


def row_label(row: VariantSummary, run: str | None = None) -> str:
    """``variant`` over the LM's short name (and the run name, when comparing runs)."""
    lm = row.lm.split(":")[-1].split("/")[-1]
    return "\n".join(([run] if run else []) + [row.variant, lm])


def distinctive_run_names(runs: Sequence[str]) -> list[str]:
    """Each run's name without the dash-separated words every run's name starts or ends with,
    so side-by-side labels stay short and do not run into each other.

    >>> distinctive_run_names(["humaneval-all-baseline-qwen-1.5b", "humaneval-all-coder-qwen-1.5b"])
    ['baseline', 'coder']
    >>> distinctive_run_names(["stride8-qwen-1.5b", "stride8-qwen-1.5b"])  # one run: nothing
    ['', '']
    """
    words = [run.split("-") for run in runs]
    if len(words) < 2:
        return list(runs)
    shortest = min(len(w) for w in words)
    lead = 0
    while lead < shortest and len({w[lead] for w in words}) == 1:
        lead += 1
    trail = 0
    while trail < shortest - lead and len({w[-1 - trail] for w in words}) == 1:
        trail += 1
    return ["-".join(w[lead : len(w) - trail]) for w in words]


def plot_labels(rows: Sequence[VariantSummary], runs: Sequence[str] | None) -> list[str]:
    if not runs:
        return [row_label(row) for row in rows]
    names = distinctive_run_names(runs)
    # a run name that only repeats the variant's (``baseline`` for ``baseline``) is left out
    return [row_label(row, None if not n or row.variant.startswith(n) else n)
            for row, n in zip(rows, names, strict=True)]


def plot_pass_at_1(
    rows: Sequence[VariantSummary],
    path: Path,
    runs: Sequence[str] | None = None,
    title: str = "pass@1 per variant",
) -> Path:
    """Bar chart of pass@1 with ``n=<problems>`` on each bar."""
    labels = plot_labels(rows, runs)
    values = [100 * r.pass_at_1 for r in rows]
    fig = _figure(max(5.0, 1.4 * len(rows) + 1.5), 4.2)
    ax = fig.subplots()
    bars = ax.bar(range(len(rows)), values, width=0.55, color="#4C72B0")
    ax.set_xlim(-0.8, len(rows) - 0.2)
    for bar, row, value in zip(bars, rows, values, strict=True):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            value + 1,
            f"{value:.1f}%\nn={row.problems}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel("pass@1 (%)")
    ax.set_ylim(0, 115)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_accuracy_vs_cost(
    rows: Sequence[VariantSummary], path: Path, runs: Sequence[str] | None = None
) -> Path:
    """Two panels: pass@1 vs mean tokens per answer, and vs mean wall time per answer."""
    labels = [label.replace("\n", " ") for label in plot_labels(rows, runs)]
    fig = _figure(10, 4.2)
    axes = fig.subplots(1, 2)
    panels = (
        ("mean LM tokens per answer", [r.mean_tokens for r in rows]),
        ("mean generation time per answer (s)", [r.mean_wall_time_s for r in rows]),
    )
    for ax, (xlabel, xs) in zip(axes, panels, strict=True):
        ys = [100 * r.pass_at_1 for r in rows]
        ax.scatter(xs, ys, color="#DD8452", zorder=3)
        for x, y, label in zip(xs, ys, labels, strict=True):
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("pass@1 (%)")
        ax.set_ylim(0, 105)
        ax.set_xlim(left=0, right=max(xs + [1.0]) * 1.25)
        ax.grid(alpha=0.3)
    fig.suptitle("Accuracy against mean cost")
    return _save(fig, path)


def score_curves(records: Sequence[ResultRecord]) -> dict[str, list[float]]:
    """Per variant: mean best-so-far self-score at iterations 1..max (final value carried)."""
    histories: dict[str, list[list[float]]] = defaultdict(list)
    for record in records:
        if record.score_history:
            best, running = float("-inf"), []
            for score in record.score_history:
                best = max(best, score)
                running.append(best)
            histories[record.variant].append(running)
    curves: dict[str, list[float]] = {}
    for variant, runs in histories.items():
        length = max(len(r) for r in runs)
        padded = [r + [r[-1]] * (length - len(r)) for r in runs]
        curves[variant] = [sum(col) / len(col) for col in zip(*padded, strict=True)]
    return curves


def plot_score_over_iterations(records: Sequence[ResultRecord], path: Path) -> Path | None:
    """Line per pipeline variant; ``None`` when no record has a score history."""
    curves = score_curves(records)
    if not curves:
        return None
    fig = _figure(6, 4.2)
    ax = fig.subplots()
    for variant, curve in sorted(curves.items()):
        xs = list(range(1, len(curve) + 1))
        ax.plot(xs, curve, marker="o", label=variant)
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean best-so-far self-score")
    ax.set_ylim(0, 1.05)
    ax.set_title("Pipeline score over iterations (own tests, not hidden tests)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def write_plots(
    records: Sequence[ResultRecord], rows: Sequence[VariantSummary], out_dir: Path
) -> list[Path]:
    """Write every applicable plot into ``out_dir``; return the files written."""
    if not rows:
        return []
    paths = [
        plot_pass_at_1(rows, out_dir / "pass_at_1.png"),
        plot_accuracy_vs_cost(rows, out_dir / "accuracy_vs_cost.png"),
    ]
    score = plot_score_over_iterations(records, out_dir / "score_over_iterations.png")
    if score is not None:
        paths.append(score)
    return paths


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    logger.debug("Wrote %s", path)
    return path
