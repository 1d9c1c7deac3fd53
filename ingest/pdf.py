"""A PDF's text in reading order, page by page, with paragraphs where the layout has them (PDFium).

PDFium rather than pypdf: on Chromium-printed pages pypdf splits words at every soft hyphen ("traﬀ icking",
"gov ernment") and leaves ligature characters in; PDFium keeps the words whole and is about ten times
faster (`python -m bench.pdf_quality`). Neither reads columns in order where a page's content stream is
out of order, so lines are placed by their boxes here.

The text is the document's "original": passages' offsets count in it. Pages are separated by "\\n\\f", so
the page of an offset is one more than the form feeds before it; a paragraph break is a blank line; a
heading's lines are joined into one.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

PAGE_BREAK = "\n\f"
_TERMINAL = re.compile(r"[.!?:;\"”’)]$")
_OPENS = re.compile(r"^[A-Z0-9\"“‘(•\-–]")


class PdfError(ValueError):
    pass


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    height: float


@dataclass
class PdfContent:
    text: str
    pages: int
    title: str
    author: str
    date: str  # ISO date from the PDF's creation date, or ""


def _lines(textpage) -> list[Line]:
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP shift indices: no boxes, one line per text line
        return [Line(t.strip(), 0, 0, 0, 0, 0) for t in re.split(r"\r\n|\n|\r", text) if t.strip()]
    out = []
    for m in re.finditer(r"[^\r\n]+", text):
        s = m.group(0)
        body = s.strip()
        if not body:
            continue
        a = m.start() + len(s) - len(s.lstrip())
        b = m.start() + len(s.rstrip()) - 1
        l0, b0, r0, t0 = textpage.get_charbox(a)
        l1, b1, r1, t1 = textpage.get_charbox(b)
        top, bottom = max(t0, t1), min(b0, b1)
        out.append(Line(body, l0, r1, top, bottom, max(t0 - b0, t1 - b1)))
    return out


def _gutter(lines: list[Line], width: float) -> float | None:
    """An x with at least three lines on either side of it, side by side, and no line crossing it between
    them (full-width lines above or below, such as a running header, may): two columns."""
    height = statistics.median(ln.height for ln in lines)
    for step in range(30, 71, 2):
        x = width * step / 100
        left = [ln for ln in lines if ln.x1 <= x]
        right = [ln for ln in lines if ln.x0 >= x]
        if len(left) < 3 or len(right) < 3:
            continue
        lo = max(min(ln.bottom for ln in left), min(ln.bottom for ln in right))
        hi = min(max(ln.top for ln in left), max(ln.top for ln in right))
        if hi - lo < 3 * height:
            continue
        if not any(ln.x0 < x < ln.x1 and ln.bottom < hi and ln.top > lo for ln in lines):
            return x
    return None


def _top_down(lines: list[Line]) -> list[Line]:
    # Chromium draws its print header and footer after the page's content: the boxes, not the content
    # stream, say what is on top. Lines within 2 pt keep their stream order (superscripts, run-ins).
    return sorted(lines, key=lambda ln: -round(ln.top / 2))


def reading_order(lines: list[Line], width: float) -> list[list[Line]]:
    """Runs of lines to read one after another: one run for a single-column page; on a two-column page,
    the lines above, the left column, the right column, the lines below (split at every full-width line)."""
    if not lines or all(ln.height == 0 for ln in lines):
        return [lines]
    x = _gutter(lines, width)
    if x is None:
        return [_top_down(lines)]
    runs: list[list[Line]] = []
    band: list[Line] = []

    def flush():
        if band:
            left = sorted((ln for ln in band if ln.x1 <= x), key=lambda ln: -ln.top)
            right = sorted((ln for ln in band if ln.x0 >= x), key=lambda ln: -ln.top)
            runs.extend(r for r in (left, right) if r)
            band.clear()

    for ln in _top_down(lines):
        if ln.x0 < x < ln.x1:
            flush()
            runs.append([ln])
        else:
            band.append(ln)
    flush()
    return runs


def _continues(prev: str, nxt: str) -> bool:
    """A line at the top of a column or page goes on with the paragraph above unless that one ended."""
    return not (_TERMINAL.search(prev) and _OPENS.match(nxt))


def page_text(lines: list[Line], width: float) -> str:
    runs = reading_order(lines, width)
    flat = [ln for run in runs for ln in run]
    if not flat:
        return ""
    body = statistics.median(ln.height for ln in flat) or 1.0
    out: list[str] = []
    prev: Line | None = None
    prev_run = -1
    for r, run in enumerate(runs):
        pitches = [a.bottom - b.bottom for a, b in zip(run, run[1:]) if abs(a.height - body) < 0.2 * body]
        pitch = statistics.median([p for p in pitches if p > 0] or [body * 1.4])
        right = max(ln.x1 for ln in run)
        for ln in run:
            heading = ln.height > 1.15 * body
            if prev is None:
                out.append(ln.text)
            elif r != prev_run and ln.top > prev.bottom - 0.8 * body:
                # the next column, starting higher up than the last line read
                out.append(("\n" if _continues(prev.text, ln.text) else "\n\n") + ln.text)
            else:
                prev_heading = prev.height > 1.15 * body
                if heading and prev_heading and abs(ln.height - prev.height) < 0.1 * body:
                    out.append(" " + ln.text)  # one heading set on two lines
                else:
                    gap = prev.bottom - ln.bottom
                    ended = _TERMINAL.search(prev.text) and prev.x1 < right - 0.15 * (right - run[0].x0)
                    brk = heading != prev_heading or gap > 1.3 * pitch or gap < 0 or (ended and _OPENS.match(ln.text))
                    out.append(("\n\n" if brk else "\n") + ln.text)
            prev, prev_run = ln, r
    return "".join(out)


def _iso_date(raw: str) -> str:
    m = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", raw or "")
    if not m:
        return ""
    return "-".join(g for g in m.groups() if g)


def read_pdf(path, on_page: Callable[[int, int], None] | None = None) -> PdfContent:
    """Page by page: only one page's objects are alive at a time, so memory stays flat in the page count."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = str(exc).removeprefix("Failed to load document ").strip("().")
        if "password" in reason.lower():
            raise PdfError("the PDF is encrypted (password required)") from exc
        raise PdfError(f"damaged or incomplete PDF ({reason})") from exc
    try:
        meta = pdf.get_metadata_dict(skip_empty=True)
        n = len(pdf)
        texts = []
        for i in range(n):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append(page_text(_lines(textpage), page.get_width()))
                finally:
                    textpage.close()
            finally:
                page.close()
            if on_page:
                on_page(i + 1, n)
    except pdfium.PdfiumError as exc:
        raise PdfError(f"unreadable PDF page ({exc})") from exc
    finally:
        pdf.close()
    return PdfContent(text=PAGE_BREAK.join(texts), pages=n, title=meta.get("Title", "").strip(),
                      author=meta.get("Author", "").strip(), date=_iso_date(meta.get("CreationDate", "")))
