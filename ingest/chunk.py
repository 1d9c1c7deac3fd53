"""Passages: paragraph-aware chunks of roughly 40-200 words with exact offsets.

Headings become the `section` of the passages under them. Short paragraphs are merged forward;
a paragraph that continues the previous one's subject by pronoun ("..., she leads ...") stays with
it, so a profile split over two paragraphs is one passage; paragraphs over the limit are split at
sentence ends.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ingest.clean import Block
from ingest.models import Passage, RawDocument
from text.offsets import to_runs
from text.sentences import PERSON_PRONOUN_EARLY, sentence_spans

MIN_WORDS = 40
MAX_WORDS = 200
_NAME_START = re.compile(r"^[\"“]?[A-Z][a-z]+(?:\s[A-Z][\w.’'-]+)+")


def _continues_subject(block: Block) -> bool:
    return bool(PERSON_PRONOUN_EARLY.match(block.text)) and not _NAME_START.match(block.text)


def _split_long(block: Block) -> list[Block]:
    if len(block.text.split()) <= MAX_WORDS:
        return [block]
    parts, cur_start, cur_words = [], None, 0
    spans = sentence_spans(block.text)
    for a, b in spans:
        if cur_start is None:
            cur_start = a
        cur_words += len(block.text[a:b].split())
        if cur_words >= MAX_WORDS * 0.6:
            parts.append(Block(block.text[cur_start:b], block.offsets[cur_start:b]))
            cur_start, cur_words = None, 0
    if cur_start is not None:
        parts.append(Block(block.text[cur_start:], block.offsets[cur_start:]))
    return parts


def page_starts(text: str) -> list[int]:
    """Offsets where pages 2, 3, ... begin: after each form feed (ingest.pdf, pdftotext)."""
    return [m.end() for m in re.finditer("\f", text)] if "\f" in text else []


def _pages(starts: list[int], a: int, b: int) -> tuple[list[int], list[int]]:
    first, last = bisect_right(starts, a) + 1, bisect_right(starts, b - 1) + 1
    return list(range(first, last + 1)), starts[first - 1:last - 1]


def chunk(doc: RawDocument, blocks: list[Block]) -> list[Passage]:
    groups: list[tuple[str, list[Block]]] = []
    section = ""
    for block in blocks:
        if block.heading:
            section = block.text
            continue
        for piece in _split_long(block):
            words = len(piece.text.split())
            if groups and groups[-1][0] == section:
                prev_words = sum(len(b.text.split()) for b in groups[-1][1])
                fits = prev_words + words <= MAX_WORDS
                # A paragraph opening on a full name starts a new subject (e.g. the next profile).
                new_subject = bool(_NAME_START.match(piece.text)) and prev_words >= MIN_WORDS // 2
                if fits and ((prev_words < MIN_WORDS and not new_subject) or _continues_subject(piece)):
                    groups[-1][1].append(piece)
                    continue
            groups.append((section, [piece]))
    # A short tail is better merged back than left alone.
    merged: list[tuple[str, list[Block]]] = []
    for sec, blks in groups:
        words = sum(len(b.text.split()) for b in blks)
        if merged and words < MIN_WORDS // 2 and merged[-1][0] == sec and not _NAME_START.match(blks[0].text):
            prev_words = sum(len(b.text.split()) for b in merged[-1][1])
            if prev_words + words <= MAX_WORDS:
                merged[-1][1].extend(blks)
                continue
        merged.append((sec, blks))

    starts = page_starts(doc.text)
    passages = []
    for ordinal, (sec, blks) in enumerate(merged):
        text, offs = blks[0].text, list(blks[0].offsets)
        for b in blks[1:]:
            text += "\n" + b.text
            offs.append(offs[-1] + 1)
            offs.extend(b.offsets)
        passages.append(
            Passage(
                passage_id=f"{doc.doc_id}:p{ordinal:03d}",
                doc_id=doc.doc_id,
                ordinal=ordinal,
                text=text,
                start=offs[0],
                end=offs[-1] + 1,
                section=sec,
                char_runs=to_runs(offs),
            )
        )
        if starts or doc.pages:
            passages[-1].pages, passages[-1].page_starts = _pages(starts, offs[0], offs[-1] + 1)
    return passages
