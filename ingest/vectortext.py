"""What a passage's vector is made of, and what Chroma keeps beside it. One place, because ingest
writes vectors and `tipkg doctor --repair` recomputes them: both must embed the same text.

Contract with the answerer: a passage's `context` is "<document title> — <subject_name>" for a chapter
(the title alone for news); the embedded text is `context + "\\n" + passage text`; Chroma's metadata
carries `subject` (the chapter country's iso3, or '').
"""

from __future__ import annotations

import hashlib

from ingest.models import Passage

CONTEXT_SEPARATOR = " — "
# Metadata keys whose change means the stored vector no longer embeds what ingest would embed now.
STALE_KEYS = ("text_hash", "embed_hash", "subject")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def passage_context(title: str, subject_name: str | None) -> str:
    """A chapter's passages say whose chapter they are in: "the government" in a chapter about X is X's."""
    title = (title or "").strip()
    if not subject_name:
        return title
    return f"{title}{CONTEXT_SEPARATOR}{subject_name}" if title else subject_name


def embed_text(context: str, text: str) -> str:
    return f"{context}\n{text}" if context else text


def vector_metadata(p: Passage, title: str, file: str, subject: str = "") -> dict:
    """What Chroma keeps beside a vector: where the passage is, to cite it, its chapter's country, and
    hashes to spot stale text or context. Only what is read: each key is a row in Chroma's SQLite,
    written while the upsert holds the GIL."""
    return {"file": file, "title": title, "start": p.start, "end": p.end, "text_hash": text_hash(p.text),
            "embed_hash": text_hash(embed_text(p.context, p.text)), "subject": subject or ""}


def is_stale(stored: dict | None, p: Passage, subject: str = "") -> bool:
    """Does the stored vector (its metadata) differ from what ingest would write for `p` now?"""
    if not stored:
        return True
    want = {"text_hash": text_hash(p.text), "embed_hash": text_hash(embed_text(p.context, p.text)),
            "subject": subject or ""}
    return any(stored.get(k) != want[k] for k in STALE_KEYS)
