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
        sys.executable, "-m", "dspy_coder.local_models.fresh_server", "--model", str(fake_model),
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
    assert "fresh_server --model" in out and "--host 0.0.0.0" in out


def test_reuse_prefix_runs_llama_cpp_server_itself(fake_model: Path, capsys):
    assert cli.main(["serve", "--lm", "local:qwen2.5-coder-1.5b", "--reuse-prefix",
                     "--print-only"]) == 0
    assert f"-m llama_cpp.server --model {fake_model}" in capsys.readouterr().out


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
    with pytest.raises(serve.SetupError, match=r"pip install 'dspy-coder\[serve\]'.*fastapi"):
        serve.check_server_installed()


def test_sigterm_to_serve_stops_the_server_too(tmp_path: Path):
    """A server left running after its `dspy-coder serve` was killed would hold the port and
    the CPU with nobody to stop it."""
    import os
    import signal
    import subprocess
    import time

    pid_file = tmp_path / "server.pid"
    server = (f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
              "time.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys; from dspy_coder.commands.serve import launch\n"
        "try:\n    launch([sys.executable, '-c', sys.argv[1]])\n"
        "except KeyboardInterrupt:\n    sys.exit(143)\n"), server])
    deadline = time.monotonic() + 60
    while not (pid_file.is_file() and pid_file.read_text()):
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 143
    with pytest.raises(ProcessLookupError):  # reaped by its parent: gone
        os.kill(child, 0)
