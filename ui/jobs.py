"""Long jobs (an ingest, an eval run) in a thread, with the progress they draw for the CLI read live.

`run_ingest` and `run_eval` draw rich progress bars on the console they are given. `ProgressTap` is a
quiet console that keeps the `Live` each bar runs in, so the UI can show the very stages and counts the
CLI shows ("embed passages 12/51", "dev.jsonl: answers from tipkg and baseline 3/24") while the job runs, without either job
knowing about the UI.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

_BAR_LINE = re.compile(r"^(?P<desc>.+?)\s+[━╸╺╹╻─\s]*?(?P<done>\d+)/(?P<total>\d+)")


@dataclass
class Stage:
    name: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


class ProgressTap(Console):
    def __init__(self) -> None:
        super().__init__(file=io.StringIO(), quiet=True, width=160, color_system=None)
        self._lives: list = []

    def set_live(self, live) -> bool:  # called by every Live (a Progress) drawn on this console
        self._lives.append(live)
        return super().set_live(live)

    def stages(self) -> list[Stage]:
        out: list[Stage] = []
        for live in list(self._lives):
            buf = Console(file=io.StringIO(), width=160, color_system=None)
            try:
                buf.print(live.get_renderable())
            except Exception:  # noqa: BLE001 - a bar being redrawn mid-update: read it next time
                continue
            for line in buf.file.getvalue().splitlines():
                m = _BAR_LINE.match(line.strip())
                if m:
                    out.append(Stage(m["desc"].strip(), int(m["done"]), int(m["total"])))
        return out


@dataclass
class Job:
    """A function run in a thread on a ProgressTap; `watch()` yields while it runs."""

    fn: Callable[[ProgressTap], Any]
    tap: ProgressTap = field(default_factory=ProgressTap)
    result: Any = None
    error: BaseException | None = None
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self.fn(self.tap)
        except BaseException as exc:  # noqa: BLE001 - shown to the user by the caller
            self.error = exc

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def watch(self, every: float = 0.5) -> Iterator[list[Stage]]:
        while self._thread.is_alive():
            yield self.tap.stages()
            self._thread.join(every)
        yield self.tap.stages()
