"""Exceptions, split by who is at fault.

- ``UsageError``: the caller asked for something invalid (bad task, unknown model name,
  bad option). The message says what to pass instead.
- ``SetupError``: the machine is missing something (a part package, a corrupt model file,
  a build). The message names the command that fixes it.
- ``RunError``: something failed while a run was under way through no fault of the caller
  (an LM server down, an LM timing out after retries, the sandbox infrastructure failing).

Generated code that fails is *not* an exception: it is data (an ``ExecutionResult``).
"""


class DspyCoderError(Exception):
    """Base class of every error dspy-coder raises on purpose."""


class UsageError(DspyCoderError, ValueError):
    """The caller's input is invalid; the message says how to fix it."""


class SetupError(DspyCoderError, RuntimeError):
    """The local installation lacks something; the message names the fix."""


class RunError(DspyCoderError, RuntimeError):
    """A failure during a run that is not the caller's fault (LM down, sandbox broken)."""


class LMUnavailableError(RunError):
    """The language model could not be reached or kept failing after retries."""


class SandboxError(RunError):
    """The sandbox infrastructure itself failed (not the code under test)."""


class LMRejectedError(UsageError):
    """The LM refused a request for good (unknown model or provider, bad key, no credit)."""

