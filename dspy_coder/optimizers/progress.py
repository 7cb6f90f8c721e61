"""Watch a compile from the outside: count LM calls, score every candidate, keep the best.

Optimizers keep their candidates in local variables, so an interrupted compile would lose
them. ``CandidateTracker`` is a DSPy callback: it fingerprints the state (instructions and
demos) of every top-level program call made with the student LM, pairs the returned
prediction with the metric's score, and checkpoints the best-scoring candidate to disk
whenever it changes. After Ctrl-C (or a crash) that checkpoint is the best program so far.
With a ``ScoreJournal`` it also writes every score down and starts from the earlier attempts'
scores: a resumed compile, replaying the same runs, does not count them twice and knows the
best candidate so far from its first step.

Example:
    >>> tracker = CandidateTracker(program_type=SingleShot, student_lm=lm,   # doctest: +SKIP
    ...                            checkpoint=save_fn)
    >>> with dspy.context(callbacks=[tracker]):                               # doctest: +SKIP
    ...     optimizer.compile(student, trainset=..., )
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback

from dspy_coder.optimizers.journals import ScoreJournal

logger = logging.getLogger(__name__)

PRIOR_WEIGHT = 2.0  # pseudo-observations pulling a candidate's mean towards the overall mean


def state_fingerprint(state: dict[str, Any]) -> str:
    """A short stable hash of a program state (``module.dump_state()``)."""
    blob = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass
class Candidate:
    fingerprint: str
    state: dict[str, Any]
    scores: list[float] = field(default_factory=list)
    first_seen: float = field(default_factory=time.monotonic)

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


class LMCallCounter(BaseCallback):
    """Counts LM calls per model name (cache hits included)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        name = str(getattr(instance, "model", type(instance).__name__))
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    def add(self, calls: Mapping[str, int]) -> None:
        """Count calls made elsewhere (a Ray worker's), by model name."""
        with self._lock:
            for name, count in calls.items():
                self.calls[name] = self.calls.get(name, 0) + count

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class CandidateTracker(BaseCallback):
    """Scores every candidate program the optimizer runs and checkpoints the best one.

    Args:
        program_type: the class of the student (only its top-level calls are tracked).
        student_lm: calls made while another LM (a teacher) is active are not candidates.
        checkpoint: called with the best state whenever it changes (e.g. saves JSON).
        on_score: called with (number of scored runs, candidate mean, best mean) for progress.
        journal: where scores are written down and read back from on a resumed compile.
    """

    def __init__(
        self,
        program_type: type,
        student_lm: Any,
        checkpoint: Callable[[dict[str, Any]], None] | None = None,
        on_score: Callable[[int, float, float], None] | None = None,
        journal: ScoreJournal | None = None,
    ) -> None:
        self.program_type = program_type
        self.student_lm = student_lm
        self.checkpoint = checkpoint
        self.on_score = on_score
        self.candidates: dict[str, Candidate] = {}
        self.history: list[tuple[str, float]] = []
        self._pending: dict[str, str] = {}
        self._by_prediction: dict[int, tuple[Any, str]] = {}
        self._lock = threading.Lock()
        self._best: str | None = None
        self.journal = journal
        self._restored: dict[tuple[str, str | None], int] = {}
        if journal is not None:
            self._restore(journal)

    def _restore(self, journal: ScoreJournal) -> None:
        """Take over the scores of earlier attempts (candidates whose state is lost are kept
        out: they could not be checkpointed)."""
        for fingerprint, task_id, score in journal.entries():
            candidate = self.candidates.get(fingerprint)
            if candidate is None:
                state = journal.state(fingerprint)
                if state is None:
                    continue
                candidate = self.candidates[fingerprint] = Candidate(fingerprint, state)
            candidate.scores.append(score)
            self.history.append((fingerprint, score))
            key = (fingerprint, task_id)
            self._restored[key] = self._restored.get(key, 0) + 1
        self._best = self._rank_best()
        if self.history:
            logger.info("Resuming: %d scored runs of %d candidates from earlier attempts.",
                        len(self.history), len(self.candidates))

    # -- DSPy callback hooks ---------------------------------------------------------------
    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        if type(instance) is not self.program_type or dspy.settings.lm is not self.student_lm:
            return
        if any(p.lm is not None and p.lm is not self.student_lm for p in instance.predictors()):
            return  # e.g. SIMBA's high-temperature sampling copies: not a candidate as such
        state = instance.dump_state()
        fingerprint = state_fingerprint(state)
        with self._lock:
            self._pending[call_id] = fingerprint
            self.candidates.setdefault(fingerprint, Candidate(fingerprint, state))

    def on_module_end(
        self, call_id: str, outputs: Any | None, exception: BaseException | None = None
    ) -> None:
        with self._lock:
            fingerprint = self._pending.pop(call_id, None)
            if fingerprint is not None and outputs is not None:
                self._by_prediction[id(outputs)] = (outputs, fingerprint)

    # -- called by the metric wrapper ------------------------------------------------------
    def record(self, prediction: Any, score: float, task_id: str | None = None) -> None:
        """Attribute ``score`` on ``task_id`` to the candidate that produced ``prediction`` (if
        tracked); a run an earlier attempt already scored is not counted again."""
        with self._lock:
            entry = self._by_prediction.pop(id(prediction), None)
            if entry is None or entry[0] is not prediction:
                return
            candidate = self.candidates[entry[1]]
            key = (candidate.fingerprint, task_id)
            if self._restored.get(key):
                self._restored[key] -= 1
                return
            if self.journal is not None:
                first = not candidate.scores
                self.journal.append(candidate.fingerprint, task_id, score,
                                    candidate.state if first else None)
            candidate.scores.append(score)
            self.history.append((candidate.fingerprint, score))
            best_before = self._best
            self._best = self._rank_best()
            changed = self._best != best_before
            best = self.candidates[self._best] if self._best else candidate
            runs = len(self.history)
        if self.on_score:
            self.on_score(runs, candidate.mean, self._smoothed(best))
        if changed and self.checkpoint and best.scores:
            try:
                self.checkpoint(best.state)
            except Exception:  # a failed checkpoint must not kill the compile
                logger.exception("Could not write the best-so-far checkpoint")

    # -- results ---------------------------------------------------------------------------
    def _overall_mean(self) -> float:
        scores = [score for _, score in self.history]
        return sum(scores) / len(scores) if scores else 0.0

    def _smoothed(self, candidate: Candidate) -> float:
        prior = self._overall_mean()
        total = sum(candidate.scores) + PRIOR_WEIGHT * prior
        return total / (len(candidate.scores) + PRIOR_WEIGHT)

    def _rank_best(self) -> str | None:
        scored = [c for c in self.candidates.values() if c.scores]
        if not scored:
            return None
        return max(scored, key=lambda c: (self._smoothed(c), len(c.scores))).fingerprint

    def best(self) -> Candidate | None:
        """The best candidate so far (mean shrunk towards the overall mean, so one lucky run
        on one problem does not beat a candidate scored on many)."""
        with self._lock:
            return self.candidates[self._best] if self._best else None

    def trial_scores(self) -> list[dict[str, Any]]:
        """Per-candidate mean scores, in order of first appearance."""
        with self._lock:
            ordered = sorted(self.candidates.values(), key=lambda c: c.first_seen)
            return [
                {"candidate": c.fingerprint, "runs": len(c.scores), "mean": c.mean}
                for c in ordered
                if c.scores
            ]


class TrackedMetric:
    """Wraps a metric so each score is also credited to the candidate that produced it.

    Keeps the wrapped metric's call signature (GEPA needs five arguments) and result type.
    """

    def __init__(self, metric: Callable[..., Any], tracker: CandidateTracker) -> None:
        self.metric = metric
        self.tracker = tracker

    def __call__(self, gold: Any, pred: Any, trace: Any = None, pred_name: Any = None,
                 pred_trace: Any = None) -> Any:
        result = self.metric(gold, pred, trace, pred_name, pred_trace)
        score = float(result.score) if hasattr(result, "score") else float(result)
        self.tracker.record(pred, score, getattr(gold, "task_id", None))
        return result
