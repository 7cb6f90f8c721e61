"""notebooks/results.ipynb executes top to bottom on the committed results (and on a fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dspy_coder.bench.store import RecordCost, ResultRecord, ResultsStore

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "results.ipynb"


def _execute(env_results: Path | None, monkeypatch: pytest.MonkeyPatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    if env_results is not None:
        monkeypatch.setenv("DSPY_CODER_RESULTS", str(env_results))
    else:
        monkeypatch.delenv("DSPY_CODER_RESULTS", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return notebook


def _outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(str(output.get("data", {}).get("text/markdown", "")))
    return "\n".join(texts)


def _has_image(notebook) -> bool:
    return any(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_notebook_runs_on_committed_results(monkeypatch: pytest.MonkeyPatch):
    notebook = _execute(None, monkeypatch)
    text = _outputs(notebook)
    assert "run(s) under" in text
    if "0 run(s)" not in text:
        assert "pass@1 on common" in text and _has_image(notebook)


def test_notebook_draws_a_comparison_of_fixture_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for run, variant, passes in (("a", "baseline", [True, False]), ("b", "coder", [True, True])):
        store = ResultsStore(tmp_path / run / "results.jsonl")
        for i, passed in enumerate(passes):
            store.append(
                ResultRecord(
                    task_id=f"T/{i}",
                    variant=variant,
                    program_fingerprint="fp",
                    lm="local:m",
                    passed=passed,
                    grade_status="passed" if passed else "failed",
                    cost=RecordCost(lm_calls=1, wall_time_s=1.0 + i),
                    score_history=[0.5, 1.0] if variant == "coder" else [],
                )
            )
    notebook = _execute(tmp_path, monkeypatch)
    text = _outputs(notebook)
    assert "2 run(s)" in text
    assert "| a | baseline | local:m | 2 | 50.0% |" in text
    assert "| b | coder | local:m | 2 | 100.0% |" in text
    assert _has_image(notebook)
