"""SandboxInterpreter: DSPy's CodeInterpreter protocol on an isolated, long-lived worker."""

from __future__ import annotations

import os
import socket
import time
import warnings
from pathlib import Path

import dspy
import pytest
from dspy.primitives.code_interpreter import (
    CodeExecutionError,
    CodeInterpreter,
    CodeInterpreterError,
    FinalOutput,
)
from dspy.utils import DummyLM

from dspy_coder.sandbox.interpreter import SandboxInterpreter
from dspy_coder.sandbox.isolation import descendants
from dspy_coder.sandbox.limits import Limits
from tests.sandbox.processes import all_dead_within


@pytest.fixture
def interp():
    it = SandboxInterpreter(limits=Limits(timeout_s=2, memory_mb=256))
    yield it
    it.shutdown()


def test_implements_the_protocol() -> None:
    assert isinstance(SandboxInterpreter(), CodeInterpreter)
    assert SandboxInterpreter(tools={"f": len}).tools == {"f": len}


def test_state_persists_and_variables_are_injected(interp: SandboxInterpreter) -> None:
    assert interp.execute("x = 6 * 7") is None
    assert interp.execute("print(x + n)", {"n": 1}) == "43"
    assert interp.execute("def f(a):\n    return a * 2") is None
    assert interp.execute("f(x)") == 84  # the last expression's value
    assert interp.execute("print('a')\nprint('b')") == "a\nb"
    assert interp.execute("data['k'][1]", {"data": {"k": [1, 2]}}) == 2


def test_submit_returns_final_output(interp: SandboxInterpreter) -> None:
    assert interp.execute("SUBMIT({'answer': 42})") == FinalOutput({"output": {"answer": 42}})
    assert interp.execute("SUBMIT(answer=42)") == FinalOutput({"answer": 42})
    with SandboxInterpreter(output_fields=[{"name": "a"}, {"name": "b"}]) as typed:
        assert typed.execute("SUBMIT(1, 'two')") == FinalOutput({"a": 1, "b": "two"})
        with pytest.raises(CodeExecutionError, match="SUBMIT expects the fields"):
            typed.execute("SUBMIT(1)")


def test_runtime_error_is_recoverable_and_shows_user_frames(interp: SandboxInterpreter) -> None:
    with pytest.raises(CodeExecutionError) as info:
        interp.execute("def g(a):\n    return 1 / a\nprint('before')\ng(0)")
    text = str(info.value)
    assert "ZeroDivisionError: division by zero" in text
    assert "line 2, in g" in text and "return 1 / a" in text
    assert "before" in text  # output printed before the error
    assert "_interpreter_worker" not in text
    assert interp.execute("1 + 1") == 2  # the session survived


def test_code_exec_in_pseudo_files_shows_their_source(interp: SandboxInterpreter) -> None:
    code = (
        "ns = {}\nexec(compile('def h(x):\\n    return x[5]\\n', 'solution.py', 'exec'), ns)\n"
        "ns['h']([1])"
    )
    with pytest.raises(CodeExecutionError) as info:
        interp.execute(code)
    assert 'File "solution.py", line 2, in h' in str(info.value)
    assert "return x[5]" in str(info.value)


def test_bad_syntax_raises_syntax_error(interp: SandboxInterpreter) -> None:
    with pytest.raises(SyntaxError) as info:
        interp.execute("x = (")
    assert info.value.lineno == 1
    assert interp.execute("2") == 2


def test_timeout_interrupts_the_code_but_keeps_the_session(interp: SandboxInterpreter) -> None:
    interp.execute("kept = 'yes'")
    start = time.monotonic()
    with pytest.raises(CodeExecutionError, match="TimeoutError"):
        interp.execute("while True:\n    pass")
    assert time.monotonic() - start < 5
    assert interp.execute("kept") == "yes"


def test_a_hung_worker_is_killed_and_the_session_ends() -> None:
    it = SandboxInterpreter(limits=Limits(timeout_s=1))
    it.start()
    pids = descendants(it._proc.pid)  # type: ignore[union-attr]
    start = time.monotonic()
    with pytest.raises(CodeInterpreterError) as info:
        it.execute("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: pass")
    assert not isinstance(info.value, CodeExecutionError)
    assert time.monotonic() - start < 10
    with pytest.raises(CodeInterpreterError, match="ended"):
        it.execute("1")
    assert pids and all_dead_within(pids)


def test_a_dead_worker_is_terminal(interp: SandboxInterpreter) -> None:
    with pytest.raises(CodeInterpreterError) as info:
        interp.execute("import os\nos._exit(3)")
    assert not isinstance(info.value, CodeExecutionError)
    assert "died" in str(info.value)
    with pytest.raises(CodeInterpreterError):
        interp.execute("1")


def test_memory_limit_is_a_recoverable_memory_error(interp: SandboxInterpreter) -> None:
    with pytest.raises(CodeExecutionError, match="MemoryError"):
        interp.execute("blob = bytearray(2 * 1024 ** 3)")
    assert interp.execute("3") == 3


def test_isolation_env_network_cwd_and_cleanup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSPY_CODER_TEST_SECRET", "hunter2")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    it = SandboxInterpreter(limits=Limits(timeout_s=5))
    try:
        it.start()
        assert "net_namespace" in it.isolation
        pids = descendants(it._proc.pid)  # type: ignore[union-attr]
        assert it.execute("import os\nos.environ.get('DSPY_CODER_TEST_SECRET')") is None
        cwd = it.execute("os.getcwd()")
        assert cwd != os.getcwd() and Path(cwd).is_dir()
        with pytest.raises(CodeExecutionError, match="OSError|ConnectionRefused|unreachable"):
            it.execute(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)")
        assert it.execute("open('note.txt', 'w').write('hi')") == 2
        # HOME and TMPDIR are its temp dir's absolute path: the worker's uid can reach it
        assert it.execute("import tempfile\nos.listdir(os.environ['HOME']) and "
                          "bool(tempfile.mkstemp())") is True
    finally:
        it.shutdown()
        listener.close()
    assert not Path(cwd).exists()
    # the kernel tears the PID namespace down asynchronously: allow it a moment under load
    assert all_dead_within(pids)


def test_output_is_capped() -> None:
    with SandboxInterpreter(limits=Limits(timeout_s=5, max_output_bytes=2048)) as it:
        out = it.execute("print('x' * 100_000)")
    assert len(out) < 2200 and "output truncated" in out


def test_tools_are_called_on_the_host() -> None:
    calls = []

    def lookup(key: str) -> str:
        calls.append(key)
        return key.upper()

    with SandboxInterpreter(tools={"lookup": lookup}) as it:
        assert it.execute("lookup('abc') + '!'") == "ABC!"
        with pytest.raises(CodeExecutionError, match="KeyError|TypeError"):
            it.execute("lookup()")
    assert calls == ["abc"]


def test_invalid_variables_are_rejected(interp: SandboxInterpreter) -> None:
    with pytest.raises(CodeInterpreterError, match="JSON"):
        interp.execute("1", {"x": object()})
    with pytest.raises(CodeInterpreterError, match="identifiers"):
        interp.execute("1", {"SUBMIT": 1})


def _pot():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return dspy.ProgramOfThought("question -> answer", interpreter_factory=SandboxInterpreter)


def test_program_of_thought_runs_through_the_sandbox() -> None:
    lm = DummyLM([
        {"reasoning": "Compute it.",
         "generated_code": "```python\nanswer = 17 * 23\nSUBMIT({'answer': answer})\n```"},
        {"reasoning": "The code printed 391.", "answer": "391"},
    ])
    with dspy.context(lm=lm):
        result = _pot()(question="What is 17 * 23?")
    assert result.answer == "391"
    # the answer step saw the sandbox's real output
    answer_prompt = lm.history[-1]["messages"][-1]["content"]
    assert '"answer": 391' in answer_prompt


def test_program_of_thought_regenerates_after_a_sandbox_error() -> None:
    lm = DummyLM([
        {"reasoning": "r",
         "generated_code": "```python\nresult = 1 / 0\nSUBMIT({'answer': result})\n```"},
        {"reasoning": "fix", "generated_code": "```python\nSUBMIT({'answer': 2 ** 10})\n```"},
        {"reasoning": "done", "answer": "1024"},
    ])
    with dspy.context(lm=lm):
        result = _pot()(question="What is 2 to the 10th?")
    assert result.answer == "1024"
    regenerate_prompt = lm.history[1]["messages"][-1]["content"]
    assert "ZeroDivisionError" in regenerate_prompt  # the model saw the sandbox's error


def test_program_of_thought_with_a_caller_owned_interpreter() -> None:
    lm = DummyLM([
        {"reasoning": "r", "generated_code": "```python\nSUBMIT({'answer': base + 1})\n```"},
        {"reasoning": "r", "answer": "11"},
    ])
    with SandboxInterpreter() as it, dspy.context(lm=lm):
        it.execute("base = 10")
        result = _pot()(it, question="What is base + 1?")
        assert result.answer == "11"
        assert it.execute("base") == 10  # still alive: the caller owns it


@pytest.mark.real_model
def test_program_of_thought_with_the_real_local_model() -> None:
    from dspy_coder.lm import make_lm

    lm = make_lm("local:qwen2.5-coder-0.5b", max_tokens=400)
    executed: list[str] = []

    class Recording(SandboxInterpreter):
        def execute(self, code, variables=None):  # type: ignore[no-untyped-def]
            executed.append(code)
            return super().execute(code, variables)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pot = dspy.ProgramOfThought("question -> answer", interpreter_factory=Recording,
                                    max_iters=3)
    with dspy.context(lm=lm):
        result = pot(question="What is the sum of the integers from 1 to 100?")
    assert executed, "the model's code never reached the sandbox"
    assert "5050" in str(result.answer)
