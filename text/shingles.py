"""Word 3-shingles and containment: how dedup links near-copies and how a citation finds the other
documents that carry its quote (one measure for both)."""

from __future__ import annotations

import re

from text.sentences import sentence_spans

CONTAINMENT = 0.7  # share of the shorter sentence's shingles found in the other
_WORD = re.compile(r"[a-z0-9]+")


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def containment(a: set, b: set) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def carries(quote: str, text: str) -> bool:
    """Does `text` hold a near-copy of the sentence(s) `quote` (same measure as the dedup links)?"""
    q = shingles(quote)
    return any(containment(q, shingles(text[a:b])) >= CONTAINMENT for a, b in sentence_spans(text))
