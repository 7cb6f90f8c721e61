"""``--shard i/n``: a deterministic share of a run's units, for plain machines without a cluster.

A unit (problem x variant x sample) belongs to shard ``sha256(task id, variant label, sample)
mod n``. The hash ignores the order of problems and variants and every other unit, so each
machine computes the same partition from the same command, a unit is in exactly one shard, and
adding a variant or samples later does not move the units already assigned. Each shard runs
into its own results folder (``bench merge`` then joins them; see ``merge.py``).

Example:
    >>> shard = parse_shard("1/2")
    >>> shard.index, shard.count, str(shard)
    (1, 2, '1/2')
    >>> sum(parse_shard(f"{i}/3").owns("HumanEval/0", "baseline", 0) for i in (1, 2, 3))
    1
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dspy_coder.errors import UsageError

_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def suffix(self) -> str:
        """For folder names: ``shard1of4``."""
        return f"shard{self.index}of{self.count}"

    def owns(self, task_id: str, label: str, sample: int) -> bool:
        """True if the unit (problem, variant label, sample) is in this shard."""
        return unit_shard(task_id, label, sample, self.count) == self.index


def unit_shard(task_id: str, label: str, sample: int, count: int) -> int:
    """The 1-based shard of a unit among ``count`` shards (stable across machines and runs)."""
    digest = hashlib.sha256(f"{task_id}\0{label}\0{sample}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """``"i/n"`` with 1 <= i <= n; a UsageError says the form otherwise."""
    match = _FORM.match(text or "")
    if not match:
        raise UsageError(f"--shard takes i/n (e.g. 1/4 for the first of four), not {text!r}.")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: i must be between 1 and n (n >= 1).")
    return Shard(index, count)
