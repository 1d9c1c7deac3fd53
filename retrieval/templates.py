"""Graph-template answers: one handler per question shape, each a parameterised read through
GraphTools, citing table rows and hero passages. `Templates.answer(u)` picks the handler by shape;
a handler returns None when the graph has nothing for it and the text reader should try."""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.settings import Settings
from retrieval.abstain import Reason, abstain
from retrieval.citations import passage_citation, table_citation
from retrieval.graph_tools import GraphTools
from retrieval.models import Answer, Citation, GraphFact
from retrieval.understand import Shape, Understanding
from text.names import surname
from text.sentences import sentence_spans

TIER_ORDER = {"Tier 1": 1, "Tier 2": 2, "Tier 2 Watch List": 3, "Tier 3": 4}
COVERAGE_NOTE = ("The tier table holds every 2024 Tier 3, Tier 2 Watch List and Special Case country, "
                 "but only some Tier 1 and Tier 2 countries.")


_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
_UP = re.compile(r"\b(upgrad\w*|(?:mov\w*|go|goes|gone|went|bump\w*) up(?! or down)|improv\w*|promot\w*|rose|"
                 r"climb\w*)", re.IGNORECASE)
_DOWN = re.compile(r"\b(downgrad\w*|(?:mov\w*|go|goes|gone|went) down|drop\w*|fell|fall\w*|demot\w*|slid\w*|"
                   r"slipp?\w*|relegat\w*|worsen\w*)", re.IGNORECASE)
_SAME = re.compile(r"\b(stay\w*|remain\w*|same tier|unchanged|keep|kept|still)\b", re.IGNORECASE)


# "among these chapters", "the countries covered in these documents": the question is about what was ingested
CHAPTER_SCOPE = re.compile(r"\b(?:these|the|those|ingested|uploaded)\s+(?:\w+\s+)?(?:chapters?|documents|narratives|"
                           r"reports|countries|ones)\b|\bchapters?['’]?\b|\bof these\b", re.IGNORECASE)
_LISTING = {Shape.TIER_LIST, Shape.TIER_COUNT, Shape.TIER_CHANGES_ALL}


def describe_filter(u: Understanding) -> str:
    tiers = [t.name for t in u.of("Tier")]
    move = asked_direction(u.question)
    where = f"on {' or '.join(tiers)}" if tiers else ""
    if move == "remained":
        return f"remained {where or 'on the same tier'} in 2024"
    if move:
        return f"were {move}" + (f" to {' or '.join(tiers)}" if tiers else "") + " in 2024"
    return f"were {where} in 2024" if where else "have a stated 2024 tier"


def named_countries(u: Understanding) -> set[str]:
    """The countries a listing question restricts itself to ("Of Algeria, Laos, Chad ..., which ones ..."):
    only when it names several; one named country is the question's subject, not a filter."""
    keys = {e.key for e in u.of("Country")}
    return keys if len(keys) >= 2 else set()


def _moved(tier_2023: str | None, tier_2024: str) -> str | None:
    """How a country moved into its 2024 tier, from the table's 2023 row (None when that can't be told)."""
    if tier_2023 not in TIER_ORDER or tier_2024 not in TIER_ORDER:
        return None
    if tier_2023 == tier_2024:
        return "remained"
    return "upgraded" if TIER_ORDER[tier_2024] < TIER_ORDER[tier_2023] else "downgraded"


def _said_from(u: Understanding, tier) -> bool:
    """The question names `tier` as where a move started ("from Tier 3"), not where it ended."""
    return bool(re.search(rf"from\s+(the\s+)?{re.escape(tier.surface)}", u.question, re.IGNORECASE))


def ordinal(n: int) -> str:
    return _ORDINALS[n - 1] if 0 < n <= len(_ORDINALS) else f"{n}th"


def asked_direction(question: str) -> str | None:
    """The tier move a question asks about or presupposes: upgraded, downgraded or remained."""
    if _UP.search(question):
        return "upgraded"
    if _DOWN.search(question):
        return "downgraded"
    if _SAME.search(question):
        return "remained"
    return None


def sentence_with(row: dict, needles: list[str]) -> tuple[int, int]:
    """The first sentence of a passage that contains one of `needles` (else the first sentence)."""
    spans = sentence_spans(row["text"])
    for n in needles:
        for i, j in spans:
            if n and n.lower() in row["text"][i:j].lower():
                return i, j
    return spans[0] if spans else (0, len(row["text"]))


class Templates:
    def __init__(self, tools: GraphTools, settings: Settings):
        self.tools, self.settings = tools, settings
        self.handlers: dict[Shape, Callable[[Understanding], Answer | None]] = {
            Shape.TIER_LOOKUP: self._tier_lookup,
            Shape.TIER_CHANGE: self._tier_lookup,
            Shape.TIER_LIST: self._tier_list,
            Shape.TIER_COUNT: self._tier_list,
            Shape.TIER_CHANGES_ALL: self._tier_changes_all,
            Shape.TIER_PEERS: self._tier_peers,
            Shape.HERO_LIST: self._hero_list,
            Shape.HEROES_BY_COUNTRY: self._heroes_by_country,
            Shape.HEROES_IN_TIER: self._heroes_in_tier,
            Shape.TIER_OF_HERO_COUNTRY: self._tier_of_hero_country,
        }

    def answer(self, u: Understanding) -> Answer | None:
        if u.shape in _LISTING and CHAPTER_SCOPE.search(u.question):
            return self._chapter_placements(u)
        handler = self.handlers.get(u.shape)
        return handler(u) if handler else None

    def _chapter_rows(self, u: Understanding) -> list[dict]:
        """Chapter countries whose stated 2024 placement matches the question's tier and move, if any (and,
        when the question names several countries, among those)."""
        tiers = {t.name for t in u.of("Tier")}
        move = asked_direction(u.question)
        named = named_countries(u)
        return [r for r in self.tools.chapter_placements() if r.get("tier_2024")
                and (not tiers or r["tier_2024"] in tiers) and (not move or r.get("direction") == move)
                and (not named or r["iso3"] in named)]

    def _chapter_placements(self, u: Understanding) -> Answer:
        """"Which of these chapters' countries were upgraded / are on Tier 1 / how many ...": the tiers the
        ingested chapters state, each cited to its sentence."""
        everyone = [r for r in self.tools.chapter_placements() if r.get("tier_2024")]
        rows = self._chapter_rows(u)
        what = describe_filter(u)
        if not everyone:
            return abstain(u.question, Reason.NO_MATCH, shape=u.shape,
                           message="No ingested chapter states a tier: ingest the report's country chapters first.")
        if not rows:
            return Answer(question=u.question, shape=u.shape, abstained=False, citations=[],
                          answer=f"None of the {len(everyone)} countries of the ingested chapters {what}.")
        cites: list[Citation] = []
        items = []
        for r in rows:
            n = self._text_cite(cites, r)
            items.append(f"{r['country']} ({r['tier_2024']})" + (f" [{n}]" if n else ""))
        lead = f"{len(rows)} of the {len(everyone)} countries of the ingested chapters {what}"
        return Answer(question=u.question, answer=f"{lead}: " + "; ".join(items) + ".", abstained=False,
                      citations=cites, shape=u.shape)

    def _table_cite(self, cites: list[Citation], row: int, source: str) -> int:
        for c in cites:
            if c.passage_id is None and c.start == row:
                return c.n
        n = len(cites) + 1
        cites.append(table_citation(n, self.settings.tiers_csv, row, source))
        return n

    def _text_cite(self, cites: list[Citation], p: dict) -> int | None:
        """Cite the sentence a chapter states a fact in (passage_id and its span in the passage text)."""
        pid = p.get("passage_id")
        row = self.tools.passages([pid]).get(pid) if pid else None
        if not row or p.get("start") is None:
            return None
        for c in cites:
            if c.passage_id == pid and c.quote == row["text"][p["start"]:p["end"]].strip():
                return c.n
        n = len(cites) + 1
        cites.append(passage_citation(n, row, p["start"], p["end"]))
        return n

    def tier_of(self, iso3: str, cites: list[Citation], facts: list[GraphFact], year: int = 2024) -> str | None:
        """One sentence on a country's tier in `year` for a multi-part answer, cited (the chapter's
        statement first, else the table's row), or None when the sources don't give it."""
        info = self.tools.country_tiers(iso3)
        placements = [p for p in (info or {}).get("placements", []) if p.get("year") == year]
        if not placements:
            return None
        p = placements[0]
        n = self._text_cite(cites, p) if p["source_kind"] == "text" else None
        if n is None:
            table = next((q for q in placements if q["source_kind"] == "table"), None)
            if table is None:
                return None
            p, n = table, self._table_cite(cites, table["row"], table["source"])
        facts.append(GraphFact(subject=info["country"], predicate="PLACED_IN", object=p["tier"], year=year,
                               source=p.get("source") or "chapter text", citation=n))
        return f"{info['country']} was on {p['tier']} in {year} [{n}]."

    def _tier_lookup(self, u: Understanding) -> Answer | None:
        country = u.of("Country")[0]
        info = self.tools.country_tiers(country.key)
        cites: list[Citation] = []
        facts: list[GraphFact] = []
        if not info or not info["placements"]:
            asked = u.of("Tier")
            premise = f" so it was not on the {asked[0].name} list" if asked and TIER_ORDER.get(asked[0].name, 9) >= 3 \
                else ""
            msg = (f"The sources don't give {country.name}'s tier. {COVERAGE_NOTE} {country.name} is not in the "
                   f"table and no ingested chapter states it,"
                   f"{premise or ' so in 2024 it was on Tier 1 or Tier 2, but the sources do not say which'}.")
            if premise:
                msg = msg.rstrip(".") + " in 2024 (it was on Tier 1 or Tier 2)."
            return abstain(u.question, Reason.NOT_IN_TABLE, msg, shape=u.shape)
        name = info["country"]
        text24 = next((p for p in info["placements"] if p["source_kind"] == "text" and p["year"] == 2024), None)
        table = {p["year"]: p for p in info["placements"] if p["source_kind"] == "table"}
        t24 = (text24 or table.get(2024) or {}).get("tier")
        t23 = table.get(2023, {}).get("tier")
        if text24 and text24.get("direction"):
            direction = text24["direction"]
        else:
            direction = _moved(t23, t24) if t24 else None
        n_text = self._text_cite(cites, text24) if text24 else None
        if text24 and n_text:
            facts.append(GraphFact(subject=name, predicate="PLACED_IN", object=t24, year=2024,
                                   source="chapter text", citation=n_text))
            verb = {"upgraded": f"was upgraded to {t24}", "downgraded": f"was downgraded to {t24}",
                    "remained": f"remained on {t24}"}.get(direction or "", f"was on {t24}")
            years = text24.get("consecutive_years")
            text = f"{name} {verb} in 2024" + (f", for the {ordinal(years)} consecutive year" if years else "") \
                + f" [{n_text}]"
            if t23:
                m = self._table_cite(cites, table[2023]["row"], table[2023]["source"])
                text += f" (2023: {t23} [{m}])"
            table24 = table.get(2024, {}).get("tier")
            if table24 and table24 != t24:
                k = self._table_cite(cites, table[2024]["row"], table[2024]["source"])
                text += f". The tier table says {table24} [{k}]: the two sources disagree"
            text += "."
        elif t24 and t23:
            for year in (2024, 2023):
                p = table[year]
                n = self._table_cite(cites, p["row"], p["source"])
                facts.append(GraphFact(subject=name, predicate="PLACED_IN", object=p["tier"], year=year,
                                       source=p["source"], citation=n))
            move = {"remained": f"{name} stayed on {t24} in 2024, as in 2023",
                    "upgraded": f"{name} was upgraded from {t23} (2023) to {t24} (2024)",
                    "downgraded": f"{name} was downgraded from {t23} (2023) to {t24} (2024)"}.get(
                direction or "", f"{name} moved from {t23} (2023) to {t24} (2024)")
            text = f"{move} [1]."
        else:
            p = table.get(2024) or table.get(2023)
            n = self._table_cite(cites, p["row"], p["source"])
            facts.append(GraphFact(subject=name, predicate="PLACED_IN", object=p["tier"], year=p["year"],
                                   source=p["source"], citation=n))
            text = f"{name} was on {p['tier']} in {p['year']} [{n}]."
        asked_dir = asked_direction(u.question)
        yes_no = bool(re.match(r"\s*(did|was|is|has|were|does|are|have)\b", u.question, re.IGNORECASE))
        if asked_dir and direction:
            if yes_no:
                text = ("Yes. " if asked_dir == direction else "No. ") + text
            elif asked_dir != direction:
                # A question that presupposes a move that did not happen ("why was X downgraded", "what got
                # X upgraded") gets a plain correction, not an answer.
                return abstain(u.question, Reason.FALSE_PREMISE, f"The question's premise is wrong: {text}",
                               citations=cites, graph_facts=facts, shape=u.shape)
        else:
            asked_tier = u.of("Tier")
            if asked_tier and yes_no:
                text = ("Yes. " if asked_tier[0].name == t24 else "No. ") + text
        return Answer(question=u.question, answer=text, abstained=False, citations=cites, graph_facts=facts,
                      shape=u.shape)

    def _tier_list(self, u: Understanding) -> Answer | None:
        tier = u.of("Tier")[0].name
        year = 2023 if 2023 in u.years and 2024 not in u.years else 2024
        rows = self.tools.countries_in_tier(tier, year)
        info = self.tools.tier_info(tier)
        complete = info.get("coverage") == "complete" and year == 2024
        if year == 2023:
            complete = False  # the table gives 2023 only for the countries it lists for 2024
        cites: list[Citation] = []
        facts = []
        if asked_direction(u.question) == "remained":
            rows = [r for r in rows if r.get("other_tier") == tier]
        named = named_countries(u)
        if named:
            rows = [r for r in rows if r["iso3"] in named]
            complete = True  # every named country's placement is in the table or its chapter, or it is not there
        # countries whose chapter states the tier, beside the table's rows
        stated = [r for r in self._chapter_rows(u) if r["tier_2024"] == tier and year == 2024
                  and r["iso3"] not in {t["iso3"] for t in rows}]
        if not rows and not stated:
            return abstain(u.question, Reason.NO_MATCH, f"The sources list no {tier} countries for {year}.",
                           shape=u.shape)
        items = []
        for r in rows:
            n = self._table_cite(cites, r["row"], r["source"])
            facts.append(GraphFact(subject=r["country"], predicate="PLACED_IN", object=tier, year=year,
                                   source=r["source"], citation=n))
            items.append(f"{r['country']} [{n}]")
        for r in stated:
            n = self._text_cite(cites, r)
            items.append(f"{r['country']}" + (f" [{n}]" if n else ""))
        rows = rows + stated
        if u.shape == "tier_count":
            if complete:
                return Answer(question=u.question, answer=f"{len(rows)} countries were on {tier} in {year}: "
                              + ", ".join(items) + ".", abstained=False, citations=cites, graph_facts=facts,
                              shape=u.shape)
            total = info.get("report_total")
            extra = f" The report placed {total} countries on {tier} in 2024, per the source of the table's Australia row." \
                if total and year == 2024 else ""
            return abstain(u.question, Reason.INCOMPLETE_COUNT, shape=u.shape, citations=[], graph_facts=facts,
                           message=f"The sources don't give the full count. The tier table lists only {len(rows)} "
                                 f"{tier} countries for {year} ({COVERAGE_NOTE}){extra}")
        head = f"{tier} in {year}" + ("" if complete else f" (the table and the ingested chapters list only "
                                                          f"some; {len(rows)} shown)")
        return Answer(question=u.question, answer=f"{head}: " + ", ".join(items) + ".", abstained=False,
                      citations=cites, graph_facts=facts, shape=u.shape)

    def _tier_changes_all(self, u: Understanding) -> Answer | None:
        rows = self.tools.tier_changes()
        want = "up" if re.search(r"upgrad|improv|promot|rose|moved up", u.question, re.IGNORECASE) else \
            "down" if re.search(r"downgrad|worsen|demot|drop|fell|moved down", u.question, re.IGNORECASE) else None
        cites: list[Citation] = []
        items = []
        for r in rows:
            if r["rank_2023"] is None or r["rank_2024"] is None or r["tier_2023"] not in TIER_ORDER \
                    or r["tier_2024"] not in TIER_ORDER:
                direction = "other"
            else:
                direction = "up" if TIER_ORDER[r["tier_2024"]] < TIER_ORDER[r["tier_2023"]] else "down"
            if want and direction != want:
                continue
            for t in u.of("Tier"):  # "to Tier 3" / "from Tier 3" / "onto the Watch List"
                from_tier = _said_from(u, t)
                if (from_tier and r["tier_2023"] != t.name) or (not from_tier and r["tier_2024"] != t.name):
                    break
            else:
                n = self._table_cite(cites, r["row"], r["source"])
                items.append(f"{r['country']} ({r['tier_2023']} → {r['tier_2024']}) [{n}]")
        listed = {i.split(" (")[0] for i in items}
        for r in self._chapter_rows(u):
            if r["country"] in listed or r.get("direction") not in ("upgraded", "downgraded"):
                continue
            if any(_said_from(u, t) and r.get("table_tier_2023") != t.name for t in u.of("Tier")):
                continue  # "from Tier 3": a chapter's stated move counts only if the table has it there in 2023
            if want and r["direction"] != {"up": "upgraded", "down": "downgraded"}[want]:
                continue
            n = self._text_cite(cites, r)
            items.append(f"{r['country']} ({r['direction']} to {r['tier_2024']})" + (f" [{n}]" if n else ""))
        if not items:
            return None
        label = {"up": "Upgraded", "down": "Downgraded", None: "Changed tier"}[want]
        return Answer(question=u.question, answer=f"{label} from 2023 to 2024, among the countries in the tier "
                      f"table and the ingested chapters: " + "; ".join(items) + ".", abstained=False, citations=cites,
                      shape=u.shape)

    def _tier_peers(self, u: Understanding) -> Answer | None:
        """"Which other country got that same designation?", "which other chapter country shares X's tier":
        the countries on the named tier, or on the named country's 2024 tier, other than those named;
        only the chapters' countries when the question says so, and only those that moved the way it says."""
        named = {e.key for e in u.of("Country")}
        cites: list[Citation] = []
        facts: list[GraphFact] = []
        own = ""
        tier = u.of("Tier")[0].name if u.of("Tier") else None
        if tier is None:
            for key in sorted(named):
                own = self.tier_of(key, cites, facts) or ""  # the named country's own tier, cited first
                if own:
                    tier = facts[-1].object
                    break
        if tier is None:
            return None
        move = asked_direction(u.question)
        items = []
        if CHAPTER_SCOPE.search(u.question):
            where = "Among the countries of the ingested chapters"
            for r in self.tools.chapter_placements():
                if (r.get("tier_2024") or r.get("table_tier_2024")) != tier or r["iso3"] in named:
                    continue
                if move and r.get("direction") and r["direction"] != move:
                    continue
                n = self._text_cite(cites, r) if r.get("tier_2024") else None
                items.append(r["country"] + (f" [{n}]" if n else ""))
        else:
            where = "In the tier table"
            for r in self.tools.countries_in_tier(tier, 2024):
                if r["iso3"] in named or (move and _moved(r.get("other_tier"), tier) not in (None, move)):
                    continue
                n = self._table_cite(cites, r["row"], r["source"])
                facts.append(GraphFact(subject=r["country"], predicate="PLACED_IN", object=tier, year=2024,
                                       source=r["source"], citation=n))
                items.append(f"{r['country']} [{n}]")
        if not items:
            return abstain(u.question, Reason.NO_MATCH, f"{own} The sources name no other country on {tier} in 2024"
                           + (f" that was {move}" if move else "") + ".", citations=cites, graph_facts=facts,
                           shape=u.shape)
        moved = f" ({move})" if move else ""
        text = f"{own} {where}, also on {tier} in 2024{moved}: " + "; ".join(items) + "."
        return Answer(question=u.question, answer=text.strip(), abstained=False, citations=cites, graph_facts=facts,
                      shape=u.shape)

    def _hero_rows(self) -> list[dict]:
        return self.tools.heroes()

    def _hero_cite(self, cites: list[Citation], hero: dict, rows: dict[str, dict]) -> int | None:
        pid = (hero.get("passage_ids") or [None])[0]
        row = rows.get(pid)
        if not row:
            return None
        for c in cites:
            if c.passage_id == pid:
                return c.n
        i, j = sentence_with(row, [hero["name"], surname(hero["name"])])
        n = len(cites) + 1
        cites.append(passage_citation(n, row, i, j))
        return n

    def _hero_items(self, heroes: list[dict], describe) -> tuple[list[Citation], list[str]]:
        """One list item per hero, each cited to the sentence of the profile that names them."""
        rows = self.tools.passages([h["passage_ids"][0] for h in heroes if h.get("passage_ids")])
        cites: list[Citation] = []
        items = []
        for h in heroes:
            n = self._hero_cite(cites, h, rows)
            items.append(describe(h, cites) + (f" [{n}]" if n else ""))
        return cites, items

    def _hero_list(self, u: Understanding) -> Answer | None:
        heroes = self._hero_rows()
        if not heroes:
            return None
        cites, items = self._hero_items(heroes, lambda h, _: h["name"] + (f" ({h['country']})" if h.get("country") else ""))
        lead = "The 2024 TIP Report honored {n} TIP Report Heroes" if re.search(r"\bhow many\b", u.question, re.IGNORECASE) \
            else "The {n} 2024 TIP Report Heroes"
        text = lead.format(n=len(heroes)) + ": " + "; ".join(items) + "."
        return Answer(question=u.question, answer=text, abstained=False, citations=cites, shape=u.shape)

    def _heroes_by_country(self, u: Understanding) -> Answer | None:
        wanted = {c.key for c in u.of("Country")}
        heroes = [h for h in self._hero_rows() if h.get("iso3") in wanted]
        names = ", ".join(c.name for c in u.of("Country"))
        if not heroes:
            return abstain(u.question, Reason.NO_MATCH, shape=u.shape,
                           message=f"None of the 2024 TIP Report Heroes in the sources works in {names}.")

        def describe(h, _):
            orgs = h.get("organizations") or []
            return h["name"] + (f", {h['role'] + ' at ' if h.get('role') else ''}{orgs[0]}" if orgs else "")

        cites, items = self._hero_items(heroes, describe)
        return Answer(question=u.question, answer=f"2024 TIP Report Hero from {names}: " + "; ".join(items) + ".",
                      abstained=False, citations=cites, shape=u.shape)

    def _heroes_in_tier(self, u: Understanding) -> Answer | None:
        tier = u.of("Tier")[0].name
        heroes = [h for h in self._hero_rows() if h.get("tier_2024") == tier]
        if not heroes:
            return abstain(u.question, Reason.NO_MATCH, shape=u.shape,
                           message=f"None of the 2024 TIP Report Heroes works in a country the tier table places on "
                                 f"{tier} in 2024. {COVERAGE_NOTE}")

        def describe(h, cites):
            return f"{h['name']} ({h['country']}) [{self._table_cite(cites, h['tier_row'], h['tier_source'])}]"

        cites, items = self._hero_items(heroes, describe)
        return Answer(question=u.question, answer=f"Heroes working in {tier} countries (2024): " + "; ".join(items)
                      + ".", abstained=False, citations=cites, shape=u.shape)

    def _tier_of_hero_country(self, u: Understanding) -> Answer | None:
        heroes = self._hero_rows()
        target = None
        hero_keys = {e.key for e in u.of("Hero")}
        for h in heroes:
            if h["key"] in hero_keys:
                target = h
        if target is None:
            for a in u.of("Actor"):
                people = self.tools.actor_people(a.key) or {}
                keys = {p["hero"] for p in people.get("people", []) if p.get("hero")}
                target = next((h for h in heroes if h["key"] in keys), None)
                if target:
                    break
        if target is None or not target.get("country"):
            return None
        rows = self.tools.passages(target["passage_ids"][:1])
        cites: list[Citation] = []
        n = self._hero_cite(cites, target, rows)
        ref = f" [{n}]" if n else ""
        if not target.get("tier_2024"):
            return abstain(u.question, Reason.NOT_IN_TABLE, shape=u.shape, citations=cites,
                           message=f"{target['name']} works in {target['country']}{ref}, but the sources don't give "
                                 f"{target['country']}'s tier. {COVERAGE_NOTE}")
        m = self._table_cite(cites, target["tier_row"], target["tier_source"])
        return Answer(question=u.question, abstained=False, shape=u.shape, citations=cites,
                      graph_facts=[GraphFact(subject=target["country"], predicate="PLACED_IN",
                                             object=target["tier_2024"], year=2024, source=target["tier_source"],
                                             citation=m)],
                      answer=f"{target['name']} works in {target['country']}{ref}, which was on "
                             f"{target['tier_2024']} in 2024 [{m}].")

    def hero_who(self, u: Understanding) -> Answer | None:
        """'Who is X?': the profile sentences that give X's role and organisation."""
        key = u.of("Hero")[0].key
        hero = next((h for h in self._hero_rows() if h["key"] == key), None)
        if hero is None:
            return None
        rows = self.tools.passages(hero["passage_ids"])
        needles = [o for o in hero.get("organizations") or []] + ([hero["role"]] if hero.get("role") else [])
        picks: list[tuple[dict, int, int]] = []
        for pid in hero["passage_ids"]:
            row = rows.get(pid)
            if not row:
                continue
            spans = sentence_spans(row["text"])
            family = surname(hero["name"])
            for i, j in spans:
                sent = row["text"][i:j]
                if (hero["name"] in sent or family in sent or any(n.lower() in sent.lower() for n in needles)) and \
                        (i, j) not in [(a, b) for _, a, b in picks]:
                    if any(n.lower() in sent.lower() for n in needles) or not picks:
                        picks.append((row, i, j))
        picks = picks[:2]
        if not picks:
            return None
        cites = [passage_citation(n + 1, row, i, j) for n, (row, i, j) in enumerate(picks)]
        where = f" ({hero['country']})" if hero.get("country") else ""
        text = f"{hero['name']}{where}, a 2024 TIP Report Hero: " + " ".join(f"{c.quote} [{c.n}]" for c in cites)
        return Answer(question=u.question, answer=text, abstained=False, citations=cites, shape=u.shape)

