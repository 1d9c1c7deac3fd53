"""How an answer reads in the app and in an export: citation labels, clickable [n] markers, Markdown,
JSON and CSV. Pure functions of `retrieval.models.Answer` (or its JSON), so the exports equal what the
screen shows."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, datetime

from retrieval.abstain import SOURCES_DONT_SAY
from retrieval.citations import page_label
from retrieval.models import Answer, Citation

# Answers that are lists of items (one row per item in a CSV export).
LIST_SHAPES = {"tier_list", "tier_changes_all", "hero_list", "heroes_by_country", "heroes_in_tier"}
_MARKER = re.compile(r"\[(\d+)\]")


def snippet(text: str, words: int = 12) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def table_year(a: Answer, c: Citation) -> int | None:
    """The year a table citation stands for: the graph fact that cites it carries it."""
    return next((f.year for f in a.graph_facts if f.citation == c.n and f.year), None)


def table_row(quote: str, header: list[str] | None) -> str:
    """A tier-table line as 'Mali — 2024: Tier 2 Watch List · 2023: Tier 2' (sources left out)."""
    cells = next(csv.reader([quote]), [])
    if not header or len(header) != len(cells):
        return ", ".join(x for x in cells[:3] if x)
    parts = [f"{re.sub(r'^tier_', '', h)}: {v}" for h, v in zip(header[1:], cells[1:], strict=True)
             if v and not h.startswith("source")]
    return f"{cells[0]} — " + " · ".join(parts)


def citation_label(a: Answer, c: Citation, header: list[str] | None = None) -> str:
    """What tells ten citations apart: where it comes from (outlet, else title) and what it says."""
    if c.passage_id is None:
        year = table_year(a, c)
        return f"[{c.n}] Tier table, row {c.start}" + (f" ({year})" if year else "") + ": " + table_row(c.quote, header)
    source = c.outlet or c.title or c.document
    if c.outlet and c.title and c.title != c.outlet:
        source = f"{c.outlet} — {c.title[:50]}"
    also = f" (+{len(c.also_in)} more)" if c.also_in else ""
    page = f", {page_label(c.pages)}" if c.pages else ""
    return f"[{c.n}] {source}{page}{also}: “{snippet(c.quote)}”"


def answer_html(a: Answer) -> str:
    """The answer box; each [n] is a link the app's click handler turns into opening citation n."""
    # A failure is not an abstention: "the sources don't say" would tell the user the corpus was searched.
    if a.error:
        cls, badge = "answer-box failed", "Check the question" if a.shape == "invalid" else "Error: no answer"
    elif a.abstained:
        cls, badge = "answer-box abstained", SOURCES_DONT_SAY
    else:
        cls, badge = "answer-box", "Answer"
    if a.reported_in and a.reported_in > 1:
        badge += f" · reported in {a.reported_in} sources"
    known = {c.n for c in a.citations}

    def marker(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a href="#" class="cite-ref" data-n="{n}" title="Open citation {n}">[{n}]</a>'

    body = _MARKER.sub(marker, html.escape(a.answer))
    return f'<div class="{cls}" id="answer-box"><span class="badge">{html.escape(badge)}</span>{body}</div>'


def streaming_html(text: str) -> str:
    """The answer box while the model is still writing: its words so far, unchecked (the checked answer,
    with its citations, replaces them when it is done)."""
    return ('<div class="answer-box streaming" id="answer-box"><span class="badge">Writing… (not yet checked)</span>'
            f'{html.escape(text)}</div>')


def is_list(a: Answer) -> bool:
    return a.shape in LIST_SHAPES or len(a.graph_facts) > 2


def to_markdown(answers: list[Answer], title: str = "tipkg answers") -> str:
    lines = [f"# {title}", "", f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from tipkg (2024 TIP Report).", ""]
    for a in answers:
        lines += [f"## {a.question}", "", (f"*{SOURCES_DONT_SAY}.* " if a.abstained else "") + a.answer, ""]
        if a.citations:
            lines += ["### Sources", ""]
        for c in a.citations:
            if c.passage_id is None:
                year = table_year(a, c)
                lines.append(f"{c.n}. Tier table `{c.document}`, row {c.start}" + (f" ({year})" if year else "")
                             + (f"; the table's source: {c.source}" if c.source else ""))
                lines.append(f"   > `{c.quote}`")
            else:
                where = ", ".join(x for x in (c.outlet, f"“{c.title}”" if c.title else "", c.document) if x)
                lines.append(f"{c.n}. {where}" + (f", {page_label(c.pages)}" if c.pages else "")
                             + f", characters {c.start}–{c.end}"
                             + (f"; also carried by {', '.join(c.also_in)}" if c.also_in else ""))
                lines.append(f"   > {' '.join(c.quote.split())}")
        lines.append("")
    return "\n".join(lines)


def to_json(answers: list[Answer]) -> str:
    return json.dumps([a.model_dump(mode="json") for a in answers], ensure_ascii=False, indent=2)


def to_csv(a: Answer) -> str:
    """A list answer as rows: one per graph fact (item, relation, value, year) with its citation."""
    out = io.StringIO()
    w = csv.writer(out)
    by_n = {c.n: c for c in a.citations}
    if a.graph_facts:
        w.writerow(["subject", "predicate", "object", "year", "source", "citation", "quote", "document", "page"])
        for f in a.graph_facts:
            c = by_n.get(f.citation) if f.citation else None
            w.writerow([f.subject, f.predicate, f.object, f.year or "", f.source or "", f.citation or "",
                        " ".join(c.quote.split()) if c else "", c.document if c else "", _page(c)])
    elif ":" in a.answer:
        # A list written as text ("Heroes in ...: A (Mali) [1] [2]; B (Serbia) [3]"): one row per item,
        # with the citations its markers name.
        w.writerow(["item", "citations", "documents", "quotes"])
        for item in a.answer.split(":", 1)[1].rstrip(". ").split(";"):
            ns = [int(x) for x in _MARKER.findall(item)]
            cites = [by_n[n] for n in ns if n in by_n]
            w.writerow([_MARKER.sub("", item).strip(" ."), " ".join(map(str, ns)),
                        " | ".join(dict.fromkeys(c.document + (f", {_page(c)}" if c.pages else "") for c in cites)),
                        " | ".join(" ".join(c.quote.split()) for c in cites)])
    else:
        w.writerow(["citation", "outlet", "title", "document", "page", "quote"])
        for c in a.citations:
            w.writerow([c.n, c.outlet, c.title, c.document, _page(c), " ".join(c.quote.split())])
    return out.getvalue()


def _page(c: Citation | None) -> str:
    return page_label(c.pages) if c is not None and c.pages else ""


def passage_head(c: Citation, outlet: str = "") -> str:
    """The citation view's heading for a passage: outlet, title, file, page, and the other outlets that
    carry the same text."""
    return (f"<b>[{c.n}] {html.escape(c.outlet or outlet)}</b> "
            f"“{html.escape(c.title)}” — <code>{html.escape(c.document)}</code>"
            + (f", <span class='cite-page'>{html.escape(page_label(c.pages))}</span>" if c.pages else "")
            + (f"<br><small>Also carried by: {html.escape(', '.join(c.also_in))}</small>" if c.also_in else ""))
