"""The bench on a local 2-CPU Ray cluster, against a stub OpenAI-compatible LM server.

One cluster serves the module (starting one takes 10-20 s on 2 busy cores). Each unit runs in
a Ray worker process (the program notes its pid); the rows equal the single-process run's,
and a worker killed mid-unit costs a retry, not the unit. With an MLflow tracking server (an
``mlflow server`` with a SQLite backend, started here) each worker traces its unit into the
driver's run, and the trace carries the hidden-test verdict.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.bench.ray_cluster import RayTarget, init_ray
from dspy_coder.bench.runner import RESULTS_FILE, BenchConfig, run_benchmark
from dspy_coder.bench.store import ResultRecord, read_records
from dspy_coder.bench.variants import VariantSpec, resolve_variant
from dspy_coder.lm import make_lm
from tests.bench.helpers import PROBLEMS, RIGHT, WRONG
from tests.bench.ray_programs import TableProgram, attempts
from tests.fakes.openai_stub import openai_stub

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

TESTS_DIR = Path(__file__).resolve().parents[1]
CODES = {**RIGHT, "square": WRONG["square"]}  # two pass, one fails
STUB_TABLE = {f"def {name}(x)": code for name, code in CODES.items()}
VOLATILE_COST = {"wall_time_s", "grade_time_s"}


@pytest.fixture(scope="module")
def cluster():
    if ray.is_initialized():
        ray.shutdown()
    init_ray(RayTarget(num_cpus=2, py_modules=(str(TESTS_DIR),)))
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def stub_base():
    with openai_stub(STUB_TABLE) as base:
        yield base


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """``mlflow server`` on a free port with a SQLite backend, as the README's step 2."""
    folder = tmp_path_factory.mktemp("tracker")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server",
         "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
         "--default-artifact-root", str(folder / "mlartifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"{uri}/health", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"mlflow server did not start (exit {server.poll()})")
            time.sleep(0.5)
    yield uri
    server.terminate()
    server.wait(timeout=30)


def stub_lm(base: str):
    return make_lm("openai/stub", api_base=base, api_key="x", cache=False)


def table_variant(marker_dir: Path, kills: dict[str, int] | None = None) -> VariantSpec:
    program = TableProgram(CODES, marker_dir, kills)
    return VariantSpec(kind="custom", name="table", factory=lambda: program)


def comparable(record: ResultRecord) -> dict:
    data = record.model_dump(exclude={"finished_at"})
    data["cost"] = {k: v for k, v in data["cost"].items() if k not in VOLATILE_COST}
    return data


def by_key(records: list[ResultRecord]) -> dict:
    return {r.key: comparable(r) for r in records}


def test_ray_rows_equal_the_single_process_rows_and_resume_alike(
    cluster, stub_base, tmp_path: Path
):
    markers = tmp_path / "markers"
    markers.mkdir()
    config = BenchConfig(
        variants=[resolve_variant("baseline"), table_variant(markers)],
        problems=PROBLEMS,
        lm_label="openai/stub",
    )
    lm = stub_lm(stub_base)
    single = run_benchmark(config, lm, tmp_path / "single")
    shutil.rmtree(markers)
    markers.mkdir()
    on_ray = run_benchmark(config, lm, tmp_path / "ray", ray=RayTarget())

    assert len(on_ray.records) == 6
    assert by_key(on_ray.records) == by_key(single.records)
    assert sum(r.passed for r in on_ray.records) == 4  # square fails in both variants
    assert all(r.cost.lm_calls == 1 for r in on_ray.records if r.variant == "baseline")
    # the units ran in worker processes, not in the driver
    pids = {pid for name in CODES for pid in attempts(markers, name)}
    assert pids and os.getpid() not in pids
    # the driver wrote the file: one line per unit, and the full reports came back too
    lines = (tmp_path / "ray" / RESULTS_FILE).read_text().splitlines()
    assert len(lines) == 6
    assert by_key(read_records(tmp_path / "ray" / RESULTS_FILE)) == by_key(single.records)
    # a single-process resume of the Ray folder finds nothing left to do
    again = run_benchmark(config, lm, tmp_path / "ray")
    assert again.progress.session_done == 0 and again.progress.done == 6


def test_a_unit_whose_worker_is_killed_is_retried_once_and_kept(
    cluster, stub_base, tmp_path: Path
):
    config = BenchConfig(
        variants=[table_variant(tmp_path, kills={"double": 1})],
        problems=PROBLEMS,
        lm_label="openai/stub",
    )
    outcome = run_benchmark(config, stub_lm(stub_base), tmp_path / "run", ray=RayTarget())

    rows = {r.task_id: r for r in read_records(tmp_path / "run" / RESULTS_FILE)}
    assert set(rows) == {"Toy/double", "Toy/negate", "Toy/square"}
    assert rows["Toy/double"].passed and not rows["Toy/double"].harness_error
    first, second = attempts(tmp_path, "double")  # killed once, then run again elsewhere
    assert first != second and os.getpid() not in (first, second)
    assert len(attempts(tmp_path, "negate")) == 1
    assert outcome.progress.passed == 2


def test_a_unit_lost_twice_is_a_harness_failure_and_the_run_goes_on(
    cluster, stub_base, tmp_path: Path
):
    config = BenchConfig(
        variants=[table_variant(tmp_path, kills={"negate": 2})],
        problems=PROBLEMS,
        lm_label="openai/stub",
    )
    run_benchmark(config, stub_lm(stub_base), tmp_path / "run", ray=RayTarget())

    rows = {r.task_id: r for r in read_records(tmp_path / "run" / RESULTS_FILE)}
    assert len(attempts(tmp_path, "negate")) == 2  # the first try and one retry, no more
    assert not rows["Toy/negate"].passed
    assert rows["Toy/negate"].grade_status == "harness_error"
    assert "Ray worker lost" in rows["Toy/negate"].harness_error
    assert rows["Toy/double"].passed and not rows["Toy/square"].passed


def test_bench_command_with_ray_writes_the_same_rows(
    cluster, stub_base, tmp_path: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    common = ["bench", "--dataset", str(dataset), "--variant", "baseline", "--no-mlflow",
              "--lm", "openai/stub", "--api-base", stub_base]
    monkeypatch.setenv("DSPY_CODER_API_KEY", "x")
    assert cli.main([*common, "--out", str(tmp_path / "single")]) == 0
    assert cli.main([*common, "--ray", "--out", str(tmp_path / "ray")]) == 0

    single = read_records(tmp_path / "single" / RESULTS_FILE)
    on_ray = read_records(tmp_path / "ray" / RESULTS_FILE)
    assert by_key(on_ray) == by_key(single) and len(on_ray) == 3
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert " --ray " in f" {manifest['command']} "
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    assert summary["complete"] is True and summary["answers"] == 3


def test_bench_on_ray_traces_each_unit_into_the_run_with_its_hidden_test_verdict(
    cluster, stub_base, mlflow_server: str, tmp_path: Path, dataset: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    import mlflow

    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    monkeypatch.setenv("DSPY_CODER_API_KEY", "x")
    out = tmp_path / "run"
    assert cli.main(["bench", "--dataset", str(dataset), "--variant", "baseline", "--lm",
                     "openai/stub", "--api-base", stub_base, "--ray", "--tracking-uri",
                     mlflow_server, "--out", str(out)]) == 0

    rows = read_records(out / RESULTS_FILE)
    run_id = json.loads((out / "manifest.json").read_text())["mlflow_run_id"]
    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    experiment = client.get_run(run_id).info.experiment_id
    traces = {t.info.trace_id: t for t in client.search_traces(locations=[experiment],
                                                               run_id=run_id)}
    assert len(traces) == len(rows) == 3  # one trace per unit, in the driver's run
    assert sum(r.passed for r in rows) == 2
    for row in rows:
        trace = traces[row.trace_id]
        verdicts = [a for a in trace.info.assessments if a.name == "hidden_tests"]
        assert [v.value for v in verdicts] == [row.passed]
        assert len(trace.data.spans) >= 3  # the program, its predictor and the LM call


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--lm", "local:qwen2.5-coder-0.5b"], "dspy-coder serve"),
        (["--lm", "openai/stub", "--workers", "2"], "Drop --workers"),
    ],
)
def test_ray_refuses_an_in_process_model_and_threads(
    tmp_path: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch, caplog, extra, message
):
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    argv = ["bench", "--dataset", str(dataset), "--ray", "--no-mlflow",
            "--out", str(tmp_path / "r"), *extra]
    assert cli.main(argv) == 2
    assert message in caplog.text
    assert not (tmp_path / "r").exists()


def test_sigterm_to_a_ray_driver_keeps_its_rows_and_exits_143(tmp_path: Path, dataset: Path):
    """The driver in its own process, on its own local cluster; the stub answers in 1.5 s."""
    import signal
    import subprocess
    import sys
    import time

    root = TESTS_DIR.parent
    out = tmp_path / "run"
    with openai_stub(STUB_TABLE, delay_s=1.5) as base:
        env = {**os.environ, "DSPY_CODER_API_KEY": "x", "PYTHONPATH": str(root)}
        driver = subprocess.Popen(
            [sys.executable, "-m", "dspy_coder.cli", "bench", "--dataset", str(dataset),
             "--variant", "baseline", "--variant", "cot", "--lm", "openai/stub",
             "--api-base", base, "--ray", "--no-mlflow", "--out", str(out)],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 240
        results = out / RESULTS_FILE
        while time.monotonic() < deadline and driver.poll() is None:
            if results.is_file() and len(results.read_text().splitlines()) >= 1:
                break
            time.sleep(0.2)
        driver.send_signal(signal.SIGTERM)
        code = driver.wait(timeout=120)
    kept = read_records(results)
    assert code == 143
    assert 1 <= len(kept) < 6  # stopped mid-run, every finished row kept
    assert "INCOMPLETE" in (out / "table.md").read_text()
