"""Resource limits for one sandboxed run (or one long-lived isolated worker).

Example:
    >>> from dspy_coder.sandbox import Limits
    >>> Limits(timeout_s=2, memory_mb=256).cpu_seconds()
    3
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class Limits(BaseModel):
    """Limits applied to the process tree that runs untrusted code.

    ``memory_mb`` caps the address space the code may add on top of the pre-started
    interpreter it is forked from (RLIMIT_AS = baseline + memory_mb).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_s: float = Field(default=5.0, gt=0, le=24 * 3600, description="Wall-clock limit.")
    memory_mb: int = Field(default=512, ge=16, description="Extra address space allowed (MiB).")
    cpu_time_s: float | None = Field(
        default=None, gt=0, description="RLIMIT_CPU; default: timeout_s rounded up, plus 1."
    )
    max_output_bytes: int = Field(
        default=MIB, ge=1024, description="Captured bytes per stream (stdout, stderr)."
    )
    max_processes: int = Field(default=64, ge=1, description="RLIMIT_NPROC for the run's uid.")
    max_file_size_mb: int = Field(default=16, ge=1, description="RLIMIT_FSIZE (MiB).")
    max_open_files: int = Field(default=256, ge=16, description="RLIMIT_NOFILE.")
    network: bool = Field(default=False, description="Allow network access (no new netns).")
    drop_privileges: bool = Field(
        default=True, description="When running as root, run the code as an unused uid."
    )

    def cpu_seconds(self) -> int:
        """The RLIMIT_CPU value in whole seconds."""
        if self.cpu_time_s is not None:
            return max(1, math.ceil(self.cpu_time_s))
        return math.ceil(self.timeout_s) + 1
