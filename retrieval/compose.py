"""Extractive answers: pick the sentence(s) that answer the question, or decide the evidence is
too weak. Grounded by construction: the answer is made of quoted sentences, each cited.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ingest.chunk import sentence_spans
from retrieval.embeddings import Embedder
from retrieval.understand import GENERIC, Understanding

# Calibrated on the dev set (evals/datasets/dev.jsonl): below this, the best sentence rarely answers.
MIN_SCORE = 0.42
_NUMBER_Q = re.compile(r"\bhow (many|much)\b|\bwhat (percent|percentage|share|number|amount)\b|\bestimated?\b", re.I)
_WHEN_Q = re.compile(r"\bwhen\b|\bwhat (year|date|day)\b", re.I)
_WHO_Q = re.compile(r"\bwho\b", re.I)


def stem(w: str) -> str:
    w = w.lower().strip("’'")
    for suf in ("ing", "ies", "ied", "es", "ed", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            w = w[: -len(suf)]
            break
    return w[:6]  # a shared 6-letter prefix: "percent"/"percentage", "convict"/"convictions"


@dataclass
class Scored:
    score: float
    row: dict
    i: int
    j: int
    rank: int

    @property
    def text(self) -> str:
        return self.row["text"][self.i:self.j]


class SentenceCache:
    """Sentence embeddings by text: passages repeat across questions, so a warm agent embeds little."""

    def __init__(self, embedder: Embedder, size: int = 20000):
        self.embedder, self.size = embedder, size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed(missing)):
                self._cache[t] = v
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def score_sentences(u: Understanding, qvec: np.ndarray, rows: list[dict], cache: SentenceCache,
                    boost_passages: set[str] | None = None) -> list[Scored]:
    cands: list[tuple[dict, int, int, int]] = []
    for rank, row in enumerate(rows):
        for i, j in sentence_spans(row["text"]):
            if len(row["text"][i:j].split()) >= 4:
                cands.append((row, i, j, rank))
    if not cands:
        return []
    vecs = cache.get([r["text"][i:j] for r, i, j, _ in cands])
    dense = vecs @ qvec
    qterms = {stem(w) for w in u.keywords if w.lower() not in GENERIC}
    ent_forms = [e.surface.lower() for e in u.entities] + [e.name.lower() for e in u.entities]
    out = []
    for (row, i, j, rank), d in zip(cands, dense):
        sent = row["text"][i:j]
        sterms = {stem(w) for w in re.findall(r"[\w’'-]+", sent)}
        lex = len(qterms & sterms) / len(qterms) if qterms else 0.0
        s = 0.6 * float(d) + 0.4 * lex
        low = sent.lower()
        if ent_forms and any(f in low for f in ent_forms):
            s += 0.08
        if _NUMBER_Q.search(u.question):
            s += 0.06 if re.search(r"\d", sent) else -0.08
        if _WHEN_Q.search(u.question):
            s += 0.06 if re.search(r"\b(19|20)\d\d\b|January|February|March|April|May|June|July|August|"
                                   r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday",
                                   sent) else -0.06
        if _WHO_Q.search(u.question) and re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", sent):
            s += 0.03
        if boost_passages and row["passage_id"] in boost_passages:
            s += 0.1
        s += 0.03 / (1 + rank)
        out.append(Scored(s, row, i, j, rank))
    return sorted(out, key=lambda x: x.score, reverse=True)


def pick(scored: list[Scored]) -> list[Scored]:
    """The best sentence, plus a second one that adds to it (close in score, not a near-copy)."""
    if not scored:
        return []
    best = [scored[0]]
    for s in scored[1:4]:
        if s.score < scored[0].score - 0.05:
            break
        if _overlap(s.text, best[0].text) < 0.5:
            best.append(s)
            break
    return best


def _overlap(a: str, b: str) -> float:
    wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def sentence_with(row: dict, needles: list[str]) -> tuple[int, int]:
    """The first sentence of a passage that contains one of `needles` (else the first sentence)."""
    spans = sentence_spans(row["text"])
    for n in needles:
        for i, j in spans:
            if n and n.lower() in row["text"][i:j].lower():
                return i, j
    return spans[0] if spans else (0, len(row["text"]))
