"""Near-duplicate passages across documents (the same quotes carried by several outlets).

Sentences of 8+ words are MinHashed (word 3-shingles) into an LSH index; two passages from
different documents that share a near-identical sentence (by shingle containment) are linked. The link points from the
later document's passage to the earliest one's, which is the copy retrieval shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from ingest.chunk import sentence_spans
from ingest.models import Passage

LSH_THRESHOLD = 0.4  # candidate pairs (Jaccard estimate)...
CONTAINMENT = 0.7  # ...confirmed when most of the shorter sentence is in the longer one
NUM_PERM = 128
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class DuplicateLink:
    source: str  # the later copy
    target: str  # the canonical copy
    shared_sentences: int
    similarity: float


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def _minhash(shingles: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=7)
    for s in shingles:
        m.update(s.encode("utf-8"))
    return m


def carries(quote: str, text: str) -> bool:
    """Does `text` hold a near-copy of the sentence(s) `quote` (same measure as the dedup links)?"""
    q = _shingles(quote)
    for a, b in sentence_spans(text):
        s = _shingles(text[a:b])
        if len(q & s) / max(1, min(len(q), len(s))) >= CONTAINMENT:
            return True
    return False


def find_duplicates(passages: list[Passage], doc_order: dict[str, int]) -> list[DuplicateLink]:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    sentences: dict[str, tuple[str, set[str]]] = {}
    hashes: dict[str, MinHash] = {}
    by_id = {p.passage_id: p for p in passages}
    for p in passages:
        for k, (a, b) in enumerate(sentence_spans(p.text)):
            sent = p.text[a:b]
            if len(sent.split()) < 8:
                continue
            sid = f"{p.passage_id}#{k}"
            sh = _shingles(sent)
            sentences[sid] = (p.passage_id, sh)
            hashes[sid] = _minhash(sh)
            lsh.insert(sid, hashes[sid])
    pair_counts: dict[tuple[str, str], list[float]] = {}
    for sid, (pid, sh) in sentences.items():
        for other in lsh.query(hashes[sid]):
            opid, osh = sentences[other]
            if by_id[opid].doc_id == by_id[pid].doc_id:
                continue
            # Containment, not Jaccard: the same quote with another attribution ("Blinken said" /
            # "stated Secretary Blinken") is still the same quote.
            jaccard = len(sh & osh) / max(1, min(len(sh), len(osh)))
            if jaccard < CONTAINMENT:
                continue
            a, b = sorted((pid, opid), key=lambda x: (doc_order[by_id[x].doc_id], x))
            pair_counts.setdefault((b, a), []).append(jaccard)
    links = []
    for (src, dst), sims in pair_counts.items():
        # each shared sentence is seen from both sides
        links.append(DuplicateLink(src, dst, max(1, len(sims) // 2), round(max(sims), 3)))
    return sorted(links, key=lambda l: (l.source, l.target))
