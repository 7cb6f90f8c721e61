"""``bench merge``: join the results folders of ``--shard i/n`` runs into one run folder.

Shards run on machines that share nothing, each into its own folder. Merging appends every
answer whose key (problem, variant, fingerprint, LM, sample) the target folder lacks, so it can
be repeated as shards finish, and the target then behaves as a folder made by one session:
``bench report``, ``bench compare`` and a resume (the same command without ``--shard``, which
runs only what no shard finished) work on it. The manifest lists every shard's sessions, and
the expected answers are the whole run's once all n shards are in.

Example:
    >>> shards = [Path("r-shard1of2"), Path("r-shard2of2")]
    >>> merged = merge_shards(shards, Path("r"))        # doctest: +SKIP
    >>> merged.added, merged.answers                    # doctest: +SKIP
    (164, 164)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dspy_coder.bench.collector import REPORTS_FILE
from dspy_coder.bench.manifest import now_utc, read_manifest, write_manifest
from dspy_coder.bench.plots import write_plots
from dspy_coder.bench.report import VariantSummary, summarise, write_summary
from dspy_coder.bench.runner import RESULTS_FILE
from dspy_coder.bench.store import ResultRecord, ResultsStore, append_whole_line, read_records
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

# Parameters that may differ between the shards of one run.
PER_SHARD_PARAMS = ("shard", "workers")


@dataclass
class Merged:
    rows: list[VariantSummary]
    added: int
    answers: int


def _shard_manifest(folder: Path) -> dict[str, Any]:
    manifest = read_manifest(folder)  # a shard may own no unit: a manifest and no results
    if not manifest and not (folder / RESULTS_FILE).is_file():
        raise UsageError(f"{folder} has no {RESULTS_FILE}; is it a shard's results folder?")
    return manifest


def _same_run(manifests: list[dict[str, Any]], folders: list[Path]) -> dict[str, Any]:
    """The run's parameters, shard-specific ones left out; a UsageError if shards differ."""

    def common(manifest: dict[str, Any]) -> dict[str, Any]:
        params = dict(manifest.get("params") or {})
        return {k: v for k, v in params.items() if k not in PER_SHARD_PARAMS}

    first = common(manifests[0])
    for manifest, folder in zip(manifests[1:], folders[1:], strict=True):
        other = common(manifest)
        if other != first:
            keys = sorted(k for k in set(first) | set(other) if first.get(k) != other.get(k))
            raise UsageError(
                f"{folder} is not a shard of the same run as {folders[0]} (they differ in "
                f"{', '.join(keys)}); merge only the shards of one command."
            )
    return first


def _shard_counts(manifests: list[dict[str, Any]]) -> tuple[set[str], int | None]:
    shards = {str((m.get("params") or {}).get("shard", "")) for m in manifests} - {""}
    counts = {s.split("/")[1] for s in shards if "/" in s}
    return shards, int(counts.pop()) if len(counts) == 1 else None


def merge_shards(folders: list[Path], out_dir: Path) -> Merged:
    """Append the shards' answers (and full reports) missing from ``out_dir``; write its
    manifest, summary, table and plots."""
    manifests = [_shard_manifest(folder) for folder in folders]
    params = _same_run(manifests, folders)
    shards, count = _shard_counts(manifests)
    store = ResultsStore(out_dir / RESULTS_FILE)
    have = {r.key for r in store.records()}
    added = 0
    for folder in folders:
        for record in sorted(read_records(folder / RESULTS_FILE), key=lambda r: r.finished_at):
            if record.key not in have:
                store.append(record)
                have.add(record.key)
                added += 1
        _merge_reports(folder, out_dir)
    manifest = _merged_manifest(out_dir, manifests, folders, params, shards, count)
    write_manifest(out_dir, manifest)
    records: list[ResultRecord] = store.records()
    rows = summarise(records)
    write_summary(rows, out_dir, manifest=manifest, expected_units=manifest.get("expected_units"))
    write_plots(records, rows, out_dir / "plots")
    merged_shards = manifest.get("merged_shards", [])
    if count is not None and len(merged_shards) < count:
        logger.warning(
            "Merged %d of %d shards (%s); the run stays INCOMPLETE until the others are merged "
            "(or resume it without --shard).",
            len(merged_shards), count, ", ".join(merged_shards),
        )
    return Merged(rows=rows, added=added, answers=len(records))


def _merge_reports(folder: Path, out_dir: Path) -> None:
    source = folder / REPORTS_FILE
    if not source.is_file():
        return
    target = out_dir / REPORTS_FILE
    seen = set()
    if target.is_file():
        seen = {_report_key(line) for line in target.read_text("utf-8").splitlines() if line}
    for line in source.read_text("utf-8").splitlines():
        key = _report_key(line)
        if key is not None and key not in seen:
            append_whole_line(target, line + "\n")
            seen.add(key)


def _report_key(line: str) -> tuple | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None  # a torn line: its answer's report is dropped, the row is kept
    return (data.get("task_id"), data.get("variant"), data.get("program_fingerprint"),
            data.get("sample"))


def _merged_manifest(
    out_dir: Path,
    manifests: list[dict[str, Any]],
    folders: list[Path],
    params: dict[str, Any],
    shards: set[str],
    count: int | None,
) -> dict[str, Any]:
    manifest = read_manifest(out_dir) or {
        key: manifests[0][key] for key in ("name", "lm", "commit", "command") if key in manifests[0]
    }
    manifest.setdefault("name", out_dir.name)
    manifest.setdefault("created_at", now_utc())
    manifest["params"] = params
    manifest["updated_at"] = now_utc()
    sessions = manifest.setdefault("sessions", [])
    known = {(s.get("started_at"), s.get("command")) for s in sessions}
    for shard_manifest, folder in zip(manifests, folders, strict=True):
        for session in shard_manifest.get("sessions", []):
            if (session.get("started_at"), session.get("command")) not in known:
                sessions.append({**session, "merged_from": folder.name})
    expected = dict(manifest.get("shard_expected_units") or {})
    for shard_manifest in manifests:
        shard = str((shard_manifest.get("params") or {}).get("shard", ""))
        if shard and shard_manifest.get("expected_units") is not None:
            expected[shard] = shard_manifest["expected_units"]
    manifest["shard_expected_units"] = dict(sorted(expected.items()))
    manifest["merged_shards"] = sorted(set(manifest.get("merged_shards", [])) | shards)
    whole = {m.get("run_units") for m in manifests} - {None}
    if len(whole) == 1:  # what the shards' sessions said the whole run is made of
        manifest["expected_units"] = whole.pop()
    elif count is not None and len(expected) == count:
        manifest["expected_units"] = sum(expected.values())
    else:
        manifest.pop("expected_units", None)
    return manifest
