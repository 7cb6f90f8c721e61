"""``dspy-coder serve``: serve a local model once, over HTTP, for every worker of a run.

Starts llama-cpp-python's own OpenAI-compatible server (``python -m llama_cpp.server``, with
each request evaluated from an empty context so that a greedy answer does not depend on the
request before it; ``--reuse-prefix`` keeps llama.cpp's prompt reuse) on the
built-in model's verified GGUF file (assembled from its part packages on first use) or on a
``.gguf`` path, and prints the ``--lm``/``--api-base`` that ``bench``, ``solve`` or
``optimize`` then use. Any other OpenAI-compatible server (vLLM, SGLang, a hosted API) is used
the same way through LiteLLM. The server runs in the foreground; Ctrl-C stops it.

Example:
    $ dspy-coder serve --lm local:qwen2.5-coder-1.5b --host 0.0.0.0 --port 8000
    ... then, on any machine: dspy-coder bench --lm openai/qwen2.5-coder-1.5b \\
        --api-base http://HOST:8000/v1 --ray auto
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dspy_coder.commands.interrupts import stop_on_signals
from dspy_coder.errors import SetupError, UsageError

logger = logging.getLogger(__name__)

# What llama-cpp-python's [server] extra adds; installed on their own they need no rebuild.
SERVER_MODULES = {
    "fastapi": "fastapi",
    "sse_starlette": "sse-starlette",
    "starlette_context": "starlette-context",
    "pydantic_settings": "pydantic-settings",
    "uvicorn": "uvicorn",
}


@dataclass(frozen=True)
class ServePlan:
    """The server's command line and what clients pass to reach it."""

    argv: list[str]
    model_name: str
    api_base: str

    def hint(self) -> str:
        return (
            f"Serving {self.model_name} at {self.api_base}. Use it with:\n"
            f"  --lm openai/{self.model_name} --api-base {self.api_base}\n"
            "  (the server checks no key: export DSPY_CODER_API_KEY=local, or any value)\n"
        )


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="serve a local model over HTTP (llama-cpp-python's OpenAI-compatible server)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (0.0.0.0: reachable from other machines)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--n-ctx", type=int, default=None,
                        help="context length (default: what dspy-coder uses in-process)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads of the server (default: llama.cpp's choice)")
    parser.add_argument("--reuse-prefix", action="store_true",
                        help="let llama.cpp reuse the prompt prefix the previous request shared "
                        "(faster for similar prompts, but a greedy answer then depends on which "
                        "request came before it)")
    parser.add_argument("--print-only", action="store_true",
                        help="print the server command and the client flags; start nothing")
    return parser


def model_file(spec: str, cache_dir: Path | None) -> tuple[Path, str]:
    """The GGUF file of ``spec`` and the name clients use for it."""
    from dspy_coder.lm import LOCAL_PREFIX

    name = spec[len(LOCAL_PREFIX):] if spec.startswith(LOCAL_PREFIX) else spec
    if name.endswith(".gguf"):
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"GGUF model file not found: {path}")
        return path.resolve(), path.stem
    if not spec.startswith(LOCAL_PREFIX):
        raise UsageError(
            f"serve runs a local model (local:<name> or a .gguf file), not {spec!r}; a LiteLLM "
            "model is already served: pass it to --lm directly."
        )
    from dspy_coder.local_models.assembly import ensure_model_file
    from dspy_coder.local_models.registry import get_spec

    return ensure_model_file(get_spec(name), cache_dir), name


def plan(args: argparse.Namespace, spec: str, cache_dir: Path | None) -> ServePlan:
    """The server command for ``spec`` and the flags a client needs (nothing is started)."""
    from dspy_coder.local_models.engine import DEFAULT_N_CTX

    path, name = model_file(spec, cache_dir)
    server = "llama_cpp.server" if args.reuse_prefix else "dspy_coder.local_models.fresh_server"
    argv = [sys.executable, "-m", server, "--model", str(path),
            "--model_alias", name, "--host", args.host, "--port", str(args.port),
            "--n_ctx", str(args.n_ctx or DEFAULT_N_CTX)]
    if args.threads:
        argv += ["--n_threads", str(args.threads)]
    client_host = socket.gethostname() if args.host in ("0.0.0.0", "::") else args.host
    return ServePlan(argv=argv, model_name=name, api_base=f"http://{client_host}:{args.port}/v1")


def check_server_installed() -> None:
    missing = [pkg for module, pkg in SERVER_MODULES.items()
               if importlib.util.find_spec(module) is None]
    if missing:
        raise SetupError(
            "llama-cpp-python's server needs its [server] extra; add it without rebuilding "
            f"llama.cpp: pip install 'dspy-coder[serve]' (or: pip install {' '.join(missing)})"
        )


def launch(argv: list[str]) -> int:
    """Run the server in the foreground until it exits, Ctrl-C or SIGTERM (which stop the
    server too, never leaving it running without us); its exit code."""
    process = subprocess.Popen(argv)
    try:
        with stop_on_signals():
            return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise


def run(args: argparse.Namespace, settings) -> int:
    serve_plan = plan(args, settings.lm, settings.cache_dir)
    sys.stdout.write(serve_plan.hint())
    if args.print_only:
        sys.stdout.write("Server command: " + " ".join(serve_plan.argv) + "\n")
        return 0
    check_server_installed()
    sys.stdout.flush()
    logger.info("Starting: %s", " ".join(serve_plan.argv))
    return launch(serve_plan.argv)
