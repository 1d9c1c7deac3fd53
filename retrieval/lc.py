"""tipkg as LangChain parts: the Agent as a Runnable (question in, Answer out) and the safe graph tools
(tier lookup, heroes, passage search) as tools with typed arguments, for a user's own chain or agent.

Every tool is read-only: each runs one of the project's named, parameterised Cypher templates
(retrieval/graph_tools.py) in a READ transaction; none takes Cypher from its caller.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from retrieval.models import Answer
from retrieval.retrievers import PassageRetriever

TIERS = ("Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3", "Special Case")


class AgentRunnable(Runnable[str | dict, Answer]):
    """`AgentRunnable(agent).invoke("What tier is Myanmar in?") -> Answer`; a dict with a "question"
    key works too, so it sits after a prompt-shaping step in a chain."""

    def __init__(self, agent):
        self.agent = agent

    @property
    def InputType(self) -> type:  # noqa: N802 - LangChain's name
        return str

    @property
    def OutputType(self) -> type:  # noqa: N802
        return Answer

    def invoke(self, input: str | dict, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        question = input.get("question", "") if isinstance(input, dict) else input
        return self._call_with_config(lambda q: self.agent.ask(q), str(question), config, run_type="chain")


class TierLookupArgs(BaseModel):
    country: str = Field(description="A country name as people write it, e.g. 'Myanmar', 'DR', 'Cabo Verde'.")
    year: int = Field(2024, description="2024 or 2023: the report year of the placement.")


class HeroesArgs(BaseModel):
    country: str | None = Field(None, description="Only heroes who work in this country (any spelling).")
    tier: str | None = Field(None, description=f"Only heroes working in countries on this 2024 tier: one of {TIERS}.")


class PassageSearchArgs(BaseModel):
    query: str = Field(description="What to look for in the report's and the news articles' passages.")
    k: int = Field(4, ge=1, le=20, description="How many passages to return.")


def make_tools(retriever: PassageRetriever) -> list[BaseTool]:
    """The three tools over the stores a retriever opened (`PassageRetriever.from_settings`)."""
    tools, linker = retriever.tools, retriever.linker

    def _country(name: str):
        found = [e for e in linker.link(name) if e.label == "Country"] if linker else []
        return found[0] if found else None

    def tier_lookup(country: str, year: int = 2024) -> dict:
        c = _country(country)
        if c is None:
            return {"country": country, "found": False, "note": "no country of that name in the graph"}
        info = tools.country_tiers(c.key) or {}
        placed = [p for p in info.get("placements", []) if p.get("year") == year]
        if not placed:
            return {"country": c.name, "year": year, "found": False,
                    "note": "the tier table does not list this country for that year"}
        p = placed[0]
        return {"country": info["country"], "year": year, "tier": p["tier"], "found": True,
                "source": p.get("source"), "table_row": p.get("row")}

    def tip_heroes(country: str | None = None, tier: str | None = None) -> list[dict]:
        want = _country(country) if country else None
        if country and want is None:
            return []
        out = []
        for h in tools.heroes():
            if want and h.get("iso3") != want.key:
                continue
            if tier and (h.get("tier_2024") or "").lower() != tier.lower():
                continue
            out.append({"name": h["name"], "country": h.get("country"), "organizations": h.get("organizations") or [],
                        "tier_2024": h.get("tier_2024"), "passage_ids": h.get("passage_ids") or []})
        return out

    def search_passages(query: str, k: int = 4) -> list[dict]:
        return [{"passage_id": d.metadata["passage_id"], "title": d.metadata["title"], "file": d.metadata["file"],
                 "text": d.page_content} for d in retriever.invoke(query, k=k)]

    return [
        StructuredTool.from_function(tier_lookup, name="tier_lookup", args_schema=TierLookupArgs,
                                     description="The TIP Report tier of a country in 2024 or 2023, from the "
                                                 "report's tier table, with the table row it rests on."),
        StructuredTool.from_function(tip_heroes, name="tip_heroes", args_schema=HeroesArgs,
                                     description="The 2024 TIP Report Heroes: name, country, organisations and "
                                                 "that country's 2024 tier; optionally only one country or tier."),
        StructuredTool.from_function(search_passages, name="search_passages", args_schema=PassageSearchArgs,
                                     description="Passages of the 2024 TIP Report and its news coverage that "
                                                 "match a query (entity-aware hybrid search), with their ids."),
    ]
