"""Metric functions and the citation bookkeeping, on hand-made cases (no stores)."""

from __future__ import annotations

from evals import metrics as M
from evals.dataset import QAItem
from retrieval.citations import finalize
from retrieval.models import Answer, Citation, GraphFact

ITEM = QAItem(id="t1", kind="fact", question="q", must=[["27 million"], ["labor", "labour"]], sources=["000", "003"])
UNANSWERABLE = QAItem(id="t2", kind="unanswerable", question="q", must=[], sources=[])


def test_answer_correct_needs_every_group():
    assert M.answer_correct(ITEM, "About 27 million people, for labour and sex. [1]", False, 1)
    assert not M.answer_correct(ITEM, "About 27 million people. [1]", False, 1)
    assert M.answer_correct(ITEM, "27 MILLION ... LABOR [1]", False, 1)  # case-insensitive


def test_correct_means_cited_and_concise():
    assert not M.answer_correct(ITEM, "About 27 million people, for labour.", False, 0)  # no citation
    long = "About 27 million people, for labour. " + "More words that pad the answer out. " * 10
    assert M.facts_correct(ITEM, long, False)
    assert not M.answer_correct(ITEM, long, False, 1)  # over 350 characters for a single fact
    listing = QAItem(id="t3", kind="aggregate", question="q", must=[["27 million"]])
    assert M.answer_correct(listing, "27 million " + "x" * 500, False, 1)  # a list may run to 700


def test_empty_and_abstained_answers_are_wrong_for_answerable():
    assert not M.answer_correct(ITEM, "", False, 0)
    assert not M.answer_correct(ITEM, "27 million for labor", True, 1)  # abstained on an answerable question


def test_unanswerable_is_right_only_when_abstaining():
    assert M.answer_correct(UNANSWERABLE, "The sources don't say.", True, 0)
    assert not M.answer_correct(UNANSWERABLE, "Something confident.", False, 1)


def test_document_keys_for_numbered_and_named_files():
    assert M._doc_key("003_fe0cd9c7f2d671fe.txt") == "003"
    assert M._doc_key("tip2024_south_korea.txt") == "tip2024_south_korea"
    assert M._doc_key("tip_2024_tiers.csv") == "tiers"


def test_citation_precision_checks_quote_inside_passage_and_source():
    texts = {"p1": "An estimated 27 million people are exploited.", "p2": "Other text."}
    good = {"passage_id": "p1", "document": "000_x.txt", "quote": "27 million people"}
    outside = {"passage_id": "p1", "document": "000_x.txt", "quote": "28 million people"}
    wrong_doc = {"passage_id": "p2", "document": "004_y.txt", "quote": "Other text."}
    assert M.citation_precision(ITEM, [good], texts) == 1.0
    assert M.citation_precision(ITEM, [good, outside], texts) == 0.5
    assert M.citation_precision(ITEM, [wrong_doc], texts) == 0.0
    assert M.citation_precision(ITEM, [], texts) is None
    dup = {"passage_id": "p2", "document": "004_y.txt", "quote": "Other text.", "also_in": ["003_z.txt"]}
    assert M.citation_precision(ITEM, [dup], texts) == 1.0  # carried by a gold source too


def test_citation_recall_and_table_sources():
    cites = [{"document": "000_x.txt"}]
    assert M.citation_recall(ITEM, cites) == 0.5
    tiers = QAItem(id="t3", question="q", must=[["Tier 3"]], sources=["tiers"])
    assert M.citation_recall(tiers, [{"document": "tip_2024_tiers.csv"}]) == 1.0
    assert M.citation_recall(UNANSWERABLE, cites) is None


def test_retrieval_ranks_recall_and_mrr():
    retrieved = [{"passage_id": "a", "document": "004_y.txt"}, {"passage_id": "b", "document": "003_z.txt"}]
    assert M.retrieval_ranks(ITEM, retrieved) == 2
    assert M.retrieval_ranks(ITEM, []) is None
    gold = QAItem(id="t4", question="q", must=[["x"]], sources=["004"], gold_passages=["b"])
    assert M.retrieval_ranks(gold, retrieved) == 2
    ranks = [1, 2, None, 4]
    assert M.recall_at(ranks, 1) == 0.25 and M.recall_at(ranks, 3) == 0.5 and M.recall_at(ranks, 10) == 0.75
    assert abs(M.mrr(ranks) - (1 + 0.5 + 0.25) / 4) < 1e-9
    assert M.recall_at([], 5) is None and M.mrr([]) is None


def test_abstention_precision_recall():
    s = M.abstention_scores(expected=[True, True, False, False], abstained=[True, False, True, False])
    assert s["abstention_precision"] == 0.5 and s["abstention_recall"] == 0.5
    none = M.abstention_scores([False], [False])
    assert none["abstention_precision"] is None and none["abstention_recall"] is None


def test_percentiles():
    p = M.percentiles([float(x) for x in range(1, 101)])
    assert p["p50"] == 50.5 and p["p95"] == 95.0 and p["max"] == 100.0
    assert M.percentiles([])["p50"] is None


def _cite(n, verified=True, pid="p"):
    return Citation(n=n, passage_id=pid, document="000_x.txt", title="t", start=0, end=4, quote="text",
                    verified=verified)


def test_finalize_drops_unverified_and_renumbers():
    a = Answer(question="q", answer="First [2]. Second [1]. Bogus [7].", abstained=False,
               citations=[_cite(1), _cite(2, verified=False)])
    f = finalize(a)
    assert f.answer == "First. Second [1]. Bogus."
    assert [c.n for c in f.citations] == [1]


def test_finalize_keeps_citations_used_by_graph_facts():
    a = Answer(question="q", answer="Burma is on Tier 3.", abstained=False, citations=[_cite(1, pid=None)],
               graph_facts=[GraphFact(subject="Burma", predicate="PLACED_IN", object="Tier 3", citation=1)])
    f = finalize(a)
    assert len(f.citations) == 1 and f.graph_facts[0].citation == 1
