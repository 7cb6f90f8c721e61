"""Per-answer LM cost, read from the history of the LM copy that served one answer.

Each job runs with its own ``lm.copy()`` inside ``dspy.context(lm=...)``, so that copy's
``history`` holds exactly the job's calls, whatever thread it ran in. Cache hits are counted
as calls but not as tokens (DSPy bills nothing for them). A call whose entry reports no tokens
at all is counted as cached: DSPy clears usage on cache hits, and its response object does not
always carry a ``cache_hit`` flag.

Example:
    >>> job_lm = lm.copy()                                   # doctest: +SKIP
    >>> with dspy.context(lm=job_lm):                        # doctest: +SKIP
    ...     program(prompt=...)
    >>> usage_from_history(job_lm.history)                   # doctest: +SKIP
    LMCallUsage(calls=1, cached_calls=0, prompt_tokens=212, completion_tokens=88)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LMCallUsage:
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _cache_hit(response: Any) -> bool:
    if isinstance(response, Mapping):
        return bool(response.get("cache_hit"))
    return bool(getattr(response, "cache_hit", False))


def usage_from_history(history: Iterable[Mapping[str, Any]]) -> LMCallUsage:
    """Sum calls and tokens over DSPy LM history entries."""
    calls = cached = prompt = completion = 0
    for entry in history:
        calls += 1
        usage = entry.get("usage") or {}
        entry_prompt = _int(usage.get("prompt_tokens"))
        entry_completion = _int(usage.get("completion_tokens"))
        if _cache_hit(entry.get("response")) or entry_prompt + entry_completion == 0:
            cached += 1
            continue
        prompt += entry_prompt
        completion += entry_completion
    return LMCallUsage(
        calls=calls, cached_calls=cached, prompt_tokens=prompt, completion_tokens=completion
    )


def combine_with_report(history_usage: LMCallUsage, report_cost: Any) -> LMCallUsage:
    """The answer's usage: the job LM's history, unless the program's own report saw more.

    ``dspy.Refine`` and ``BestOfN`` call ``lm.copy(rollout_id=..., temperature=...)``; a copy
    starts with an empty history, so the job LM's history misses those calls. The pipeline's
    report counts them (``dspy.track_usage`` sees every LM in the context) but not cache hits,
    which carry no usage. So: the report's calls and tokens plus the history's cache hits.
    """
    if report_cost is None:
        return history_usage
    reported_calls = _int(getattr(report_cost, "lm_calls", 0))
    if reported_calls <= history_usage.calls - history_usage.cached_calls:
        return history_usage
    return LMCallUsage(
        calls=reported_calls + history_usage.cached_calls,
        cached_calls=history_usage.cached_calls,
        prompt_tokens=_int(getattr(report_cost, "prompt_tokens", 0)),
        completion_tokens=_int(getattr(report_cost, "completion_tokens", 0)),
    )
