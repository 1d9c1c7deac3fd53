"""Extractive answers: pick the sentence(s) that answer the question, or decide the evidence is
too weak. Grounded by construction: the answer is made of quoted sentences, each cited.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ingest.chunk import sentence_spans
from ingest.entities import surname
from retrieval.embeddings import Embedder
from retrieval.understand import GENERIC, Understanding, fold

# Calibrated on the dev set (evals/datasets/dev.jsonl): below this, the best sentence rarely answers.
MIN_SCORE = 0.42
# When the sentence names the entity the question is about, weaker wording overlap is enough.
MIN_SCORE_ON_TOPIC = 0.32
MAX_EMBEDDED = 12  # sentences whose meaning is scored per question
_NUMBER_Q = re.compile(r"\bhow (many|much)\b|\bwhat (percent|percentage|share|number|amount)\b|\bestimated?\b", re.IGNORECASE)
_WHEN_Q = re.compile(r"\bwhen\b|\bwhat (year|date|day)\b", re.IGNORECASE)
_WHO_Q = re.compile(r"\bwho\b", re.IGNORECASE)


def stem(w: str) -> str:
    w = w.lower().strip("’'")
    for suf in ("ing", "ies", "ied", "es", "ed", "er", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            w = w[: -len(suf)]
            break
    if w.endswith("e") and len(w) > 4:  # "expose"/"exposed", "create"/"created"
        w = w[:-1]
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
        self._lock = threading.Lock()  # the UI answers several users from one process

    def get(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            vectors = self.embedder.embed(missing)
            with self._lock:
                for t, v in zip(missing, vectors):
                    self._cache[t] = v
                    known[t] = v
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


_PRONOUN = re.compile(r"\b(she|he|her|his|they|their|it|its)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
                   r"November|December)(?:\s+\d{1,2})?\b|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_NUM = re.compile(r"\$?\d[\d,.]*\s*(?:percent|%|million|billion)?")


def _novel(pattern: re.Pattern, sentence: str, question: str) -> bool:
    """Does the sentence carry a value of this type (a number, a date) that the question does not?"""
    asked = {m.group(0).strip().lower() for m in pattern.finditer(question)}
    return any(m.group(0).strip().lower() not in asked for m in pattern.finditer(sentence))


class TermWeights:
    """Inverse document frequency of word stems over all passages: 'take part' weighs less than 'exposed'."""

    def __init__(self, texts: list[str]):
        from collections import Counter

        df: Counter = Counter()
        for t in texts:
            df.update({stem(w) for w in re.findall(r"[\w’'-]+", t)})
        self.n = max(1, len(texts))
        self.df = df

    def idf(self, term: str) -> float:
        import math

        return math.log(1 + self.n / (1 + self.df.get(term, 0)))


def score_sentences(u: Understanding, qvec: np.ndarray, rows: list[dict], cache: SentenceCache,
                    boost_passages: set[str] | None = None, entity_df: dict[str, float] | None = None,
                    weights: TermWeights | None = None) -> list[Scored]:
    cands: list[tuple[dict, int, int, int, str]] = []
    for rank, row in enumerate(rows):
        prev = ""
        for i, j in sentence_spans(row["text"]):
            if len(row["text"][i:j].split()) >= 4:
                cands.append((row, i, j, rank, prev))
            prev = row["text"][i:j]
    if not cands:
        return []
    # Words that name a linked entity are scored by the entity bonus, not twice by overlap.
    entity_words = {w.lower() for e in u.entities for w in re.findall(r"\w+", e.surface + " " + e.name)}
    qterms = {stem(w) for w in u.keywords if w.lower() not in GENERIC and w.lower() not in entity_words}
    entity_df = entity_df or {}
    focus = [e for e in u.entities if entity_df.get(e.key, 0.0) < 0.25]
    ent_forms = [f for e in focus for f in {fold(e.surface), fold(e.name)}
                 | ({fold(surname(e.name))} if e.label == "Hero" else set())]
    idf = weights.idf if weights else (lambda _t: 1.0)
    cheap = []  # everything but the sentence's meaning: word overlap and cues
    for row, i, j, rank, prev in cands:
        sent = row["text"][i:j]
        rest = 0.0
        if qterms:
            sterms = {stem(w) for w in re.findall(r"[\w’'-]+", sent)}
            rest += 0.4 * sum(idf(t) for t in qterms & sterms) / sum(idf(t) for t in qterms)
        low = fold(sent)
        if ent_forms and any(f in low for f in ent_forms):
            rest += 0.08
        elif ent_forms and _PRONOUN.search(sent[:60]) and any(f in fold(prev) for f in ent_forms):
            rest += 0.08  # "She created ..." right after the sentence that names her
        if _NUMBER_Q.search(u.question):
            rest += 0.06 if _novel(_NUM, sent, u.question) else -0.08
        if _WHEN_Q.search(u.question):
            rest += 0.08 if _novel(_DATE, sent, u.question) else -0.08
        if _WHO_Q.search(u.question) and re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", sent):
            rest += 0.03
        if boost_passages and row["passage_id"] in boost_passages:
            rest += 0.1
        rest += 0.03 / (1 + rank)
        cheap.append(rest)
    # Embedding sentences is the expensive part of a question: only the most promising are embedded.
    order = sorted(range(len(cands)), key=lambda k: cheap[k] - 0.02 * cands[k][3], reverse=True)[:MAX_EMBEDDED]
    vecs = cache.get([cands[k][0]["text"][cands[k][1]:cands[k][2]] for k in order])
    dense = vecs @ qvec
    out = []
    for k, d in zip(order, dense):
        row, i, j, rank, _ = cands[k]
        s = (0.6 * float(d) if qterms else float(d)) + cheap[k]
        out.append(Scored(s, row, i, j, rank))
    return sorted(out, key=lambda x: x.score, reverse=True)


def _antecedent(s: Scored) -> Scored | None:
    """The sentence before `s` in its passage, when `s` leans on it through a pronoun ("She leads ...")."""
    leans = re.search(r"\b(she|he|her|his)\b", s.text[:70], re.IGNORECASE) or re.match(r"\W*(they|their|it|its)\b", s.text, re.IGNORECASE)
    if not leans or re.match(r"\W*[A-Z][a-z]+ [A-Z][a-z]+", s.text):
        return None
    spans = [(i, j) for i, j in sentence_spans(s.row["text"]) if j <= s.i]
    if not spans:
        return None
    i, j = spans[-1]
    return Scored(s.score, s.row, i, j, s.rank)


def pick(scored: list[Scored]) -> list[Scored]:
    """The best sentence, plus a second one that adds to it (close in score, not a near-copy).
    A sentence that ends on a colon introduces the next one, which then comes with it; one that
    starts on a pronoun brings the sentence naming who it is."""
    if not scored:
        return []
    best = [scored[0]]
    ante = _antecedent(best[0])
    if ante is not None:
        return [ante, best[0]]
    if best[0].text.rstrip().endswith(":"):
        spans = sentence_spans(best[0].row["text"])
        nxt = [(i, j) for i, j in spans if i >= best[0].j]
        if nxt:
            i, j = nxt[0]
            best.append(Scored(best[0].score, best[0].row, i, j, best[0].rank))
            return best
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
