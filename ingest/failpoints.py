"""Crash-test hooks: `TIPKG_FAILPOINT=<name>` kills the process at that point of an ingest."""

from __future__ import annotations

import os
import signal


def failpoint(name: str) -> None:
    """Dies here as abruptly as a SIGKILL when asked to, so tests can prove a re-run converges from
    every interesting point."""
    if os.environ.get("TIPKG_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
