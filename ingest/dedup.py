"""Near-duplicate passages across documents (the same quotes carried by several outlets).

Two passages from different documents are linked when they share a near-identical sentence: most of
the shorter sentence's word 3-shingles appear in the other (containment, not Jaccard, so the same quote
with another attribution still counts). The link points from the later document's passage to the
earliest one's, which is the copy retrieval shows.

Finding the pairs is an exact set-similarity join with prefix filtering (AllPairs, Bayardo et al.
2007): shingles are ordered rarest first, and a sentence is indexed under only the first few of them,
two more than could be missing from a match. Any pair over the threshold must share two of those, so
no pair is missed, candidates that share only one need no check, and the shingles that templated
text repeats everywhere mostly stay out of the index. Identical sentences are grouped first, and
shingles in more than BOILERPLATE_SENTENCES distinct sentences are never indexed, which bounds the
candidate lists as the corpus grows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from ingest.models import Passage
from text.shingles import CONTAINMENT, shingles

MIN_SENTENCE_WORDS = 8  # shorter sentences ("He said.") are too common to mean a copy
# A shingle found in more distinct sentences than this is boilerplate or a template's fixed words, not
# a sign of copying: it is not indexed, which keeps the join near linear on large, repetitive corpora.
# Pairs whose only rare-end shared shingles are such boilerplate are not linked (verbatim copies
# always are, through the groups).
BOILERPLATE_SENTENCES = 100


@dataclass(frozen=True)
class DuplicateLink:
    source: str  # the later copy
    target: str  # the canonical copy
    shared_sentences: int
    similarity: float


def _needed(size: int) -> int:
    """Shared shingles a sentence of `size` shingles needs to be contained in another. (The epsilon
    keeps 0.7 * 10 at 7.)"""
    return math.ceil(CONTAINMENT * size - 1e-9)


def find_duplicates(passages: list[Passage], doc_order: dict[str, int]) -> list[DuplicateLink]:
    # Identical sentences (the same shingles) are one group: the join below runs on groups, so a
    # quote that a hundred outlets carry verbatim costs one entry, not a hundred.
    groups: dict[frozenset[int], list[tuple[str, str]]] = defaultdict(list)  # shingles -> [(passage, doc)]
    for p in passages:
        for a, b in p.sentences:
            if len(p.text[a:b].split()) >= MIN_SENTENCE_WORDS:
                groups[frozenset(map(hash, shingles(p.text[a:b])))].append((p.passage_id, p.doc_id))
    shingle_sets = list(groups)
    freq = Counter(h for sh in shingle_sets for h in sh)

    pair_sims: dict[tuple[str, str], list[float]] = defaultdict(list)

    def link(members_a, members_b, sim):
        for pid, doc in members_a:
            for opid, odoc in members_b:
                if odoc != doc:
                    (_, src), (_, dst) = sorted([(doc_order[doc], pid), (doc_order[odoc], opid)], reverse=True)
                    pair_sims[(src, dst)].append(sim)

    for members in groups.values():
        for i, a in enumerate(members):
            link([a], members[i + 1:], 1.0)

    # Smaller sentences are indexed first, so when a sentence probes the index every possible partner
    # of its size or smaller is already there, and each pair is met once. A partner j may miss at most
    # size - needed of its shingles, so any match shares at least two of j's first size - needed + 2
    # (rarest first): j is indexed under those, and a candidate met only once is dropped unchecked
    # unless boilerplate kept some of them out of the index. Most candidates in templated text share
    # one rare shingle by chance; this spares verifying them.
    index: dict[int, list[int]] = defaultdict(list)
    needed = [_needed(len(sh)) for sh in shingle_sets]
    min_hits = [1] * len(shingle_sets)
    for i in sorted(range(len(shingle_sets)), key=lambda i: len(shingle_sets[i])):
        sh = shingle_sets[i]
        hits = Counter(j for h in sh for j in index.get(h, ()))
        for j, n in hits.items():
            if n >= min_hits[j]:
                shared = len(sh & shingle_sets[j])  # j is never larger than sh
                if shared >= needed[j]:
                    link(groups[sh], groups[shingle_sets[j]], shared / len(shingle_sets[j]))
        prefix = sorted(sh, key=lambda h: (freq[h], h))[:len(sh) - needed[i] + 2]
        indexed = [h for h in prefix if freq[h] <= BOILERPLATE_SENTENCES]
        sure = len(prefix) - (len(sh) - needed[i])  # shared by any match (2, or fewer in a tiny set)
        min_hits[i] = max(1, sure - (len(prefix) - len(indexed)))
        for h in indexed:
            index[h].append(i)
    links = [DuplicateLink(src, dst, len(sims), round(max(sims), 3)) for (src, dst), sims in pair_sims.items()]
    return sorted(links, key=lambda link: (link.source, link.target))
