"""The served model forgets the previous request: every completion starts with a reset."""

from __future__ import annotations

import llama_cpp
import pytest

from dspy_coder.local_models import fresh_server


def test_each_completion_resets_the_context_first(monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []

    class FakeLlama:
        def reset(self) -> None:
            calls.append("reset")

        def create_completion(self, prompt: str, **kwargs) -> str:
            calls.append(f"complete {prompt}")
            return prompt.upper()

    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    fresh_server.forget_previous_requests()
    fresh_server.forget_previous_requests()  # a second install does not wrap twice
    model = FakeLlama()
    assert model.create_completion("a") == "A"
    assert model.create_completion("b", max_tokens=3) == "B"
    assert calls == ["reset", "complete a", "reset", "complete b"]


def test_a_request_without_a_repeat_penalty_gets_the_in_process_default():
    from llama_cpp.server import types

    messages = [{"role": "user", "content": "hi"}]
    assert types.CreateChatCompletionRequest(messages=messages).repeat_penalty == 1.1  # as shipped
    fresh_server.use_in_process_defaults()
    assert types.CreateChatCompletionRequest(messages=messages).repeat_penalty == 1.0
    assert types.CreateCompletionRequest(prompt="hi").repeat_penalty == 1.0
    asked = types.CreateChatCompletionRequest(messages=messages, repeat_penalty=1.3)
    assert asked.repeat_penalty == 1.3  # a client that sets one still gets it
