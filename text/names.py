"""Name folding and surnames, shared by entity extraction and entity linking."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping length (so offsets still line up): 'Cendón' -> 'cendon'."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c)) or ch
        out.append(base[0] if len(base) >= 1 else ch)
    return "".join(out).lower()


def surname(name: str) -> str:
    """The family name a person is also called by: last word, suffixes skipped ('Samson Inocencio Jr.' -> 'Inocencio')."""
    parts = [p for p in name.split() if p.rstrip(".") not in ("Jr", "Sr")]
    return parts[-1] if parts else name


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
