"""The background servers the project runs itself (Neo4j, the local model): their pid files and how they
are stopped. One copy, so both answer "is it running" and "stop it" the same way."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is only not ours to signal
    # A zombie child still answers kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def read_pid(pid_file: Path) -> int | None:
    """The pid in `pid_file` if that process still runs; a stale file is removed."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if pid_alive(pid):
        return pid
    pid_file.unlink(missing_ok=True)  # stale: the process is gone
    return None


def stop_group(pid: int, pid_file: Path, timeout: float, settle: float) -> None:
    """SIGTERM the server's process group, SIGKILL it after `timeout`, then drop its pid file. `settle` is
    how long a killed server takes to let go of its ports and files."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.2)
    if pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
        time.sleep(settle)
    pid_file.unlink(missing_ok=True)
