"""`dspy-coder serve` for real: the embedded 0.5B model served by llama-cpp-python's own
server, a bench run against it in one process and on a local Ray cluster, the same greedy
answers from both and from the model in-process, and Ctrl-C stops the server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = [pytest.mark.real_model, pytest.mark.ray]

CLI = [sys.executable, "-c", "import sys; from dspy_coder.cli import main; sys.exit(main())"]
IDS = "HumanEval/0,HumanEval/53"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(base: str, server: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=5) as reply:
                return json.load(reply)
        except OSError:
            time.sleep(1)
    raise AssertionError("the server did not answer within 5 minutes")


def _rows(out: Path) -> dict[str, tuple]:
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return {r["task_id"]: (r["passed"], r["code"], r["cost"]["lm_calls"]) for r in rows}


def test_served_model_answers_bench_in_one_process_and_on_ray_alike(tmp_path: Path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}/v1"
    log = tmp_path / "serve.log"
    env = {**os.environ, "DSPY_CODER_API_KEY": "local"}
    with log.open("w") as sink:
        server = subprocess.Popen(
            CLI + ["serve", "--lm", "local:qwen2.5-coder-0.5b", "--host", "127.0.0.1",
                   "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        models = _wait_until_serving(base, server, log)
        assert [m["id"] for m in models["data"]] == ["qwen2.5-coder-0.5b"]
        assert f"--api-base {base}" in log.read_text()  # the flags it printed are these

        common = ["bench", "--ids", IDS, "--variant", "baseline", "--no-mlflow",
                  "--lm", "openai/qwen2.5-coder-0.5b", "--api-base", base, "--temperature", "0"]
        in_process = [a if a != "openai/qwen2.5-coder-0.5b" else "local:qwen2.5-coder-0.5b"
                      for a in common if a not in ("--api-base", base)]
        local_env = {k: v for k, v in env.items() if k != "DSPY_CODER_API_KEY"}
        for label, argv, run_env in (("single", common, env), ("ray", common + ["--ray"], env),
                                     ("in_process", in_process, local_env)):
            done = subprocess.run(CLI + argv + ["--out", str(tmp_path / label)],
                                  cwd=tmp_path, env=run_env, capture_output=True, text=True,
                                  timeout=900, check=False)
            assert done.returncode == 0, done.stderr[-3000:]
        single, on_ray = _rows(tmp_path / "single"), _rows(tmp_path / "ray")
        assert set(single) == {"HumanEval/0", "HumanEval/53"}
        assert on_ray == single  # greedy answers from one server: the same code and verdicts
        # each request is evaluated afresh, as in-process, so the server answers as the
        # in-process model does
        assert _rows(tmp_path / "in_process") == single
        assert all(code.strip() for _, code, _ in single.values())
        assert all(calls == 1 for _, _, calls in single.values())
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError("Ctrl-C did not stop the server within 30 s") from None
