"""Near-duplicate links: the indexed join must find exactly the pairs an all-pairs comparison finds."""

from __future__ import annotations

import random

from ingest.dedup import CONTAINMENT, MIN_SENTENCE_WORDS, find_duplicates
from ingest.models import Passage
from text.shingles import shingles as _shingles


def _corpus(seed: int) -> list[Passage]:
    """Sentences edited from a few originals by 0-7 word changes, so pairs fall on both sides of the
    threshold; fewer than 100 sentences, so no shingle is common enough to count as boilerplate."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    bases = [[rng.choice(vocab) for _ in range(rng.randint(MIN_SENTENCE_WORDS, 24))] for _ in range(12)]
    passages = []
    for d in range(40):
        sentences = []
        for base in rng.sample(bases, 2):
            words = list(base)
            for _ in range(rng.randint(0, 7)):
                i = rng.randrange(len(words))
                if rng.random() < 0.5:
                    words[i] = rng.choice(vocab)
                else:
                    del words[i]
            sentences.append(" ".join(words).capitalize() + ".")
        text = " ".join(sentences)
        passages.append(Passage(f"d{d:02d}:0", f"d{d:02d}", 0, text, 0, len(text)))
    return passages


def _all_pairs(passages: list[Passage], order: dict[str, int]) -> dict[tuple[str, str], float]:
    sentences = [(p, _shingles(p.text[a:b])) for p in passages for a, b in p.sentences
                 if len(p.text[a:b].split()) >= MIN_SENTENCE_WORDS]
    best: dict[tuple[str, str], float] = {}
    for i, (p, a) in enumerate(sentences):
        for q, b in sentences[i + 1:]:
            if p.doc_id == q.doc_id:
                continue
            sim = len(a & b) / min(len(a), len(b))
            if sim >= CONTAINMENT:
                later, earlier = sorted([p, q], key=lambda x: order[x.doc_id], reverse=True)
                key = (later.passage_id, earlier.passage_id)
                best[key] = max(best.get(key, 0.0), round(sim, 3))
    return best


def test_links_match_an_all_pairs_comparison():
    for seed in range(5):
        passages = _corpus(seed)
        order = {p.doc_id: i for i, p in enumerate(passages)}
        expected = _all_pairs(passages, order)
        found = {(d.source, d.target): d.similarity for d in find_duplicates(passages, order)}
        assert found == expected, seed
        assert any(s < 1.0 for s in expected.values()), "the corpus should hold near (not only exact) copies"
