"""Terminal rendering of an answer (the CLI's human output)."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from retrieval.abstain import SOURCES_DONT_SAY
from retrieval.citations import page_label
from retrieval.models import Answer


def print_answer(console: Console, a: Answer) -> None:
    style = "yellow" if a.abstained else "green"
    title = SOURCES_DONT_SAY if a.abstained else "Answer"
    if a.reported_in and a.reported_in > 1:
        title += f" · reported in {a.reported_in} sources"
    console.print(Panel(a.answer, title=title, border_style=style))
    for c in a.citations:
        where = f"{c.document} [{c.start}:{c.end}]" if c.passage_id else f"{c.document} line {c.start}"
        if c.pages:
            where = f"{c.document}, {page_label(c.pages)} [{c.start}:{c.end}]"
        also = f" (also in {', '.join(c.also_in)})" if c.also_in else ""
        console.print(f"[bold][{c.n}][/] {c.title} — {where}{also}")
        console.print(f"    “{c.quote}”" + (f"  source: {c.source}" if c.source else ""), highlight=False)
