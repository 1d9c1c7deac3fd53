"""Text the way a reader sees it: compatibility characters folded (NFKC: the "ﬃ" ligature a PDF's font
left in becomes "ffi", a no-break space a space) and invisible characters gone (a zero-width space inside
"My\u200banmar", a soft hyphen in "traf\u00adficking"), which would otherwise split a word for keyword
search, the gazetteer and the sentence splitter.

Ingest cleans with `reader_text`, which also says where each character came from; citation checks compare
with `reader_form`, so a quote of cleaned text still equals its span of the original.
"""

from __future__ import annotations

import re
import unicodedata

# Format characters that render as nothing inside a word. U+200D (zero-width joiner) is kept out of this
# list: it is part of emoji and of Indic scripts, where it changes what is shown.
INVISIBLE = "\u00ad\u200b\u200c\u2060\ufeff\u180e"
# A base character with its combining marks, or any other non-ASCII character: NFKC works per cluster.
_CLUSTER = re.compile(r"[\x00-\x7f][\u0300-\u036f]+|[^\x00-\x7f][\u0300-\u036f]*")


def _fold(cluster: str) -> str:
    if cluster in INVISIBLE:
        return ""
    return unicodedata.normalize("NFKC", cluster).translate(_DROP)


_DROP = {ord(c): None for c in INVISIBLE}


def reader_form(s: str) -> str:
    """`s` as cleaning leaves it (character for character, before whitespace is squeezed)."""
    return s if s.isascii() else _CLUSTER.sub(lambda m: _fold(m.group(0)), s)


def reader_text(text: str) -> tuple[str, list[int] | None]:
    """`reader_form(text)` and, when it differs, the original index of each of its characters (every
    character of an expansion such as "ﬃ" -> "ffi" points at the one it came from); None means unchanged."""
    if text.isascii():
        return text, None
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    changed = False
    for m in _CLUSTER.finditer(text):
        folded = _fold(m.group(0))
        if folded == m.group(0):
            continue
        changed = True
        pieces.append(text[last:m.start()])
        origin.extend(range(last, m.start()))
        pieces.append(folded)
        origin.extend([m.start()] * len(folded))
        last = m.end()
    if not changed:
        return text, None
    pieces.append(text[last:])
    origin.extend(range(last, len(text)))
    return "".join(pieces), origin
