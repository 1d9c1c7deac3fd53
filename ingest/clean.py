"""Cleaning: web and page boilerplate out, broken words mended, paragraphs and headings found.

One rule set for every format: a web page's text, a PDF's (pages separated by a form feed, as
`ingest.pdf` and pdftotext write them) and plain text all go through it. Every cleaned character keeps
the offset of the original character it came from, so a passage and any quote inside it map back to an
exact span of the file.
Each rule is small and named; tests exercise each one on text the default corpus really contains, and on
generated web pages and their Chromium prints (tests/test_documents.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from text.normalize import reader_text

# Whole lines that are page furniture, not content.
BOILERPLATE_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"previous|next",  # pagination links
        r"leave a (comment|reply)",
        r"accessibility links",
        r"breaking news",
        r"skip to (main )?content",
        r"please wait",  # media player residue
        r"no media source currently available",
        r"(\d{1,2}:\d{2}(:\d{2})?\s*)+",  # player timestamps "0:00 0:03:47 0:00"
        r"(xs|sm|md|lg|xl)",  # responsive-size switcher
        r"share( this)?( article)?|print|email|tweet|facebook|twitter|linkedin",
        r"advertisement|subscribe( now)?|sign up for .*",
        r"access the .* report here\.?",
        r"read more\.?|related( articles| stories)?:?",
        # a document archive's header above a mirrored report page (ecoi.net):
        # "Dokument #2111816 / USDOS – US Department of State (Autor)"
        r"(dokument|document|documento)\s*#\s*\d+(\s*[/|–-].*)?",
        # a cookie banner and its buttons
        r"(?=.*\bcookies?\b)(?=.*\b(use|uses|using|accept|consent|settings|preferences|policy)\b).{0,300}",
        r"(accept|allow|reject|decline)( all)?( cookies)?|i agree|got it|cookie settings|manage (cookies|preferences)",
        # a site's footer
        r"(©|\(c\)|copyright\b).{0,150}|all rights reserved\.?",
        # a print's header and footer: "12/3/26, 1:12 PM <title>", "file:///…/page.html 1/3", page numbers
        r"\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(\s*[AP]M)?\b.*",
        r"(file|https?)://\S+(\s+\d+\s*/\s*\d+)?",
        r"(page\s+)?\d{1,4}(\s*(/|of)\s*\d{1,4})?",
    )
]
# A row of short links: "Home | Countries | Login | Deutsch", "Imprint | Privacy policy | Contact".
NAV_ROW = re.compile(r"[^|›»]{1,30}(\s[|›»]\s[^|›»]{1,30}){2,}")
# A box of links to other pages: it and the short lines after it are the page's end matter.
RELATED_HEADING = re.compile(r"(related (documents|content|links|articles|stories|reports)|see also|"
                             r"more on this( topic)?|you may also like|further reading)\s*:?", re.IGNORECASE)
# End matter ends where a paragraph of this many words begins.
RELATED_RESUME_WORDS = 40
# Lines at a page's top or bottom that repeat on most pages are running headers and footers.
EDGE_LINES = 3
_DIGITS = re.compile(r"\d+")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
NAV_LINE = re.compile(r"^(previous|next)$", re.IGNORECASE)
SOURCE_LINE = re.compile(r"^source:\s*(?P<outlet>.+?)\s*\.?$", re.IGNORECASE)
# A promo sentence inside a paragraph: "Visit Info Decon to stay up to date on ... in real time!"
PROMO_SENTENCE = re.compile(r"\s*Visit (?P<outlet>[A-Z][\w&.'’ ]{1,40}?) to sta(?:y|te) up to date[^.!?]*[.!?]")


@dataclass
class Block:
    text: str
    offsets: list[int] = field(repr=False)
    heading: bool = False


@dataclass
class CleanResult:
    title: str
    outlet: str
    blocks: list[Block]


def _is_boilerplate(line: str) -> bool:
    s = line.strip()
    if NAV_ROW.fullmatch(s) and all(len(item.split()) <= 4 for item in re.split(r"\s[|›»]\s", s)):
        return True
    return any(rx.fullmatch(s) for rx in BOILERPLATE_LINES)


def _furniture_key(line: str) -> str:
    return " ".join(_DIGITS.sub("#", line.lower()).split())


def _page_furniture(lines: list[tuple[str, int]]) -> set[str]:
    """Lines among the first or last few of a page that most pages share (digits aside): running headers,
    footers, page numbers and print stamps."""
    pages: list[list[str]] = [[]]
    for line, _ in lines:
        if line.startswith("\f"):
            pages.append([])
            line = line[1:]
        if line.strip():
            pages[-1].append(line.strip())
    pages = [p for p in pages if p]
    if len(pages) < 2:
        return set()
    seen: Counter = Counter()
    for p in pages:
        seen.update({_furniture_key(x) for x in p[:EDGE_LINES] + p[-EDGE_LINES:] if len(x.split()) <= 20})
    need = max(2, math.ceil(0.5 * len(pages)))
    return {k for k, n in seen.items() if n >= need}


def _looks_like_title(line: str) -> bool:
    s = line.strip()
    return 0 < len(s.split()) <= 14 and not s.endswith((".", "!", "?", ",", ";", ":"))


_LAST_WORD = re.compile(r"([A-Za-z]+)$")
_FIRST_WORD = re.compile(r"([a-z]+)")
# A word hyphenated at the end of a line: "traf-" (hyphen-minus, or U+2010 as Chromium prints it).
_HYPHENATED = re.compile(r"([A-Za-z]+)[-‐]$")
_NUMBER_DASH = re.compile(r"\d[-‐–]$")  # "2023-" + "2028": a range broken at its dash
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # a run of whitespace, or one that is not a plain space


def _lines(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((line, pos))
        pos += len(line) + 1
    return out


def _vocabulary(text: str) -> set[str]:
    """Words of the document, leaving out those touching a line break (they may be fragments); hyphenated
    compounds ("anti-trafficking") are in it whole as well."""
    return {w.lower() for w in re.findall(r"(?<![A-Za-z\n-])[A-Za-z]{3,}(?:-[A-Za-z]+)*(?![A-Za-z\n-])", text)}


def _keeps_hyphen(first: str, rest: str, vocab: set[str]) -> bool:
    """Is "first-" + "rest" at a line break a compound ("anti-" "trafficking") or one word hyphenated by the
    layout ("traf-" "ficking")? The document's own words decide; a fragment that is no word of it is a
    broken word."""
    compound, joined = f"{first}-{rest}".lower(), f"{first}{rest}".lower()
    if compound in vocab:
        return True
    if joined in vocab:
        return False
    return first.lower() in vocab and rest.lower() in vocab


def _join_lines(lines: list[tuple[str, int]], vocab: set[str]) -> tuple[str, list[int]]:
    """Join a paragraph's lines. A word broken by a line break ('traffi' + 'ckers') is mended when
    the joined word occurs elsewhere in the document; other breaks become one space."""
    pieces: list[str] = []
    offs: list[int] = []
    for line, start in lines:
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if not body:
            continue
        if pieces:
            hyphen = _HYPHENATED.search(pieces[-1][-30:])
            next_word = _FIRST_WORD.match(body)
            if _NUMBER_DASH.search(pieces[-1]) and body[:1].isdigit():
                pieces.append(body)
                offs.extend(range(start + lead, start + lead + len(body)))
                continue
            if hyphen and next_word:
                if not _keeps_hyphen(hyphen.group(1), next_word.group(1), vocab):
                    pieces[-1] = pieces[-1][:-1]  # the hyphen goes, and its offset with it
                    offs.pop()
                pieces.append(body)
                offs.extend(range(start + lead, start + lead + len(body)))
                continue
            prev_word = _LAST_WORD.search(pieces[-1][-30:])
            mend = (
                prev_word is not None
                and next_word is not None
                and (prev_word.group(1) + next_word.group(1)).lower() in vocab
                and prev_word.group(1).lower() not in vocab
            )
            if not mend:
                pieces.append(" ")
                offs.append(start - 1)  # the newline it replaces
        pieces.append(body)
        offs.extend(range(start + lead, start + lead + len(body)))
    return "".join(pieces), offs


def _remove(text: str, offs: list[int], rx: re.Pattern) -> tuple[str, list[int], list[re.Match]]:
    matches = list(rx.finditer(text))
    if not matches:
        return text, offs, []
    keep_t, keep_o, last = [], [], 0
    for m in matches:
        keep_t.append(text[last:m.start()])
        keep_o.extend(offs[last:m.start()])
        last = m.end()
    keep_t.append(text[last:])
    keep_o.extend(offs[last:])
    return "".join(keep_t), keep_o, matches


def _squeeze_spaces(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Each run of whitespace becomes one space (mapped to the run's first character), then a leading or
    trailing one goes. Only runs that are not already one plain space are visited: a loop per character
    (or per space) here cost more than the rest of cleaning together."""
    out_t, out_o, last = [], [], 0
    for m in _ODD_SPACE.finditer(text):
        out_t += (text[last:m.start()], " ")
        out_o += offs[last:m.start()]
        out_o.append(offs[m.start()])
        last = m.end()
    out_t.append(text[last:])
    out_o += offs[last:]
    text = "".join(out_t)
    lead = int(text.startswith(" "))
    end = len(text) - int(len(text) > lead and text.endswith(" "))
    return text[lead:end], out_o[lead:end]


def clean(text: str) -> CleanResult:
    """Clean `text` as a reader sees it (text.normalize: ligatures folded, invisible characters out),
    with every block's offsets pointing into `text` itself."""
    folded, origin = reader_text(text)
    result = _clean(folded)
    if origin is not None:
        for b in result.blocks:
            b.offsets = [origin[o] for o in b.offsets]
    return result


def _ends_paragraph(line: str) -> bool:
    return bool(re.search(r"[.!?:\"”’)]\s*$", line))


def _clean(text: str) -> CleanResult:
    vocab = _vocabulary(text)
    outlet = ""
    lines = _lines(text)
    furniture = _page_furniture(lines)
    paragraphs: list[list[tuple[str, int]]] = [[]]
    after_nav = False
    prev_line = None
    # At a page break a paragraph that has not ended goes on on the next page, past the footer and
    # header between (the form feed starts the next page's first line).
    continuing = False
    for line, start in lines:
        if line.startswith("\f"):
            line, start = line[1:], start + 1
            last = next((p for p in reversed(paragraphs) if p), None)
            continuing = (last is not None and not _ends_paragraph(last[-1][0])
                          and not (len(last) == 1 and _looks_like_title(last[0][0])))  # a heading ends
        md = MARKDOWN_HEADING.match(line)
        if md:  # "## Heading": the marker is markup, the rest is a heading line
            line, start = line[md.end():], start + md.end()
        s = line.strip()
        if not s:
            if not continuing:
                paragraphs.append([])
            continue
        if NAV_LINE.fullmatch(s):
            after_nav = True  # what follows pagination links is teasers for other articles
            continue
        m = SOURCE_LINE.match(s)
        if m:
            outlet = outlet or m.group("outlet")
            continue
        if (_is_boilerplate(s) or (after_nav and _looks_like_title(s))
                or (furniture and _furniture_key(s) in furniture)):
            continue
        if s == prev_line:  # a caption repeated on the next line
            continue
        prev_line = s
        if continuing:
            while len(paragraphs) > 1 and not paragraphs[-1]:
                paragraphs.pop()
            continuing = False
        paragraphs[-1].append((line, start))

    blocks: list[Block] = []
    end_matter = False
    for para in paragraphs:
        if not para:
            continue
        if RELATED_HEADING.fullmatch(para[0][0].strip()):
            end_matter = True
            continue
        if end_matter:
            if sum(len(x.split()) for x, _ in para) < RELATED_RESUME_WORDS:
                continue
            end_matter = False
        joined, offs = _join_lines(para, vocab)
        joined, offs, promos = _remove(joined, offs, PROMO_SENTENCE)
        for m in promos:
            outlet = outlet or m.group("outlet").strip()
        joined = joined.replace("•", " ")
        joined, offs = _squeeze_spaces(joined, offs)
        if not joined:
            continue
        heading = len(para) == 1 and _looks_like_title(joined)
        blocks.append(Block(joined, offs, heading))

    # A trailing run of headings with no body (reference lists, teasers) is not content.
    while blocks and blocks[-1].heading:
        blocks.pop()
    title = ""
    if blocks and (blocks[0].heading or len(blocks[0].text.split()) <= 14):
        title = blocks[0].text.rstrip(".")
        blocks[0].heading = True
    return CleanResult(title=title, outlet=outlet, blocks=blocks)
