"""Assembling a model file from part packages: order, sha256, cache, corruption, missing parts."""

from __future__ import annotations

import json
import logging
import os

import pytest

from dspy_coder.errors import SetupError
from dspy_coder.local_models import assembly
from dspy_coder.local_models.assembly import ensure_model_file, locate_parts


def test_locate_parts_finds_installed_files_in_order(fake_model):
    assert locate_parts(fake_model.spec) == fake_model.part_files


def test_assembles_parts_in_order_and_writes_marker(fake_model, tmp_path):
    target = ensure_model_file(fake_model.spec, tmp_path / "cache")

    assert target == tmp_path / "cache" / f"{fake_model.spec.name}.gguf"
    assert target.read_bytes() == fake_model.content
    marker = json.loads(target.with_name(target.name + ".verified").read_text())
    assert marker["sha256"] == fake_model.spec.sha256
    assert marker["size"] == len(fake_model.content)
    # No temporary files are left behind.
    assert sorted(p.name for p in target.parent.iterdir() if ".tmp" in p.name) == []


def test_second_call_reuses_file_without_rehashing(fake_model, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = ensure_model_file(fake_model.spec, cache)
    mtime = first.stat().st_mtime_ns

    def no_hash(path):
        raise AssertionError("the cheap check must not re-hash a file whose marker matches")

    monkeypatch.setattr(assembly, "sha256_of", no_hash)
    monkeypatch.setattr(assembly, "assemble", no_hash)
    assert ensure_model_file(fake_model.spec, cache) == first
    assert first.stat().st_mtime_ns == mtime


def test_missing_marker_triggers_full_hash_then_is_rewritten(fake_model, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    target = ensure_model_file(fake_model.spec, cache)
    marker = target.with_name(target.name + ".verified")
    marker.unlink()
    hashed = []
    real = assembly.sha256_of
    monkeypatch.setattr(assembly, "sha256_of", lambda p: hashed.append(p) or real(p))

    assert ensure_model_file(fake_model.spec, cache) == target
    assert hashed == [target]
    assert marker.exists()


def test_corrupt_file_is_reported_and_rebuilt(fake_model, tmp_path, caplog):
    cache = tmp_path / "cache"
    target = ensure_model_file(fake_model.spec, cache)
    damaged = bytearray(target.read_bytes())
    damaged[10] ^= 0xFF
    target.write_bytes(bytes(damaged))  # same size; mtime changes so the marker no longer matches

    with caplog.at_level(logging.WARNING, logger="dspy_coder.local_models.assembly"):
        assert ensure_model_file(fake_model.spec, cache) == target

    assert target.read_bytes() == fake_model.content
    message = caplog.text
    assert str(target) in message and "corrupt" in message
    assert "pip install 'dspy-coder[model-fake]'" in message


def test_partial_file_is_reported_and_rebuilt(fake_model, tmp_path, caplog):
    cache = tmp_path / "cache"
    target = ensure_model_file(fake_model.spec, cache)
    target.write_bytes(fake_model.content[:100])

    with caplog.at_level(logging.WARNING, logger="dspy_coder.local_models.assembly"):
        ensure_model_file(fake_model.spec, cache)

    assert target.read_bytes() == fake_model.content
    assert "partial" in caplog.text and str(target) in caplog.text


def test_same_size_corruption_with_restored_mtime_needs_full_check(fake_model, tmp_path):
    """The documented trade-off: the cheap check trusts size+mtime+marker; full_check re-hashes."""
    cache = tmp_path / "cache"
    target = ensure_model_file(fake_model.spec, cache)
    stat = target.stat()
    damaged = bytearray(target.read_bytes())
    damaged[-1] ^= 0xFF
    target.write_bytes(bytes(damaged))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    ensure_model_file(fake_model.spec, cache)
    assert target.read_bytes() != fake_model.content  # cheap path: not detected
    ensure_model_file(fake_model.spec, cache, full_check=True)
    assert target.read_bytes() == fake_model.content  # full check: detected and rebuilt


def test_missing_part_package_names_the_pip_command(fake_model, tmp_path):
    # Remove the second distribution's metadata: the package is "not installed".
    dist = fake_model.spec.parts[1]
    info = fake_model.site / f"{dist.distribution.replace('-', '_')}-{dist.version}.dist-info"
    for child in info.iterdir():
        child.unlink()
    info.rmdir()

    with pytest.raises(SetupError) as excinfo:
        ensure_model_file(fake_model.spec, tmp_path / "cache")
    message = str(excinfo.value)
    assert "pip install 'dspy-coder[model-fake]'" in message
    assert f"'{dist.requirement}'" in message  # the raw package list is there too
    assert "1 are not installed" in message
    assert not (tmp_path / "cache" / fake_model.spec.filename).exists()


def test_corrupt_cached_file_is_never_kept_when_parts_are_missing(fake_model, tmp_path):
    cache = tmp_path / "cache"
    target = ensure_model_file(fake_model.spec, cache)
    target.write_bytes(b"x" * fake_model.spec.size)
    for path in fake_model.part_files:
        path.unlink()

    with pytest.raises(SetupError, match="pip install"):
        ensure_model_file(fake_model.spec, cache)
    assert not target.exists()


def test_parts_that_hash_wrong_raise_and_leave_nothing(fake_model, tmp_path):
    fake_model.part_files[2].write_bytes(b"TAIL-BYTES")  # same size, different content

    with pytest.raises(SetupError) as excinfo:
        ensure_model_file(fake_model.spec, tmp_path / "cache")
    assert "--force-reinstall" in str(excinfo.value)
    assert fake_model.spec.sha256 in str(excinfo.value)
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []
