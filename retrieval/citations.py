"""Citations: built from exact spans and checked in code, never trusted.

A passage citation's quote must lie inside its passage, and the original file's span must hold
the same text (ignoring only the whitespace and line-break mends cleaning made). A table citation
quotes the CSV line it rests on. `finalize` renumbers, drops unverified ones, and makes sure
every [n] in the answer resolves.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from retrieval.models import Answer, Citation
from text.normalize import reader_form
from text.offsets import span
from text.shingles import carries

_WS = re.compile(r"\s+")
_LINE_END_HYPHEN = re.compile(r"[-‐](?=[ \t]*\n)")


def _squash(s: str) -> str:
    return _WS.sub("", s)


def quote_pages(row: dict, start: int, end: int) -> list[int]:
    """The pages an original span [start, end) of a paged passage lies on (its row's pages/page_starts)."""
    pages, starts = row.get("pages") or [], row.get("page_starts") or []
    if not pages:
        return []
    first = pages[0] + bisect_right(starts, start)
    return list(range(first, pages[0] + bisect_right(starts, max(start, end - 1)) + 1))


def page_label(pages: list[int]) -> str:
    """'p. 12' or 'pp. 12–13'; '' for a file without pages."""
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}–{pages[-1]}"


@lru_cache(maxsize=256)
def _file_text(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def read_original(path: str) -> str | None:
    try:
        p = Path(path)
        return _file_text(str(p), p.stat().st_mtime)
    except (OSError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=8)
def _lines(path: str, mtime: float) -> tuple[str, ...]:
    return tuple(Path(path).read_text(encoding="utf-8").splitlines())


def table_lines(tiers_csv: Path) -> tuple[str, ...]:
    """The tier table's lines, read once per version of the file (a list answer cites dozens of rows)."""
    return _lines(str(tiers_csv), tiers_csv.stat().st_mtime)


def passage_citation(n: int, row: dict, i: int, j: int) -> Citation:
    """Cite characters [i, j) of a passage row (from GraphTools.passages)."""
    quote = row["text"][i:j].strip()
    lead = len(row["text"][i:j]) - len(row["text"][i:j].lstrip())
    i += lead
    j = i + len(quote)
    start, end = span(row["char_runs"], i, j)
    also = sorted({d["file"] for d in row.get("dups") or [] if d.get("file") and d.get("text")
                   and d["file"] != row["file"] and carries(quote, d["text"])})
    return Citation(n=n, passage_id=row["passage_id"], document=row["file"], title=row["title"] or row["file"],
                    start=start, end=end, quote=quote, outlet=row.get("outlet") or "", also_in=also,
                    pages=quote_pages(row, start, end))


def table_citation(n: int, tiers_csv: Path, row_no: int, source: str) -> Citation:
    lines = table_lines(tiers_csv)
    line = lines[row_no - 1] if 0 < row_no <= len(lines) else ""
    return Citation(n=n, passage_id=None, document=tiers_csv.name, title="2024/2023 TIP tier placements (table)",
                    start=row_no, end=row_no, quote=line, source=source, verified=bool(line))


def verify(c: Citation, passage_text: str | None, original_path: str | None, tiers_csv: Path | None) -> bool:
    if c.passage_id is None:
        if tiers_csv is None:
            return False
        lines = table_lines(tiers_csv)
        return 0 < c.start <= len(lines) and lines[c.start - 1] == c.quote and bool(c.quote)
    if not c.quote or passage_text is None or c.quote not in passage_text:
        return False
    if original_path and Path(original_path).suffix.lower() in (".txt", ".md", ".markdown"):
        original = read_original(original_path)
        # cleaning folded ligatures, dropped invisible characters and joined words hyphenated at a line
        # break: compare as it reads
        if original is not None:
            seen = reader_form(original[c.start:c.end])
            if _squash(c.quote) not in (_squash(seen), _squash(_LINE_END_HYPHEN.sub("", seen))):
                return False
    return True


def finalize(answer: Answer) -> Answer:
    """Keep verified citations only, renumber them 1..n in order of use, and fix the [n] markers."""
    used = [int(x) for x in re.findall(r"\[(\d+)\]", answer.answer)]
    by_n = {c.n: c for c in answer.citations if c.verified}
    order: list[int] = []
    for n in used:
        if n in by_n and n not in order:
            order.append(n)
    for c in answer.citations:  # cited by graph facts only
        if c.verified and c.n not in order and any(f.citation == c.n for f in answer.graph_facts):
            order.append(c.n)
    new_n = {old: k + 1 for k, old in enumerate(order)}

    def renumber(m: re.Match) -> str:
        old = int(m.group(1))
        return f"[{new_n[old]}]" if old in new_n else ""

    text = re.sub(r"\[(\d+)\]", renumber, answer.answer)
    text = re.sub(r"\s+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    cites = []
    for old in order:
        c = by_n[old].model_copy(update={"n": new_n[old]})
        cites.append(c)
    facts = [f.model_copy(update={"citation": new_n.get(f.citation)}) if f.citation else f for f in answer.graph_facts]
    # "Reported in N sources": how many outlets carry the same cited text (near-duplicates).
    carried = max((1 + len(c.also_in) for c in cites if c.passage_id), default=0)
    return answer.model_copy(update={"answer": text, "citations": cites, "graph_facts": facts,
                                     "reported_in": carried or None})
