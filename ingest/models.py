"""Data passed between ingestion stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from text.offsets import span
from text.sentences import sentence_spans


@dataclass
class RawDocument:
    path: Path
    doc_id: str  # content hash: stable across runs, changes when the text changes
    text: str  # the original text, as the passages' offsets count it
    file: str
    title: str = ""
    outlet: str = ""
    kind: str = "news"  # chapter | news
    subject: str = ""  # a chapter's country (iso3, the Country node's key)
    subject_name: str = ""
    local_aliases: list[str] = field(default_factory=list)  # names the chapter gives its country ("ROK")
    # What the file says about itself (PDF metadata, HTML meta tags and JSON-LD): preferred to guesses.
    meta_title: str = ""
    meta_outlet: str = ""
    published: str = ""  # ISO date, or ""
    pages: int = 0  # a PDF's page count (its text has a form feed before each page after the first)

    @property
    def prefix(self) -> str:
        """The file-name prefix users and question sets name documents by (e.g. '000')."""
        return self.file.split("_", 1)[0].rsplit(".", 1)[0]


@dataclass
class Passage:
    passage_id: str
    doc_id: str
    ordinal: int
    text: str  # cleaned text
    start: int  # span in the original file's text
    end: int
    section: str = ""
    # "<document title> — <chapter country>" (or the title alone): embedded with the text, indexed, and
    # stored on the node, so a passage says whose chapter it is in (see ingest.vectortext).
    context: str = ""
    # Where each cleaned character sits in the original text, as compact runs (see text.offsets):
    # lets a quote map back exactly without holding one int per character.
    char_runs: list[int] = field(default_factory=list, repr=False)
    # A paged document's passage: the pages it spans, and the original offset where each page after the
    # first begins (so a quote inside it knows its own page: see retrieval.citations).
    pages: list[int] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)

    @property
    def words(self) -> int:
        return len(self.text.split())

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans of `text`, found once: dedup, fact derivation and hero profiles all read them."""

        return sentence_spans(self.text)

    def original_span(self, i: int, j: int) -> tuple[int, int]:
        """Map a span [i, j) of the cleaned passage text back to the original file."""
        return span(self.char_runs, i, j)


@dataclass
class HeroProfile:
    key: str
    name: str
    country_iso3: str | None
    organization_key: str | None
    organization: str | None
    role: str
    relation: str  # FOUNDED | LEADS | WORKS_AT
    figures: list[str]
    passage_ids: list[str]
    text: str
