"""dspy-coder serve: the llama.cpp server command it builds and the client flags it prints
(with a fake launcher and model file; no server is started)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.commands import serve


@pytest.fixture()
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    path.write_bytes(b"GGUF")
    monkeypatch.setattr(
        "dspy_coder.local_models.assembly.ensure_model_file", lambda spec, cache_dir=None: path
    )
    return path


def test_serve_starts_llama_cpp_server_on_the_models_file_and_prints_the_client_flags(
    fake_model: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    launched: list[list[str]] = []
    monkeypatch.setattr(serve, "launch", lambda argv: launched.append(argv) or 0)
    monkeypatch.setattr(serve, "check_server_installed", lambda: None)
    argv = ["serve", "--lm", "local:qwen2.5-coder-1.5b", "--port", "8123", "--threads", "2"]
    assert cli.main(argv) == 0

    assert launched == [[
        sys.executable, "-m", "llama_cpp.server", "--model", str(fake_model),
        "--model_alias", "qwen2.5-coder-1.5b", "--host", "127.0.0.1", "--port", "8123",
        "--n_ctx", "8192", "--n_threads", "2",
    ]]
    out = capsys.readouterr().out
    assert "--lm openai/qwen2.5-coder-1.5b --api-base http://127.0.0.1:8123/v1" in out


def test_a_server_for_other_machines_is_announced_by_host_name(
    fake_model: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setattr(serve.socket, "gethostname", lambda: "gpu-box")
    assert cli.main(["serve", "--lm", "local:qwen2.5-coder-1.5b", "--host", "0.0.0.0",
                     "--print-only"]) == 0
    out = capsys.readouterr().out
    assert "--api-base http://gpu-box:8000/v1" in out
    assert "llama_cpp.server --model" in out and "--host 0.0.0.0" in out


def test_a_gguf_path_is_served_under_its_stem(tmp_path: Path, capsys):
    model = tmp_path / "my-model.gguf"
    model.write_bytes(b"GGUF")
    assert cli.main(["serve", "--lm", str(model), "--print-only"]) == 0
    assert "--lm openai/my-model --api-base http://127.0.0.1:8000/v1" in capsys.readouterr().out


def test_serving_a_remote_model_is_a_usage_error(caplog):
    assert cli.main(["serve", "--lm", "openai/gpt-4o-mini", "--print-only"]) == 2
    assert "not 'openai/gpt-4o-mini'" in caplog.text


def test_a_missing_server_extra_names_the_packages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(serve.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(serve.SetupError, match="pip install fastapi"):
        serve.check_server_installed()
