"""LocalLM + LlamaCppEngine as a DSPy LM, with llama_cpp.Llama replaced by a recording fake.

What is real here: dspy.LM, its cache, history, usage tracking, copy(), adapters, save/load,
and our engine's request conversion, shared-model registry and lock.
"""

from __future__ import annotations

import threading

import dspy
import pytest

from dspy_coder.local_models.engine import LlamaCppEngine, to_chat_messages
from dspy_coder.local_models.local_lm import LocalLM, make_local_lm, rollout_seed

pytestmark = pytest.mark.usefixtures("isolated_dspy_cache")


def _predict(lm, question="What is 2 + 2?"):
    with dspy.context(lm=lm):
        return dspy.Predict("question -> answer")(question=question)


def test_predict_is_answered_through_the_engine(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, max_tokens=64)

    assert isinstance(lm, dspy.LM) and lm.model == f"gguf/{path.resolve()}"
    assert _predict(lm).answer == "4"
    (call,) = fake.calls
    assert call["messages"][0]["role"] == "system"
    assert "What is 2 + 2?" in call["messages"][-1]["content"]
    assert call["max_tokens"] == 64
    assert call["temperature"] == 0.0  # greedy by default
    assert fake.constructed[0]["verbose"] is False
    assert fake.constructed[0]["n_ctx"] == 8192


def test_configure_and_sampling_options_reach_llama(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, temperature=0.7, max_tokens=32, seed=123)
    with dspy.context(lm=lm):
        dspy.Predict("question -> answer")(question="hi")
    call = fake.calls[-1]
    assert (call["temperature"], call["max_tokens"], call["seed"]) == (0.7, 32, 123)


def test_repeated_call_is_a_cache_hit_and_history_records_both(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path)

    _predict(lm)
    _predict(lm)

    assert len(fake.calls) == 1
    assert len(lm.history) == 2
    assert lm.history[0]["usage"]["prompt_tokens"] == 11
    assert lm.history[1]["usage"] == {}  # cache hit: nothing billed


def test_copy_with_rollout_id_bypasses_cache_and_derives_seed(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, seed=5)
    _predict(lm)

    rollout1 = lm.copy(rollout_id=1, temperature=1.0)
    rollout2 = lm.copy(rollout_id=2, temperature=1.0)
    _predict(rollout1)
    _predict(rollout2)
    _predict(rollout1)  # same rollout again: cached

    assert len(fake.calls) == 3
    seeds = [call["seed"] for call in fake.calls]
    assert seeds == [5, rollout_seed(5, 1), rollout_seed(5, 2)]
    assert len(set(seeds)) == 3
    assert fake.calls[1]["temperature"] == 1.0
    assert isinstance(rollout1, LocalLM) and rollout1.history != lm.history
    assert len(fake.constructed) == 1  # copies share one loaded model


def test_without_seed_rollouts_leave_seeding_to_llama(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path)
    _predict(lm.copy(rollout_id=1, temperature=1.0))
    assert fake.calls[-1]["seed"] is None


def test_usage_is_tracked(fake_gguf):
    path, _ = fake_gguf
    lm = make_local_lm(path)
    with dspy.context(lm=lm, track_usage=True):
        prediction = dspy.Predict("question -> answer")(question="usage?")
    usage = prediction.get_lm_usage()[lm.model]
    assert usage["prompt_tokens"] == 11 and usage["completion_tokens"] == 7


def test_concurrent_calls_are_serialised(fake_gguf):
    path, fake = fake_gguf
    fake.delay = 0.05
    lm = make_local_lm(path, cache=False)
    threads = [threading.Thread(target=lambda i=i: lm(f"question {i}")) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.calls) == 4
    assert fake.max_active == 1


def test_save_and_load_round_trip(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, max_tokens=48, seed=9)
    state = lm.dump_state()
    loaded = dspy.BaseLM.load_state(state, allow_custom_lm_class=True)

    assert type(loaded) is LocalLM
    assert isinstance(loaded.engine, LlamaCppEngine) and loaded.engine.model_path == path.resolve()
    assert loaded.kwargs["max_tokens"] == 48 and loaded.kwargs["seed"] == 9
    assert _predict(loaded).answer == "4"


def test_context_overflow_becomes_dspy_context_window_error(fake_gguf):
    path, fake = fake_gguf

    def overflow(messages, **options):
        raise ValueError("Requested tokens (9000) exceed context window of 8192")

    fake.create_chat_completion = overflow
    lm = make_local_lm(path)
    with pytest.raises(dspy.utils.exceptions.ContextWindowExceededError):
        lm("too long")


def test_request_conversion_keeps_system_and_turns():
    from dspy.lm15 import Message, Request

    request = Request(
        model="local/x",
        system="be brief",
        messages=(Message.user("hi"), Message.assistant("hello"), Message.user("bye")),
    )
    assert to_chat_messages(request) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "bye"},
    ]


def test_make_lm_routes_gguf_paths_to_the_local_engine(fake_gguf):
    from dspy_coder.lm import make_lm

    path, fake = fake_gguf
    for spec in (str(path), f"local:{path}"):
        lm = make_lm(spec, max_tokens=8, cache=False)
        assert isinstance(lm, LocalLM) and lm.kwargs["max_tokens"] == 8
        lm("hello")
    assert len(fake.calls) == 2 and len(fake.constructed) == 1


@pytest.mark.parametrize("extra_buffers", [False, True])
def test_extra_buffers_switch_reaches_llama_model_params(fake_gguf, monkeypatch, extra_buffers):
    """With extra_buffers=False (the default on AMX CPUs) llama.cpp loads the weights without
    repacking buffers; the patch is undone once the model has loaded."""
    import llama_cpp
    from llama_cpp import llama as llama_module

    path, fake = fake_gguf
    seen = []

    def recording_constructor(**kwargs):
        # What Llama.__init__ would read for its model parameters at this moment.
        seen.append(llama_module.llama_cpp.llama_model_default_params().use_extra_bufts)
        return fake

    monkeypatch.setattr(llama_cpp, "Llama", recording_constructor)
    LlamaCppEngine(path, extra_buffers=extra_buffers).load()

    assert seen == [extra_buffers]
    assert llama_module.llama_cpp.llama_model_default_params().use_extra_bufts is True


def test_dspy_configure_sets_the_local_lm_globally(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path)
    previous = dspy.settings.lm
    dspy.configure(lm=lm)
    try:
        assert dspy.Predict("question -> answer")(question="configured?").answer == "4"
    finally:
        dspy.configure(lm=previous)
    assert len(fake.calls) == 1


def test_best_of_n_draws_distinct_seeded_rollouts(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, seed=42)
    best = dspy.BestOfN(
        dspy.Predict("question -> answer"), N=3, reward_fn=lambda args, pred: 0.0, threshold=1.0
    )
    with dspy.context(lm=lm):
        best(question="pick one")

    assert len(fake.calls) == 3  # each rollout bypassed the cache
    assert [c["temperature"] for c in fake.calls] == [1.0, 1.0, 1.0]
    assert [c["seed"] for c in fake.calls] == [rollout_seed(42, rid) for rid in range(3)]


def test_json_adapter_structured_output_uses_llama_json_mode(fake_gguf):
    path, fake = fake_gguf
    fake.content = '{"answer": "4"}'
    lm = make_local_lm(path)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        prediction = dspy.Predict("question -> answer")(question="json?")

    assert prediction.answer == "4"
    response_format = fake.calls[-1]["response_format"]
    assert response_format["type"] == "json_object"  # llama.cpp's grammar-constrained JSON
    assert "answer" in response_format["schema"]["properties"]


@pytest.mark.parametrize(("cpu", "build", "expected"), [
    (True, True, False), (True, False, True), (False, True, True), (False, False, True),
])
def test_extra_buffers_are_off_only_for_an_amx_build_on_an_amx_cpu(
    fake_gguf, monkeypatch, cpu, build, expected
):
    from dspy_coder.local_models import engine as engine_module

    monkeypatch.setattr(engine_module, "cpu_has_amx", lambda: cpu)
    monkeypatch.setattr(engine_module, "build_has_amx", lambda: build)
    path, _fake = fake_gguf
    assert engine_module.LlamaCppEngine(path).extra_buffers is expected


def test_every_call_starts_from_a_clean_model_state(fake_gguf):
    """Reusing the previous call's prompt prefix made greedy answers depend on which call
    came before (HumanEval/19 with the real 1.5B model); by default each call starts clean."""
    path, fake = fake_gguf
    lm = make_local_lm(path, cache=False)
    _predict(lm, "What is 2 + 2?")
    _predict(lm, "What is 3 + 3?")
    assert fake.events == ["reset", "call", "reset", "call"]


def test_prefix_reuse_is_an_explicit_choice_that_survives_save_and_load(fake_gguf):
    path, fake = fake_gguf
    lm = make_local_lm(path, cache=False, reuse_prefix=True)
    _predict(lm, "What is 2 + 2?")
    _predict(lm, "What is 3 + 3?")
    assert fake.events == ["call", "call"]
    state = lm.engine.dump_state()
    assert state["reuse_prefix"] is True
    assert LlamaCppEngine.load_state(state).reuse_prefix is True


def test_loaded_models_are_freed_at_exit_unless_still_answering(fake_gguf):
    """Left to the garbage collector at interpreter exit, ``Llama.__del__`` ran after
    llama_cpp's globals were gone and printed a TypeError traceback after every run."""
    from dspy_coder.local_models import engine
    from tests.local_models.conftest import FakeLlama

    path, fake = fake_gguf
    make_local_lm(path, cache=False)("question")
    busy = engine._Loaded(FakeLlama(), threading.Lock(), 0.0)
    busy.lock.acquire()  # a daemon thread still in a completion
    engine._LOADED[("busy", 1, 1, True)] = busy

    engine.close_loaded_models()

    assert fake.events[-1] == "close"
    assert "close" not in busy.llama.events
    assert list(engine._LOADED) == [("busy", 1, 1, True)]
