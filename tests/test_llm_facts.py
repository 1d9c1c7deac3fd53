"""The graph facts LLM mode shows the model: the tier rows of the countries a question names and the
TIP Report Heroes it is about (the hero it names, the hero of an organisation it names, the heroes of
a country when it asks about people), each hero as one line cited to the profile sentence naming them.
First on a scripted tools object, then on the real stores with a scripted chat model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from kg.settings import Settings
from retrieval.decompose import decompose
from retrieval.llm import (
    MAX_FACT_LINES,
    applicable_facts,
    build_evidence,
    fact_sentence,
    hero_facts,
    llm_answer,
)
from retrieval.models import Answer, Citation, RetrievedPassage
from retrieval.understand import LinkedEntity
from tests.scripted_llm import ScriptedChatModel, evidence

ROSA = ("These heroes will take part in a program. Rosa Cendón has devoted her life to assisting trafficking "
        "victims in Spain. A social worker and educator based in Barcelona, she leads the anti-trafficking group "
        "SICARcat.")
EDITH = ("Edith Murogo, founder and director of Kenya’s Centre for Domestic Training and Development, fights "
         "against human trafficking in Nairobi.")
JANE = "Jane Wanjiru of Kenya runs a shelter in Mombasa."
HEROES = [
    {"key": "rosa-cendon", "name": "Rosa Cendón", "role": "social worker and educator", "passage_ids": ["p-rosa"],
     "country": "Spain", "iso3": "ESP", "organizations": ["SICARcat"],
     "organization_links": [{"organization": "SICARcat", "relation": "LEADS"}]},
    {"key": "edith-murogo", "name": "Edith Murogo", "role": "founder and director", "passage_ids": ["p-edith"],
     "country": "Kenya", "iso3": "KEN", "organizations": ["Centre for Domestic Training and Development"],
     "organization_links": [{"organization": "Centre for Domestic Training and Development", "relation": "LEADS"},
                            {"organization": "Centre for Domestic Training and Development", "relation": "FOUNDED"}]},
    {"key": "jane-wanjiru", "name": "Jane Wanjiru", "role": "", "passage_ids": ["p-jane"], "country": "Kenya",
     "iso3": "KEN", "organizations": [], "organization_links": []},
]


def row(pid: str, text: str) -> dict:
    return {"passage_id": pid, "text": text, "char_runs": [0, 0], "file": "003.txt", "title": "Heroes",
            "subject_name": "", "outlet": "", "dups": [], "start": 0}


class Tools:
    """The graph tools LLM mode calls, answering from the lists above."""

    def __init__(self):
        self.rows = {"p-rosa": row("p-rosa", ROSA), "p-edith": row("p-edith", EDITH), "p-jane": row("p-jane", JANE)}

    def heroes(self):
        return HEROES

    def passages(self, ids):
        return {i: self.rows[i] for i in ids if i in self.rows}

    def country_tiers(self, iso3):
        rows = {"KEN": ("Kenya", 2), "ESP": ("Spain", 3)}
        if iso3 not in rows:
            return None
        name, line = rows[iso3]
        return {"country": name, "placements": [{"year": 2024, "tier": "Tier 2", "row": line, "source": "r"},
                                                {"year": 2023, "tier": "Tier 2", "row": line, "source": "r"}]}


def settings(tmp: Path) -> Settings:
    tiers = tmp / "tiers.csv"
    tiers.write_text("country,tier_2024,tier_2023,source\nKenya,Tier 2,Tier 2,r\nSpain,Tier 1,Tier 1,r\n")
    return Settings(llm_provider="openai", home=tmp, tiers_csv=tiers)


def ent(label: str, key: str, name: str) -> LinkedEntity:
    return LinkedEntity(label, key, name, name, 0)


def no_default() -> Answer:
    return Answer(question="q", answer="default [1]", abstained=False)


def test_a_named_hero_is_one_line_cited_to_the_sentence_naming_her():
    [(group, cite)] = hero_facts(Tools(), [ent("Hero", "rosa-cendon", "Rosa Cendón")], "What does Rosa Cendón do?")
    assert [(f.predicate, f.object) for f in group] == [
        ("HONORED_IN", "2024 TIP Report"), ("WORKS_IN", "Spain"), ("LEADS", "SICARcat"),
        ("ROLE", "social worker and educator")]
    assert fact_sentence(group) == ("Rosa Cendón (social worker and educator), a 2024 TIP Report Hero, works in "
                                    "Spain and leads SICARcat.")
    assert cite.passage_id == "p-rosa" and cite.quote == ("Rosa Cendón has devoted her life to assisting "
                                                          "trafficking victims in Spain.")


def test_which_heroes_a_question_links_to():
    tools = Tools()

    def names(entities, q):
        return [g[0].subject for g, _ in hero_facts(tools, entities, q)]

    kenya = [ent("Country", "KEN", "Kenya")]
    # the hero of an organisation the question names
    assert names([ent("Actor", "sicarcat", "SICARcat")], "When was SICARcat set up?") == ["Rosa Cendón"]
    # a country's heroes only when the question asks about people; at most two
    assert names(kenya, "Who founded Kenya's Centre for Domestic Training and Development?") == [
        "Edith Murogo", "Jane Wanjiru"]
    assert names(kenya, "Which Kenyan heroes are there?") == ["Edith Murogo", "Jane Wanjiru"]
    assert names(kenya, "What are the trafficking trends in Kenya?") == []
    assert names(kenya, "What did the Trafficking in Persons Report say about Kenya?") == []  # the report's name
    # a hero the question names comes before the country's others
    assert names(kenya + [ent("Hero", "jane-wanjiru", "Jane Wanjiru")], "Who is Jane Wanjiru of Kenya?")[0] == \
        "Jane Wanjiru"
    # founded is said rather than leads when the graph has both
    [(group, _)] = hero_facts(tools, [ent("Hero", "edith-murogo", "Edith Murogo")], "What does Edith Murogo do?")
    assert ("FOUNDED", "Centre for Domestic Training and Development") in [(f.predicate, f.object) for f in group]
    assert "LEADS" not in [f.predicate for f in group]


def test_hero_lines_come_before_tier_rows_and_the_prompt_stays_small(tmp_path):
    s = settings(tmp_path)
    q = "Who founded Kenya's Centre for Domestic Training and Development?"
    facts = applicable_facts(Tools(), s, [ent("Country", "KEN", "Kenya")], no_default(), q)
    assert len(facts) == MAX_FACT_LINES
    assert [type(f).__name__ for f, _ in facts] == ["list", "list", "GraphFact"]  # two heroes, then Kenya 2024
    assert facts[2][0].object == "Tier 2" and facts[2][1].quote == "Kenya,Tier 2,Tier 2,r"
    # not about people: the tier rows only, as before
    plain = applicable_facts(Tools(), s, [ent("Country", "KEN", "Kenya")], no_default(), "What are trends in Kenya?")
    assert [f.year for f, _ in plain] == [2024, 2023]
    ev = build_evidence([], facts, limit=s.llm_evidence)
    assert [e.label for e in ev] == ["TIP Report Heroes (graph)"] * 2 + ["tier table"]


def test_the_model_may_cite_a_hero_line_and_gets_its_facts(tmp_path):
    s = settings(tmp_path)
    q = "What does Rosa Cendón do?"
    facts = applicable_facts(Tools(), s, [ent("Hero", "rosa-cendon", "Rosa Cendón")], no_default(), q)
    hero_n = 1  # no text evidence here: the hero line is the only one
    model = ScriptedChatModel(script=lambda p: f"Rosa Cendón leads SICARcat in Spain [{hero_n}]. "
                                               f"Rosa Cendón leads SICARcat in Portugal [{hero_n}].")
    ctx = SimpleNamespace(settings=s, llm=model)
    default = Answer(question=q, answer="default [1]", abstained=False,
                     retrieved=[RetrievedPassage(passage_id="p-rosa", document="003.txt", score=1.0)],
                     citations=[Citation(n=1, passage_id="p-rosa", document="003.txt", title="t", start=0, end=5,
                                         quote="x")])
    a = llm_answer(ctx, q, decompose(q), [], facts, default)
    assert evidence(model.prompts[0])[hero_n][0] == "TIP Report Heroes (graph)"
    assert a.answer == "Rosa Cendón leads SICARcat in Spain [1].", a.llm
    assert [d["why"] for d in a.llm.dropped] == ["names 'Portugal', which the cited text does not"]
    assert a.citations[0].passage_id == "p-rosa" and "Rosa Cendón" in a.citations[0].quote
    assert {(f.predicate, f.object, f.citation) for f in a.graph_facts} >= {("WORKS_IN", "Spain", 1),
                                                                            ("LEADS", "SICARcat", 1)}


def test_on_the_real_stores_a_hero_question_shows_her_facts(built_corpus, embedder):
    from retrieval.agent import Agent

    settings_, _ = built_corpus

    def script(prompt: str) -> str:
        n = next(n for n, (label, _) in evidence(prompt).items() if label == "TIP Report Heroes (graph)")
        return f"Rosa Cendón leads SICARcat in Spain [{n}]."

    model = ScriptedChatModel(script=script)
    agent = Agent(settings_, mode="llm", embedder=embedder, chat_model=model)
    try:
        a = agent.ask("What does Rosa Cendón do at SICARcat?")
    finally:
        agent.close()
    shown = evidence(model.prompts[-1])
    assert 6 <= len(shown) <= settings_.llm_evidence  # the prompt stays 6-10 sentences
    assert ("TIP Report Heroes (graph)", "Rosa Cendón (social worker and educator), a 2024 TIP Report Hero, works in "
            "Spain and leads SICARcat.") in shown.values()
    assert a.llm.outcome == "answered" and a.answer == "Rosa Cendón leads SICARcat in Spain [1].", a.llm
    assert a.citations[0].verified and "Rosa Cendón" in a.citations[0].quote
    assert ("WORKS_IN", "Spain") in {(f.predicate, f.object) for f in a.graph_facts}
