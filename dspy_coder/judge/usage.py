"""LM usage accounting from DSPy's usage tracker (cached calls cost nothing and count 0)."""

from __future__ import annotations

from dspy.utils.usage_tracker import UsageTracker

from dspy_coder.types import Cost, LMUsage


def usage_by_lm(tracker: UsageTracker) -> dict[str, LMUsage]:
    """Calls and tokens per LM name recorded by ``tracker``."""
    result: dict[str, LMUsage] = {}
    for name, entries in tracker.usage_data.items():
        result[name] = LMUsage(
            calls=len(entries),
            prompt_tokens=sum(int(e.get("prompt_tokens") or 0) for e in entries),
            completion_tokens=sum(int(e.get("completion_tokens") or 0) for e in entries),
        )
    return result


def total_usage(per_lm: dict[str, LMUsage]) -> LMUsage:
    total = LMUsage()
    for usage in per_lm.values():
        total = total.add(usage)
    return total


def usage_delta(before: dict[str, LMUsage], after: dict[str, LMUsage]) -> LMUsage:
    """Usage recorded between two snapshots, summed over LMs."""
    b, a = total_usage(before), total_usage(after)
    return LMUsage(
        calls=a.calls - b.calls,
        prompt_tokens=a.prompt_tokens - b.prompt_tokens,
        completion_tokens=a.completion_tokens - b.completion_tokens,
    )


def cost_from(tracker: UsageTracker, wall_time_s: float) -> Cost:
    per_lm = usage_by_lm(tracker)
    total = total_usage(per_lm)
    return Cost(
        lm_calls=total.calls,
        prompt_tokens=total.prompt_tokens,
        completion_tokens=total.completion_tokens,
        wall_time_s=round(wall_time_s, 3),
        per_lm=per_lm,
    )
