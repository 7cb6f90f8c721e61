"""Fixtures: fake part packages installed on sys.path, a fake llama.cpp model, an isolated cache."""

from __future__ import annotations

import base64
import hashlib
import importlib
import threading
import time
from pathlib import Path

import pytest

from dspy_coder.local_models.machine_lock import machine_lock
from dspy_coder.local_models.registry import ModelSpec, PartSpec


def write_fake_distribution(
    site: Path, dist: str, version: str, filename: str, data: bytes
) -> Path:
    """Install a minimal wheel-like distribution (package + dist-info with RECORD) in ``site``."""
    top = dist.replace("-", "_")
    data_file = site / top / "data" / filename
    data_file.parent.mkdir(parents=True)
    data_file.write_bytes(data)
    (site / top / "__init__.py").write_text("")
    info = site / f"{top}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(
        f"{top}/__init__.py,,\n{top}/data/{filename},sha256={digest},{len(data)}\n"
        f"{top}-{version}.dist-info/METADATA,,\n{top}-{version}.dist-info/RECORD,,\n"
    )
    return data_file


class FakeModel:
    """A spec whose parts are installed as real (tiny) distributions on sys.path."""

    def __init__(self, site: Path, prefix: str, chunks: list[bytes]) -> None:
        self.site = site
        self.chunks = chunks
        self.content = b"".join(chunks)
        parts = tuple(
            PartSpec(f"{prefix}{i}", "0.1.0", f"part{i:02d}.bin") for i in range(1, len(chunks) + 1)
        )
        self.spec = ModelSpec(
            name=f"{prefix}model",
            description="fake",
            parts=parts,
            sha256=hashlib.sha256(self.content).hexdigest(),
            size=len(self.content),
            extra="model-fake",
        )
        self.part_files = [
            write_fake_distribution(site, part.distribution, part.version, part.filename, chunk)
            for part, chunk in zip(parts, chunks, strict=True)
        ]


@pytest.fixture
def fake_model(tmp_path, monkeypatch) -> FakeModel:
    site = tmp_path / "site"
    site.mkdir()
    # A unique prefix per test, so importlib.metadata never sees another test's packages.
    prefix = f"fake-{tmp_path.name.replace('_', '-').lower()}-part"
    model = FakeModel(
        site, prefix, [b"GGUF" + bytes(range(256)) * 3, b"middle" * 100, b"tail-bytes"]
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return model


@pytest.fixture
def isolated_dspy_cache(monkeypatch):
    """A fresh in-memory DSPy cache, so tests neither read nor write ~/.dspy_cache."""
    import dspy
    from dspy.clients.cache import Cache

    cache = Cache(enable_disk_cache=False, enable_memory_cache=True, disk_cache_dir=None)
    monkeypatch.setattr(dspy, "cache", cache)
    return cache


class FakeLlama:
    """Stands in for llama_cpp.Llama: records every call, answers in DSPy's chat format."""

    chat_format = "fake"

    def __init__(self, answer: str = "4", delay: float = 0.0) -> None:
        self.answer = answer
        self.content: str | None = None  # when set, the raw reply instead of the chat format
        self.tokens: list[str] | None = None  # when set, the reply token by token, through
        self.vocabulary: list[str] = ["<eos>"]  # the call's logits processors (ids index this)
        self.delay = delay
        self.calls: list[dict] = []
        self.events: list[str] = []  # "reset" and "call", in order
        self.active = 0
        self.max_active = 0
        self._guard = threading.Lock()

    # a tiny vocabulary for answers given token by token (``tokens``): id 0 is end-of-text
    def token_eos(self) -> int:
        return 0

    def detokenize(self, tokens: list[int]) -> bytes:
        return "".join(self.vocabulary[t] for t in tokens).encode()

    def reset(self) -> None:
        self.events.append("reset")

    def close(self) -> None:
        self.events.append("close")

    def _generate(self, processors) -> str:
        """``tokens`` one at a time, each offered to the logits processors first; stops where
        they leave end-of-text the only choice."""
        import numpy

        ids = {piece: i for i, piece in enumerate(self.vocabulary)}
        for piece in self.tokens:
            if piece not in ids:
                ids[piece] = len(self.vocabulary)
                self.vocabulary.append(piece)
        prompt = [len(self.vocabulary) + 1] * 3  # three prompt tokens
        generated: list[int] = []
        for piece in self.tokens:
            scores = numpy.zeros(len(self.vocabulary) + 2, dtype=numpy.single)
            for processor in processors or []:
                scores = processor(numpy.array(prompt + generated), scores)
            if scores[0] == 0.0 and numpy.isneginf(scores[1:]).all():
                break
            generated.append(ids[piece])
        return "".join(self.vocabulary[t] for t in generated)

    def create_chat_completion(self, messages, **options):
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if self.delay:
                time.sleep(self.delay)
            self.calls.append({"messages": messages, **options})
            self.events.append("call")
            content = self.content or f"[[ ## answer ## ]]\n{self.answer}\n\n[[ ## completed ## ]]"
            if self.tokens is not None:
                content = self._generate(options.get("logits_processor"))
            return {
                "id": f"fake-{len(self.calls)}",
                "choices": [
                    {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            }
        finally:
            with self._guard:
                self.active -= 1


@pytest.fixture
def fake_gguf(tmp_path, monkeypatch):
    """A .gguf path whose llama.cpp model is a FakeLlama: the real loading code runs, with
    ``llama_cpp.Llama`` replaced, and an empty registry of shared models."""
    import llama_cpp

    from dspy_coder.local_models import engine

    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF-fake")
    fake = FakeLlama()
    constructed: list[dict] = []

    def fake_constructor(**kwargs):
        constructed.append(kwargs)
        return fake

    monkeypatch.setattr(llama_cpp, "Llama", fake_constructor)
    monkeypatch.setattr(engine, "_LOADED", {})
    # A private machine lock: fake calls must not queue behind real models on this machine.
    private_lock = tmp_path / "machine.lock"
    monkeypatch.setattr(engine, "machine_lock", lambda: machine_lock(private_lock))
    fake.constructed = constructed
    return path, fake
