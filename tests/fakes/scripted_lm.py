"""A DummyLM that answers by which output field a prompt asks for, in call order per field.

    lm = scripted_lm({"generated_code": ["def f(): ...", ...], "fixed_code": [...]})

Each prompt asks for its output fields by name; the first scripted field named in the final
message picks the queue, and its next answer is returned. Unscripted steps get a default.
The pipeline's first draft (``FunctionWriter``, output ``code``) draws from the
``generated_code`` queue unless ``code`` is scripted itself: both are "the first answer".
"""

from __future__ import annotations

from typing import Any

from dspy.utils import DummyLM

DEFAULTS: dict[str, dict[str, Any]] = {
    "route": {"route": "simple", "reason": "short and specified"},
    "approach": {
        "approach": "direct",
        "steps": ["do it"],
        "edge_cases": ["empty"],
        "time_complexity": "O(n)",
    },
    "test_code": {"test_code": "", "make_input": ""},
    "advice": {"discussion": "n/a", "advice": {}},
}


class _NextAnswer(dict):
    """Pops the next scripted answer when the DummyLM formats it."""

    def __init__(self, queue: list[dict[str, Any]], field: str, source: str | None = None) -> None:
        super().__init__()
        self.queue, self.field, self.source = queue, field, source

    def items(self):  # type: ignore[override]
        if self.queue:
            answer = self.queue.pop(0)
            if self.source and self.source in answer:  # aliased: answer the field asked for
                answer = {**answer, self.field: answer[self.source]}
            return answer.items()
        return DEFAULTS.get(self.field, {self.field: ""}).items()


class _Script(dict):
    def __init__(self, by_field: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.by_field = by_field

    def items(self):  # type: ignore[override]
        for field, queue in self.by_field.items():
            yield f"[[ ## {field} ## ]]", _NextAnswer(queue, field)
        if "generated_code" in self.by_field and "code" not in self.by_field:
            queue = self.by_field["generated_code"]
            yield "[[ ## code ## ]]", _NextAnswer(queue, "code", source="generated_code")


def scripted_lm(script: dict[str, list[Any]]) -> DummyLM:
    """``script`` maps a distinguishing output field to its answers (str = that field only)."""
    by_field: dict[str, list[dict[str, Any]]] = {}
    for field, answers in script.items():
        by_field[field] = [
            a if isinstance(a, dict) else {"reasoning": "r", field: a} for a in answers
        ]
    for field in DEFAULTS:
        by_field.setdefault(field, [])
    return DummyLM(_Script(by_field))


def lm_calls_since(start: int) -> list[dict[str, Any]]:
    """Global DSPy history entries after index ``start``: copies made by dspy.Refine included."""
    from dspy.clients.base_lm import GLOBAL_HISTORY

    return GLOBAL_HISTORY[start:]


def history_mark() -> int:
    from dspy.clients.base_lm import GLOBAL_HISTORY

    return len(GLOBAL_HISTORY)


def all_prompts(entries: list[dict[str, Any]]) -> str:
    """Every message in ``entries``, concatenated (for leak checks)."""
    texts = []
    for entry in entries:
        for message in entry.get("messages") or []:
            texts.append(str(message.get("content", "")))
        if entry.get("prompt"):
            texts.append(str(entry["prompt"]))
    return "\n".join(texts)
