"""Program variants a benchmark can run, and how to build them.

Built-in variants:

- ``baseline``: one ``dspy.Predict`` call (``SingleShot``);
- ``cot``: one ``dspy.ChainOfThought`` call;
- ``coder``: the full pipeline (``Coder``), and its ablations ``coder-no-tests``,
  ``coder-no-refine``, ``coder-no-plan``. The run's pipeline options (``Coder`` keyword
  arguments, built from the command line by ``dspy_coder.commands.pipeline_options``) apply to
  every pipeline variant of a run, and to compiled pipeline programs.

A compiled program (``--program PATH``, saved with ``module.save(path)``) is rebuilt from the
sidecar JSON the optimizer writes next to it (``{"program": "coder"|"baseline"|"cot",
"options": {...}}``) and then ``load``-ed. Each variant has a label (used in tables and result
keys) and a fingerprint: a hash of its class, options and DSPy state (instructions, demos),
so results of an edited or recompiled program are never mixed with old ones.

Example:
    >>> spec = resolve_variant("coder", {"use_tests": False, "max_iterations": 2})
    >>> spec.label  # the default pipeline samples up to 4 drafts
    'coder-no-tests-it2-drafts4'
    >>> resolve_variant("coder", {"drafts": 0}).label
    'coder'
    >>> program = spec.build()        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dspy_coder.errors import UsageError
from dspy_coder.pipeline.config import PIPELINE_DEFAULTS, unread_setting
from dspy_coder.pipeline.programs import PROGRAM_KINDS as KINDS
from dspy_coder.pipeline.programs import make_program

logger = logging.getLogger(__name__)

# The pipeline as first benchmarked. Labels and result keys name a pipeline's options against
# this fixed reference, not against the current defaults, so a changed default neither renames
# nor re-runs finished rows: ``--drafts 4`` was ``coder-drafts4`` before drafts=4 became the
# default and still is, and ``--drafts 0`` is still plain ``coder``.
LABEL_REFERENCE: dict[str, Any] = {
    "max_iterations": 4,
    "threshold": 0.95,
    "routing": "auto",
    "refine_attempts": 1,
    "refine_strategy": "repair",
    "drafts": 0,
    "use_plan": True,
    "use_tests": True,
    "use_refine": True,
    "class_strategy": "whole",
    "method_samples": 1,  # acts only with class_strategy per_method
    "checkpoint_interval": 2,  # these two act only with a senior model
    "escalate": True,
}

# Label part for a switched-off pipeline option.
_SWITCH_LABELS = {"use_plan": "no-plan", "use_tests": "no-tests", "use_refine": "no-refine",
                  "escalate": "no-escalate"}

# Label part for a pipeline option that differs from the reference, e.g. ``it2``, ``th0.9``.
_LABEL_PREFIXES = {
    "max_iterations": "it",
    "threshold": "th",
    "routing": "route-",
    "refine_attempts": "ra",
    "refine_strategy": "refine-",
    "drafts": "drafts",
    "class_strategy": "class-",
    "method_samples": "msamples",
    "checkpoint_interval": "cp",
    "senior_lm": "senior-",
}

NAMED_VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("baseline", {}),
    "cot": ("cot", {}),
    "coder": ("coder", {}),
    "coder-no-tests": ("coder", {"use_tests": False}),
    "coder-no-refine": ("coder", {"use_refine": False}),
    "coder-no-plan": ("coder", {"use_plan": False}),
}
SIDECAR_SUFFIXES = (".meta.json", ".sidecar.json")


@dataclass(frozen=True)
class VariantSpec:
    """What to build: a program kind, its constructor options, optionally saved state.

    A pipeline's ``options`` are stated against ``LABEL_REFERENCE`` (the pipeline as first
    benchmarked), not against the current defaults: ``VariantSpec("coder")`` is that reference
    pipeline, and ``resolve_variant("coder")`` fills in what today's defaults change.

    ``factory`` benchmarks any ``dspy.Module`` of your own (called with no arguments; the
    module must accept ``prompt``, ``entry_point`` and ``task_id`` and return ``code``).
    """

    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    program_path: Path | None = None
    name: str | None = None
    factory: Callable[[], Any] | None = field(default=None, compare=False)
    compile_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """Readable, stable name: kind (or name) plus the pipeline options that differ from
        the pipeline's defaults (a compiled pipeline's sidecar lists every option)."""
        base = self.name or self.kind
        if self.kind != "coder":
            return base
        changed = options_against_reference(self.options)
        parts = [base]
        parts += [label for flag, label in _SWITCH_LABELS.items() if changed.get(flag) is False]
        for key, prefix in _LABEL_PREFIXES.items():
            if key in changed:
                parts.append(f"{prefix}{str(changed[key]).removeprefix('local:')}")
        return "-".join(parts)

    def build(self):
        """Instantiate the program (and load its saved state, if any)."""
        program = self.factory() if self.factory else _instantiate(self.kind, self.options)
        if self.program_path is not None:
            try:
                program.load(str(self.program_path))
            except Exception as exc:  # dspy raises KeyError/ValueError on mismatched state
                raise UsageError(
                    f"Could not load {self.program_path} into a {self.kind!r} program "
                    f"({type(exc).__name__}: {exc}). Check the sidecar's 'program' kind."
                ) from exc
        return program

    def describe(self) -> dict[str, Any]:
        """Parameters for logs and MLflow: a pipeline's every option, not only what differs
        from the reference (``drafts: 0`` is stated, not implied)."""
        options = {**LABEL_REFERENCE, **self.options} if self.kind == "coder" else self.options
        info: dict[str, Any] = {"kind": self.kind, "label": self.label, **options}
        if self.program_path is not None:  # relative to the repository (see portable_paths)
            from dspy_coder.bench.portable_paths import portable_word, repo_root

            info["program_path"] = portable_word(str(self.program_path), repo_root())
        return info


def options_against_reference(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options that differ from ``LABEL_REFERENCE``: what a label names.

    >>> options_against_reference({"drafts": 0, "max_iterations": 2})
    {'max_iterations': 2}
    """
    resolved = {**LABEL_REFERENCE, **options}
    return {
        key: value
        for key, value in resolved.items()
        if (key not in LABEL_REFERENCE or value != LABEL_REFERENCE[key])
        and not unread_setting(key, resolved)
    }


def _instantiate(kind: str, options: dict[str, Any]):
    """A pipeline's options are stated against ``LABEL_REFERENCE``, so it is filled in; a
    ``senior_lm`` option becomes the pipeline's senior model (greedy, as benchmarks are)."""
    if kind != "coder":
        return make_program(kind, options)
    options = {**LABEL_REFERENCE, **options}
    senior = options.pop("senior_lm", None)
    program = make_program(kind, options)
    if senior:
        from dspy_coder.lm import make_lm
        from dspy_coder.pipeline.senior import Senior

        program.senior = Senior(make_lm(senior, temperature=0.0))
    return program


def program_fingerprint(spec: VariantSpec, program: Any) -> str:
    """12 hex digits over kind, options, the program's config and its DSPy state.

    The state holds every predictor's instructions and demos; ``config`` (the Coder's resolved
    constructor options) catches changed defaults.
    """
    try:
        state = program.dump_state()
    except Exception:  # a fake program in tests, or a module without state
        state = {}
    payload = json.dumps(
        {
            "kind": spec.kind,
            "options": {**spec.options},
            "class": type(program).__qualname__,
            "config": _config_identity(program),
            "state": state,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def _config_identity(program: Any) -> Any:
    """The program's settings as fingerprinted (``CoderConfig.identity`` for a ``Coder``)."""
    config = getattr(program, "config", None)
    return config.identity() if hasattr(config, "identity") else config


def resolve_variant(name: str, pipeline: Mapping[str, Any] | None = None) -> VariantSpec:
    """A built-in variant by name, with the run's pipeline options applied.

    ``pipeline`` holds ``Coder`` keyword arguments (e.g. ``{"use_tests": False}``); it is
    applied to pipeline variants only and ignored by single-shot ones.
    """
    if name not in NAMED_VARIANTS:
        raise UsageError(
            f"Unknown variant {name!r}; use one of: {', '.join(NAMED_VARIANTS)} "
            "(or --program PATH for a compiled program)."
        )
    kind, base = NAMED_VARIANTS[name]
    if kind != "coder":
        return VariantSpec(kind=kind, options=dict(base))
    # Today's defaults filled in, then only what differs from the reference pipeline: so the
    # same pipeline has the same options (and fingerprint) whichever flags or defaults asked
    # for it. ``--variant coder`` is ``coder-drafts4`` now that drafts=4 is the default.
    requested = {**PIPELINE_DEFAULTS, **base, **(pipeline or {})}
    return VariantSpec(kind=kind, options=options_against_reference(requested))


def find_sidecar(program_path: Path) -> Path | None:
    """The sidecar JSON next to a saved program: ``x.meta.json`` or ``x.json.meta.json``."""
    candidates = [program_path.with_suffix(s) for s in SIDECAR_SUFFIXES]
    candidates += [program_path.with_name(program_path.name + s) for s in SIDECAR_SUFFIXES]
    return next((c for c in candidates if c.is_file()), None)


def load_program_variant(
    path: str | Path, pipeline: Mapping[str, Any] | None = None
) -> VariantSpec:
    """The variant for a compiled program file, read from its sidecar; ``pipeline`` options
    override a compiled pipeline's saved options (and are ignored for single-shot programs)."""
    program_path = Path(path)
    if program_path.is_dir():  # `dspy-coder optimize --out DIR` writes DIR/program.json
        program_path = program_path / "program.json"
    if not program_path.is_file():
        raise UsageError(f"--program {program_path}: no such file (a JSON saved by module.save).")
    sidecar = find_sidecar(program_path)
    if sidecar is None:
        raise UsageError(
            f"No sidecar found next to {program_path} (looked for "
            f'{program_path.stem}.meta.json). It should contain {{"program": "coder"}} '
            "(or baseline/cot); `dspy-coder optimize` writes it."
        )
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"Sidecar {sidecar} is not valid JSON: {exc}") from exc
    kind = meta.get("program") or meta.get("kind")
    if kind not in KINDS:
        raise UsageError(f"Sidecar {sidecar}: 'program' must be one of {KINDS}, got {kind!r}.")
    options = dict(meta.get("options") or meta.get("program_options") or {})
    if kind == "coder":
        options.update(pipeline or {})
    stem = program_path.parent.name if program_path.stem == "program" else program_path.stem
    split = meta.get("split") or {}
    used = frozenset([*(split.get("train_used") or []), *(split.get("dev_used") or [])])
    logger.info(
        "Loaded sidecar %s: program kind %s, compiled on %d problems", sidecar, kind, len(used)
    )
    return VariantSpec(
        kind=kind,
        options=options,
        program_path=program_path,
        name=f"{kind}@{stem}",
        compile_ids=used,
    )


def check_compile_overlap(spec: VariantSpec, task_ids: list[str]) -> None:
    """Refuse to grade a compiled program on problems it was compiled on (inflated scores)."""
    overlap = sorted(set(task_ids) & spec.compile_ids)
    if overlap:
        raise UsageError(
            f"{spec.label} was compiled on {len(overlap)} of the selected problems (e.g. "
            f"{', '.join(overlap[:3])}); its score on them would be inflated. Evaluate on the "
            "held-out split (--split test, with the split seed used to compile), or pass "
            "--allow-compile-overlap to do it anyway."
        )
