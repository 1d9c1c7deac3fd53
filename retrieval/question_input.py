"""A question as typed, made safe to answer: Unicode folded, control characters gone, limits checked.
Each refusal says what to change."""

from __future__ import annotations

import re
import unicodedata


class InputError(ValueError):
    pass


def clean_question(q: str, max_chars: int) -> str:
    if q is None:
        raise InputError("The question is empty.")
    q = unicodedata.normalize("NFKC", str(q))
    q = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in q)
    q = " ".join(q.split())
    if not q:
        raise InputError("The question is empty: type a question about the 2024 TIP Report.")
    if len(q) > max_chars:
        raise InputError(f"The question is {len(q)} characters long; the limit is {max_chars}. Shorten it.")
    if not re.search(r"[^\W\d_]", q):
        raise InputError("The question has no words in it.")
    if not re.search(r"[A-Za-z]", q):
        raise InputError("The sources are in English: ask the question in English.")
    return q
