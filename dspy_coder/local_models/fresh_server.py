"""llama-cpp-python's own OpenAI-compatible server, answering as the in-process model does.

llama.cpp evaluates only the part of a prompt after the prefix it shares with the previous
request; the numbers then come out slightly different, so a greedy answer depends on which
request came before it (seen with ``dspy-coder serve``: the same prompt answered after another
one, or after itself, differed). The in-process engine forgets the previous call for that
reason (``LocalEngine(reuse_prefix=False)``); this runs ``python -m llama_cpp.server``
unchanged except that each completion starts from an empty context, and a request that sets
no repeat penalty gets llama.cpp's own default (1.0, as in-process) instead of the server's
1.1, which changes greedy answers. So a served model answers a request as the in-process model
does, whatever ran before it or beside it.

Run as ``python -m dspy_coder.local_models.fresh_server`` with llama_cpp.server's arguments.
"""

from __future__ import annotations

import functools
from typing import Any

IN_PROCESS_REPEAT_PENALTY = 1.0  # llama_cpp.Llama's default; its server's requests default to 1.1


def forget_previous_requests() -> None:
    """Make every ``Llama.create_completion`` (which chat completions go through) start from
    an empty context."""
    import llama_cpp

    original = llama_cpp.Llama.create_completion
    if getattr(original, "dspy_coder_fresh", False):
        return

    @functools.wraps(original)
    def create_completion(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.reset()
        return original(self, *args, **kwargs)

    create_completion.dspy_coder_fresh = True  # type: ignore[attr-defined]
    llama_cpp.Llama.create_completion = create_completion


def use_in_process_defaults() -> None:
    """Requests that set no repeat penalty get 1.0 (``Llama``'s default), not the server's 1.1."""
    from llama_cpp.server import types

    for request in (types.CreateCompletionRequest, types.CreateChatCompletionRequest):
        request.model_fields["repeat_penalty"].default = IN_PROCESS_REPEAT_PENALTY
        request.model_rebuild(force=True)


def main() -> None:
    forget_previous_requests()
    use_in_process_defaults()
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
