"""What an ingest did: counts, errors and warnings, and where its time went."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table


class IngestError(RuntimeError):
    pass


@dataclass
class IngestSummary:
    documents: int = 0
    skipped_unchanged: int = 0
    passages: int = 0
    duplicates: int = 0
    embedded: int = 0
    entities: Counter = field(default_factory=Counter)
    relationships: Counter = field(default_factory=Counter)
    tier_rows: int = 0
    pruned: int = 0
    ner_passages: int = 0  # passages spaCy NER ran on (the rest could not name an unknown organisation)
    replaced: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # CPU of the thread that ran each stage (for vectors, that thread and the model's workers): what a
    # stage takes from the cores the model would otherwise have.
    thread_cpu_seconds: dict[str, float] = field(default_factory=dict)

    def print(self, console: Console) -> None:
        t = Table(title="tipkg ingest", show_header=False)
        t.add_row("documents", str(self.documents))
        t.add_row("passages", str(self.passages))
        t.add_row("near-duplicate links", str(self.duplicates))
        t.add_row("passages embedded this run", str(self.embedded))
        t.add_row("passages read by NER", str(self.ner_passages))
        t.add_row("tier table rows", str(self.tier_rows))
        for label, n in sorted(self.entities.items()):
            t.add_row(f"entities: {label}", str(n))
        for rel, n in sorted(self.relationships.items()):
            t.add_row(f"relationships: {rel}", str(n))
        if self.replaced or self.pruned:
            t.add_row("documents replaced / pruned", f"{self.replaced} / {self.pruned}")
        for stage, s in self.seconds.items():
            t.add_row(f"seconds: {stage}", f"{s:.2f}")
        console.print(t)
        for w in self.warnings:
            console.print(f"[yellow]warning:[/] {w}")
        for e in self.errors:
            console.print(f"[red]skipped:[/] {e}")


class StageTimer:
    """Adds each stage's wall and thread CPU time to the summary: `with timer("graph"): ...`."""

    def __init__(self, summary: IngestSummary):
        self.summary = summary

    @contextmanager
    def __call__(self, stage: str):
        t, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            seconds, thread_cpu = self.summary.seconds, self.summary.thread_cpu_seconds
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - t
            thread_cpu[stage] = thread_cpu.get(stage, 0.0) + time.thread_time() - cpu
