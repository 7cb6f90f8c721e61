"""A DSPy engine that runs a GGUF model in-process through llama-cpp-python.

DSPy 3.4 lets ``dspy.LM(model, engine=...)`` delegate one request to an object with
``complete(Request) -> Response``; DSPy keeps its cache, history, usage tracking, callbacks and
``copy()``. This module is that engine for llama.cpp.

One ``llama_cpp.Llama`` is loaded per (model file, context size, threads) per process and shared
by every engine and every LM copy that points at it. llama.cpp is not safe for concurrent calls,
so each shared model has a lock and calls run one at a time; a machine-wide file lock
(``machine_lock``) also makes dspy-coder processes take turns, because llama.cpp threads that
share cores with another generation run several times slower than taking turns. With
``parallel`` > 1, concurrent calls instead share decoding steps on a second context of the same
weights (``batching``, ``llama_backend``), with the answers a single call gives.

Example:
    >>> import dspy
    >>> from dspy_coder.local_models.engine import LlamaCppEngine
    >>> engine = LlamaCppEngine("/models/qwen.gguf", n_ctx=4096)  # doctest: +SKIP
    >>> lm = dspy.LM("local/qwen", engine=engine)  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dspy.lm15 import (
    ContextLengthError,
    Message,
    Request,
    Response,
    TextPart,
    UnsupportedFeatureError,
    Usage,
    response_to_events,
)

from dspy_coder.errors import UsageError
from dspy_coder.local_models.batching import (
    BatchedGenerator,
    GenerationRequest,
    SamplingOptions,
)
from dspy_coder.local_models.machine_lock import machine_lock, others_waiting
from dspy_coder.local_models.runaway import RUNAWAY_LINES, RunawayStop

logger = logging.getLogger(__name__)

DEFAULT_N_CTX = 8192
# Answers decoded together at most. From four rows on, llama.cpp's CPU matrix kernels switch
# from one row at a time to blocks of four, the logits change in the last bits, and a greedy
# answer would depend on which answers shared its steps; up to three it is the single call's,
# token for token (measured, and tests/local_models/test_batching_real.py).
MAX_PARALLEL = 3
DEFAULT_MAX_TOKENS = 1024
_FINISH = {"stop": "stop", "length": "length"}


def physical_cores() -> int:
    """Physical cores this process may use (llama.cpp gains nothing from hyper-threads)."""
    try:
        import psutil

        physical = psutil.cpu_count(logical=False) or 0
    except ImportError:  # psutil is a dependency, but stay usable without it
        physical = 0
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        allowed = os.cpu_count() or 1
    return max(1, min(physical or allowed, allowed))


@dataclass
class _Loaded:
    llama: Any
    lock: threading.Lock
    load_seconds: float
    batched: dict[int, BatchedGenerator] = field(default_factory=dict)  # by slot count
    _formatter: Any = None

    def formatter(self) -> Any:
        """The model's chat formatter (``chat_formatter``), built once."""
        if self._formatter is None:
            self._formatter = chat_formatter(self.llama)
        return self._formatter

    def generator(self, slots: int) -> BatchedGenerator:
        """The shared continuous-batching generator with ``slots`` sequences (made once)."""
        with _LOADED_LOCK:
            generator = self.batched.get(slots)
            if generator is None:
                from dspy_coder.local_models.llama_backend import LlamaBackend

                with self.lock:
                    backend = LlamaBackend(self.llama, slots)
                generator = BatchedGenerator(
                    backend, step_guard=self.lock, busy_guard=machine_lock,
                    others_waiting=others_waiting,
                )
                self.batched[slots] = generator
                logger.info("Decoding up to %d answers together on %s", slots,
                            Path(self.llama.model_path).name)
            return generator


_LOADED: dict[tuple[str, int, int, bool], _Loaded] = {}
_LOADED_LOCK = threading.Lock()


def close_loaded_models() -> None:
    """Free every shared model not in use, at interpreter exit: left to the garbage collector,
    ``Llama.__del__`` runs after llama_cpp's module globals are gone and prints a TypeError
    traceback at the end of every run. A model still answering (a daemon thread) is left."""
    with _LOADED_LOCK:
        for key, loaded in list(_LOADED.items()):
            if loaded.lock.acquire(blocking=False):
                try:
                    for generator in loaded.batched.values():
                        generator.backend.close()
                    loaded.llama.close()
                finally:
                    loaded.lock.release()
                del _LOADED[key]


atexit.register(close_loaded_models)


def cpu_has_amx() -> bool:
    """Whether the CPU advertises Intel AMX (Linux /proc/cpuinfo; False elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return "amx_tile" in line.split()
    except OSError:
        pass
    return False


def build_has_amx() -> bool:
    """Whether the installed llama.cpp was compiled with AMX kernels (``-march=native`` on an
    AMX CPU does that; ``scripts/install_llama_cpp.sh`` builds without them)."""
    try:
        import llama_cpp

        info = llama_cpp.llama_print_system_info()
    except Exception:  # no library: the load will fail later with a clear error
        return False
    text = info.decode() if isinstance(info, bytes) else str(info)
    return "AMX_INT8 = 1" in text


def amx_repack_crashes() -> bool:
    """llama.cpp 0.3.36 segfaults in decode after repacking weights for AMX: only a build
    with AMX kernels on an AMX CPU is at risk, and only then are extra buffers turned off."""
    return cpu_has_amx() and build_has_amx()


@contextlib.contextmanager
def _model_params_without_extra_buffers() -> Iterator[None]:
    """Make ``Llama()`` load weights without llama.cpp's extra (repacking) buffer types.

    llama-cpp-python does not expose ``llama_model_params.use_extra_bufts``; its constructor
    starts from ``llama_model_default_params()``, so that function is wrapped while one model
    loads (callers hold ``_LOADED_LOCK``). Why: on CPUs with AMX, llama.cpp 0.3.36 repacks
    weights into AMX buffers and then segfaults in ``llama_decode``.
    """
    from llama_cpp import llama as llama_module

    bindings = llama_module.llama_cpp
    original = bindings.llama_model_default_params

    def patched():  # noqa: ANN202 - returns the ctypes struct
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = patched
    try:
        yield
    finally:
        bindings.llama_model_default_params = original


def _warn_if_oversubscribed(n_threads: int) -> None:
    """llama.cpp's threads spin at barriers: on a busy CPU, fewer threads can be several times
    faster."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return
    cores = os.cpu_count() or 1
    if n_threads > 1 and load > cores:
        logger.warning(
            "The CPU is busy (load average %.1f on %d CPUs): llama.cpp with %d threads may run "
            "several times slower than with n_threads=1.",
            load,
            cores,
            n_threads,
        )


def _load(path: Path, n_ctx: int, n_threads: int, extra_buffers: bool) -> _Loaded:
    key = (str(path.resolve()), n_ctx, n_threads, extra_buffers)
    with _LOADED_LOCK:
        loaded = _LOADED.get(key)
        if loaded is None:
            from llama_cpp import Llama

            started = time.perf_counter()
            guard = (
                contextlib.nullcontext() if extra_buffers else _model_params_without_extra_buffers()
            )
            with guard:
                llama = Llama(
                    model_path=key[0],
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    verbose=False,
                )
            seconds = time.perf_counter() - started
            logger.info(
                "Loaded %s in %.1fs (n_ctx=%d, n_threads=%d, extra buffers %s, chat format %s)",
                path.name,
                seconds,
                n_ctx,
                n_threads,
                extra_buffers,
                llama.chat_format,
            )
            _warn_if_oversubscribed(n_threads)
            loaded = _Loaded(llama, threading.Lock(), seconds)
            _LOADED[key] = loaded
        return loaded


def chat_formatter(llama: Any) -> Any:
    """The chat formatter llama-cpp-python builds from the model's own template (its
    ``chat_template.default``), to format a prompt exactly as ``create_chat_completion`` does.

    Raises:
        UsageError: the model is loaded with another chat format, which batching cannot copy.
    """
    if getattr(llama, "chat_handler", None) is not None or llama.chat_format != (
        "chat_template.default"
    ):
        raise UsageError(
            f"Decoding several answers together needs the model's own chat template; this model "
            f"uses {llama.chat_format!r}. Run it with parallel=1 (bench --workers 1)."
        )
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    eos_id, bos_id = llama.token_eos(), llama.token_bos()
    return Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"],
        eos_token=llama._model.token_get_text(eos_id) if eos_id != -1 else "",
        bos_token=llama._model.token_get_text(bos_id) if bos_id != -1 else "",
        stop_token_ids=[eos_id],
    )


def _text(parts: Any) -> str:
    if parts is None:
        return ""
    if isinstance(parts, str):
        return parts
    texts = []
    for part in parts:
        if not isinstance(part, TextPart):
            raise UnsupportedFeatureError(
                f"The llama.cpp engine accepts text only, got a {type(part).__name__}"
            )
        texts.append(part.text)
    return "".join(texts)


def to_chat_messages(request: Request) -> list[dict[str, str]]:
    """The request as OpenAI-style chat messages for llama.cpp's chat template."""
    if request.tools:
        raise UnsupportedFeatureError("The llama.cpp engine does not support native tool calls")
    messages = []
    if request.system is not None:
        messages.append({"role": "system", "content": _text(request.system)})
    for message in request.messages:
        role = message.role
        if role == "developer":
            role = "system"
        elif role not in ("user", "assistant", "system"):
            raise UnsupportedFeatureError(f"The llama.cpp engine cannot send a {role!r} message")
        messages.append({"role": role, "content": _text(message.parts)})
    return messages


def _response_format(config: Any) -> dict[str, Any] | None:
    """Map DSPy's structured-output request onto llama.cpp's JSON grammar.

    A JSON schema becomes a grammar; a schema llama.cpp cannot compile falls back to plain
    JSON mode (any JSON object) rather than failing the call.
    """
    fmt = config.response_format
    if not isinstance(fmt, dict):
        return None
    kind = fmt.get("type")
    if kind == "json_schema":
        # lm15's canonical form carries "schema" directly; OpenAI's wire form nests it.
        schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
        if schema:
            try:
                from llama_cpp.llama_grammar import LlamaGrammar

                LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
            except Exception as exc:  # noqa: BLE001 - any compile failure means "no grammar"
                logger.warning(
                    "JSON schema not usable as a llama.cpp grammar (%s); using JSON mode", exc
                )
                return {"type": "json_object"}
            return {"type": "json_object", "schema": schema}
        return {"type": "json_object"}
    if kind == "json_object":
        return {"type": "json_object"}
    return None


class LlamaCppEngine:
    """``complete(Request) -> Response`` over a shared in-process llama.cpp model.

    Args:
        model_path: the GGUF file.
        n_ctx: context window in tokens (prompt + answer).
        n_threads: CPU threads; default: the physical cores available.
        default_max_tokens: answer cap when the request sets none.
        builtin: name of the built-in model this file is (kept for save/load).
        reuse_prefix: evaluate only the part of a prompt after the prefix it shares with the
            previous call (faster for calls sharing a long prompt, but the answer then depends
            on which call came before). Off by default: the same request gives the same greedy
            answer whatever ran before it.
        extra_buffers: let llama.cpp repack weights into extra buffer types (AMX, CPU repack).
            Default: on, unless this llama.cpp build has AMX kernels and the CPU has AMX
            (llama.cpp 0.3.36's AMX repack segfaults; ``scripts/install_llama_cpp.sh`` builds
            without AMX so the fast AVX2 repack stays on).
        stop_runaways: end an answer once its last lines repeat one pattern (``runaway``),
            reported as cut off (finish reason ``length``). Not applied to structured output,
            whose grammar decides where it may end.
        parallel: answers decoded together when several threads call at once (``batching``),
            1 to ``MAX_PARALLEL``; 1 runs one call at a time. A greedy or seeded answer is the
            same either way.

    Unset sampling options default to greedy decoding (temperature 0). Structured output
    (DSPy's JSONAdapter) is enforced with llama.cpp's JSON grammar.
    """

    # Capability hints DSPy reads from a custom engine (dspy.clients.capabilities).
    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    supported_params = frozenset(
        {
            "temperature",
            "max_tokens",
            "top_p",
            "top_k",
            "stop",
            "seed",
            "frequency_penalty",
            "presence_penalty",
            "response_format",
        }
    )

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
        builtin: str | None = None,
        extra_buffers: bool | None = None,
        reuse_prefix: bool = False,
        stop_runaways: bool = True,
        parallel: int = 1,
    ) -> None:
        if not 1 <= parallel <= MAX_PARALLEL:
            raise UsageError(
                f"parallel must be 1 to {MAX_PARALLEL} for a local model, got {parallel}: from "
                f"{MAX_PARALLEL + 1} answers on, llama.cpp's batched kernels change the answers."
            )
        self.parallel = parallel
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self._requested_threads = n_threads
        self.n_threads = n_threads or physical_cores()
        self.default_max_tokens = default_max_tokens
        self.builtin = builtin
        self._requested_extra_buffers = extra_buffers
        if extra_buffers is None:
            extra_buffers = not amx_repack_crashes()
        self.extra_buffers = extra_buffers
        self.reuse_prefix = reuse_prefix
        self.stop_runaways = stop_runaways

    def load(self) -> _Loaded:
        """Load (or reuse) the shared model; returns it with its lock and load time."""
        return _load(self.model_path, self.n_ctx, self.n_threads, self.extra_buffers)

    def complete(self, request: Request) -> Response:
        messages = to_chat_messages(request)
        config = request.config
        options: dict[str, Any] = {
            "temperature": 0.0 if config.temperature is None else config.temperature,
            "max_tokens": config.max_tokens or self.default_max_tokens,
            "stop": list(config.stop) or None,
            "seed": config.seed,
            "response_format": _response_format(config),
        }
        for name in ("top_p", "top_k", "frequency_penalty", "presence_penalty"):
            value = getattr(config, name)
            if value is not None:
                options[name] = value
        loaded = self.load()
        runaway = None
        if self.stop_runaways and options["response_format"] is None:
            from llama_cpp import LogitsProcessorList

            runaway = RunawayStop(loaded.llama.detokenize, loaded.llama.token_eos())
            options["logits_processor"] = LogitsProcessorList([runaway])
        started = time.perf_counter()
        if self.parallel > 1 and not self.reuse_prefix:
            raw = self._complete_batched(loaded, messages, options)
        else:
            raw = self._complete_alone(loaded, messages, options)
        choice = raw["choices"][0]
        usage = raw.get("usage") or {}
        finish = _FINISH.get(choice.get("finish_reason") or "stop", "stop")
        if runaway is not None and runaway.stopped_after is not None:
            finish = "length"
            logger.info("Stopped a runaway answer after %d tokens: its last %d lines repeat one "
                        "pattern.", runaway.stopped_after, RUNAWAY_LINES)
        logger.debug(
            "llama.cpp call: %s prompt + %s completion tokens in %.2fs",
            usage.get("prompt_tokens"),
            usage.get("completion_tokens"),
            time.perf_counter() - started,
        )
        return Response(
            id=raw.get("id"),
            model=request.model,
            message=Message.assistant([TextPart(choice["message"].get("content") or "")]),
            finish_reason=finish,
            usage=Usage(
                input_tokens=usage.get("prompt_tokens"),
                output_tokens=usage.get("completion_tokens"),
            ),
        )

    def _complete_batched(
        self, loaded: _Loaded, messages: list[dict[str, str]], options: dict[str, Any]
    ) -> dict[str, Any]:
        """One chat completion through the shared continuous-batching generator, in the shape
        ``create_chat_completion`` returns."""
        llama = loaded.llama
        formatted = loaded.formatter()(messages=messages)
        prompt = llama.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        n_ctx = llama.n_ctx()
        if len(prompt) >= n_ctx:
            raise ContextLengthError(
                f"Requested tokens ({len(prompt)}) exceed context window of {n_ctx} "
                f"(model {self.model_path.name}, n_ctx={self.n_ctx})"
            )
        max_tokens = min(options["max_tokens"], n_ctx - len(prompt))
        stops = list(options["stop"] or []) + list(
            [formatted.stop] if isinstance(formatted.stop, str) else formatted.stop or []
        )
        grammar = None
        if options["response_format"] is not None:
            from llama_cpp.llama_chat_format import _grammar_for_response_format

            grammar = _grammar_for_response_format(options["response_format"], verbose=False)
        seed = options["seed"]
        processors = options.get("logits_processor")
        sampling = SamplingOptions(
            temperature=options["temperature"],
            top_k=options.get("top_k", 40),
            top_p=options.get("top_p", 0.95),
            frequency_penalty=options.get("frequency_penalty", 0.0),
            presence_penalty=options.get("presence_penalty", 0.0),
            seed=seed if seed is not None else random.SystemRandom().randint(0, 2**32 - 1),
            grammar=grammar,
            logits_processor=processors[0] if processors else None,
        )
        result = loaded.generator(self.parallel).generate(
            GenerationRequest(
                prompt=prompt,
                max_tokens=max_tokens,
                options=sampling,
                stop=[stop.encode("utf-8") for stop in stops],
            )
        )
        return {
            "id": f"chatcmpl-batched-{id(result)}",
            "choices": [
                {
                    "message": {"role": "assistant", "content": result.text},
                    "finish_reason": result.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "total_tokens": result.prompt_tokens + result.completion_tokens,
            },
        }

    def _complete_alone(
        self, loaded: _Loaded, messages: list[dict[str, str]], options: dict[str, Any]
    ) -> dict[str, Any]:
        """One chat completion on the shared model, with it and the machine to itself."""
        with loaded.lock, machine_lock():
            if not self.reuse_prefix:
                # Forget the previous call's tokens: otherwise llama.cpp evaluates only the part
                # of the prompt after the prefix it shares with that call, the numbers come out
                # slightly different, and a greedy answer depended on which call came before.
                loaded.llama.reset()
            try:
                raw = loaded.llama.create_chat_completion(messages=messages, **options)
            except ValueError as exc:
                if "context window" in str(exc):
                    raise ContextLengthError(
                        f"{exc} (model {self.model_path.name}, n_ctx={self.n_ctx})"
                    ) from exc
                raise
        return raw

    def stream(self, request: Request):
        """Streaming is emulated: the whole answer arrives as one event sequence."""
        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Nothing to close: the shared model stays loaded for other LMs of this process."""

    def dump_state(self) -> dict[str, Any]:
        """JSON state for ``dspy`` save/load (no secrets; the file path is machine-specific)."""
        return {
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
            "n_threads": self._requested_threads,
            "default_max_tokens": self.default_max_tokens,
            "builtin": self.builtin,
            "extra_buffers": self._requested_extra_buffers,
            "reuse_prefix": self.reuse_prefix,
            "stop_runaways": self.stop_runaways,
            "parallel": self.parallel,
        }

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> LlamaCppEngine:
        """Rebuild from ``dump_state``; a built-in model is re-verified (and rebuilt) in place."""
        path = Path(state["model_path"])
        builtin = state.get("builtin")
        if builtin:
            from dspy_coder.local_models.assembly import ensure_model_file
            from dspy_coder.local_models.registry import get_spec

            path = ensure_model_file(get_spec(builtin), path.parent)
        return cls(
            path,
            n_ctx=state.get("n_ctx", DEFAULT_N_CTX),
            n_threads=state.get("n_threads"),
            default_max_tokens=state.get("default_max_tokens", DEFAULT_MAX_TOKENS),
            builtin=builtin,
            extra_buffers=state.get("extra_buffers"),
            reuse_prefix=state.get("reuse_prefix", False),
            stop_runaways=state.get("stop_runaways", True),
            parallel=state.get("parallel", 1),
        )
