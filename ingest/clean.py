"""Cleaning: web boilerplate out, broken words mended, paragraphs and headings found.

Every cleaned character keeps the offset of the original character it came from, so a passage
and any quote inside it map back to an exact span of the file.
Each rule is small and named; tests exercise each one on text the default corpus really contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    )
]
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
    return any(rx.fullmatch(s) for rx in BOILERPLATE_LINES)


def _looks_like_title(line: str) -> bool:
    s = line.strip()
    return 0 < len(s.split()) <= 14 and not s.endswith((".", "!", "?", ",", ";", ":"))


_LAST_WORD = re.compile(r"([A-Za-z]+)$")
_FIRST_WORD = re.compile(r"([a-z]+)")
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # a run of whitespace, or one that is not a plain space


def _lines(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((line, pos))
        pos += len(line) + 1
    return out


def _vocabulary(text: str) -> set[str]:
    """Words of the document, leaving out those touching a line break (they may be fragments)."""
    return {w.lower() for w in re.findall(r"(?<![A-Za-z\n])[A-Za-z]{3,}(?![A-Za-z\n])", text)}


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
            prev_word = _LAST_WORD.search(pieces[-1][-30:])
            next_word = _FIRST_WORD.match(body)
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
    vocab = _vocabulary(text)
    outlet = ""
    paragraphs: list[list[tuple[str, int]]] = [[]]
    after_nav = False
    prev_line = None
    for line, start in _lines(text):
        md = MARKDOWN_HEADING.match(line)
        if md:  # "## Heading": the marker is markup, the rest is a heading line
            line, start = line[md.end():], start + md.end()
        s = line.strip()
        if not s:
            paragraphs.append([])
            continue
        if NAV_LINE.fullmatch(s):
            after_nav = True  # what follows pagination links is teasers for other articles
            continue
        m = SOURCE_LINE.match(s)
        if m:
            outlet = outlet or m.group("outlet")
            continue
        if _is_boilerplate(s) or (after_nav and _looks_like_title(s)):
            continue
        if s == prev_line:  # a caption repeated on the next line
            continue
        prev_line = s
        paragraphs[-1].append((line, start))

    blocks: list[Block] = []
    for para in paragraphs:
        if not para:
            continue
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
