"""A tiny OpenAI-compatible chat server on localhost that answers from a table.

It stands in for a model server (``dspy-coder serve``, vLLM, ...) in tests that need a real
``dspy.LM`` talking HTTP, e.g. from Ray workers in other processes. The answer is picked by
the first table key found in the request's last user message and written in DSPy's chat-adapter
format (``[[ ## code ## ]]``). ``delay_s`` makes each reply take that long, for timing runs.
``sections`` are further output fields written into every reply (DSPy ignores the ones a
signature does not have), e.g. the fields MIPROv2's instruction proposer asks for.

    with openai_stub({"def double(x)": "def double(x):\\n    return 2 * x\\n"}) as base:
        lm = dspy.LM("openai/stub", api_base=base, api_key="x", cache=False)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FALLBACK = "def unknown():\n    return None\n"


def _reply(codes: dict[str, str], body: dict, sections: dict[str, str]) -> dict:
    messages = body.get("messages") or [{}]
    text = str(messages[-1].get("content", ""))
    code = next((c for key, c in codes.items() if key in text), FALLBACK)
    extra = "".join(f"[[ ## {name} ## ]]\n{value}\n" for name, value in sections.items())
    content = f"[[ ## code ## ]]\n{code}\n{extra}[[ ## completed ## ]]\n"
    return {
        "id": "stub-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [
            {"index": 0, "finish_reason": "stop",
             "message": {"role": "assistant", "content": content}}
        ],
        "usage": {"prompt_tokens": len(text) // 4, "completion_tokens": len(content) // 4,
                  "total_tokens": (len(text) + len(content)) // 4},
    }


@contextmanager
def openai_stub(
    codes: dict[str, str], delay_s: float = 0.0, sections: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve ``codes`` on 127.0.0.1 (a free port) for the block; yields the ``/v1`` base URL."""
    calls: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if delay_s:
                time.sleep(delay_s)
            calls.append(time.monotonic())
            payload = json.dumps(_reply(codes, body, dict(sections or {}))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
