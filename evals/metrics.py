"""Metric functions: pure, small, unit-tested."""

from __future__ import annotations

import re
import statistics

from evals.dataset import QAItem

MAX_ANSWER_CHARS = 350  # a single-fact answer longer than this is not "short"
MAX_LIST_CHARS = 700


def facts_correct(item: QAItem, answer: str, abstained: bool) -> bool:
    """Every `must` group has one of its strings in the answer; for unanswerable ones, an abstention."""
    if item.expects_abstention:
        return abstained
    if abstained or not answer:
        return False
    low = answer.lower()
    return all(any(s.lower() in low for s in group) for group in item.must)


def answer_correct(item: QAItem, answer: str, abstained: bool, n_citations: int) -> bool:
    """As a reader judges it: every key fact, concise, cited, not an abstention (or an abstention
    when the question is unanswerable). A list may be longer than a single fact."""
    if item.expects_abstention:
        return abstained
    is_list = item.kind == "aggregate" or len(re.findall(r"\[\d+\]", answer)) >= 3 or answer.count("\n") >= 2
    limit = MAX_LIST_CHARS if is_list else MAX_ANSWER_CHARS
    return facts_correct(item, answer, abstained) and n_citations > 0 and len(answer) <= limit


def _doc_key(document: str) -> str:
    """The name a question set uses for a document: the tier table, a numbered file's prefix
    ('000_…txt' -> '000'), or else the file's stem ('tip2024_laos.txt' -> 'tip2024_laos')."""
    if document.endswith(".csv"):
        return "tiers"
    stem = document.rsplit(".", 1)[0]
    head = stem.split("_", 1)[0]
    return head if head.isdigit() else stem


def citation_precision(item: QAItem, citations: list[dict], passage_texts: dict[str, str]) -> float | None:
    """Share of citations whose quote lies inside its passage and whose document is a gold source."""
    if not citations:
        return None
    good = 0
    for c in citations:
        inside = c.get("passage_id") is None or (c.get("quote") or "") in passage_texts.get(c["passage_id"], "")
        docs = {_doc_key(c["document"])} | {_doc_key(d) for d in c.get("also_in", [])}
        if inside and c.get("quote") and (not item.sources or docs & set(item.sources)):
            good += 1
    return good / len(citations)


def citation_recall(item: QAItem, citations: list[dict]) -> float | None:
    if not item.sources or item.expects_abstention:
        return None
    cited = {_doc_key(c["document"]) for c in citations} | {_doc_key(d) for c in citations for d in c.get("also_in", [])}
    return len(cited & set(item.sources)) / len(set(item.sources))


def retrieval_ranks(item: QAItem, retrieved: list[dict]) -> int | None:
    """1-based rank of the first retrieved passage from a gold source (None if none; n/a if no text source)."""
    gold = set(item.gold_passages)
    text_sources = {s for s in item.sources if s != "tiers"}
    for rank, r in enumerate(retrieved, 1):
        if (gold and r["passage_id"] in gold) or (not gold and _doc_key(r["document"]) in text_sources):
            return rank
    return None


def recall_at(ranks: list[int | None], k: int) -> float | None:
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: list[int | None]) -> float | None:
    if not ranks:
        return None
    return sum(1 / r for r in ranks if r) / len(ranks)


def abstention_scores(expected: list[bool], abstained: list[bool]) -> dict[str, float | None]:
    tp = sum(1 for e, a in zip(expected, abstained) if e and a)
    fp = sum(1 for e, a in zip(expected, abstained) if a and not e)
    fn = sum(1 for e, a in zip(expected, abstained) if e and not a)
    return {
        "abstention_precision": tp / (tp + fp) if tp + fp else None,
        "abstention_recall": tp / (tp + fn) if tp + fn else None,
    }


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
