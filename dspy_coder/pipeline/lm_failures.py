"""What an exception from an LM step means for the run, decided by its type.

Transient: the LM is unreachable for now, so the step is retried with backoff and then the
run stops. Unusable answer: the LM answered but nothing usable came out, so the step gives
no answer and the run goes on. Any other LM error: the LM refuses the request for good, so
the run stops. Every other exception is a bug and propagates.
"""

from __future__ import annotations

from dspy import lm15
from dspy.utils.exceptions import (
    AdapterParseError,
    ContextWindowExceededError,
    LMError,
    LMRateLimitError,
    LMServerError,
    LMTimeoutError,
    LMTransportError,
)

from dspy_coder.errors import LMUnavailableError

TRANSIENT_LM_ERRORS: tuple[type[Exception], ...] = (
    LMUnavailableError, LMTransportError, LMTimeoutError, LMServerError, LMRateLimitError,
    lm15.TransportError, lm15.TimeoutError, lm15.ServerError, lm15.RateLimitError,
)
UNUSABLE_ANSWER_ERRORS: tuple[type[Exception], ...] = (
    AdapterParseError, ContextWindowExceededError, lm15.ContextLengthError,
)
LM_ERRORS: tuple[type[Exception], ...] = (LMError, lm15.LM15Error)
