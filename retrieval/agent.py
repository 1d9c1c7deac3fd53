"""The answerer. `Agent(settings).ask(question) -> Answer`.

Steps, in order (the whole workflow is this file):
  validate -> understand (entities, shape) -> graph template for graph-shaped questions
  -> otherwise hybrid retrieval -> sentence selection -> abstention checks -> verified citations.
Default mode uses no LLM; `mode="llm"` hands the same evidence to a chat model (retrieval/llm.py)
and keeps only what passes the same citation check.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata

from ingest.chunk import sentence_spans
from ingest.entities import surname
from kg.driver import Graph, Neo4jUnavailable
from kg.settings import Settings
from retrieval import compose
from retrieval.citations import finalize, passage_citation, table_citation, verify
from retrieval.embeddings import Embedder, ModelMissing
from retrieval.graph_tools import GraphTools
from retrieval.models import Answer, Citation, GraphFact, RetrievedPassage
from retrieval.retrievers import (
    DenseRetriever,
    GraphRetriever,
    HybridRetriever,
    KeywordRetriever,
    lucene_query,
)
from retrieval.understand import EntityLinker, Understanding, fold, understand
from retrieval.vectorstore import ChromaUnavailable, VectorStore

log = logging.getLogger("tipkg.agent")
TIER_ORDER = {"Tier 1": 1, "Tier 2": 2, "Tier 2 Watch List": 3, "Tier 3": 4}
COVERAGE_NOTE = ("The tier table holds every 2024 Tier 3, Tier 2 Watch List and Special Case country, "
                 "but only some Tier 1 and Tier 2 countries.")


class InputError(ValueError):
    pass


def clean_question(q: str, max_chars: int) -> str:
    if q is None:
        raise InputError("The question is empty.")
    q = unicodedata.normalize("NFKC", str(q))
    q = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in q)
    q = " ".join(q.split())
    if not q:
        raise InputError("The question is empty: type a question about the 2024 TIP Report.")
    if len(q) > max_chars:
        raise InputError(f"The question is {len(q)} characters long; the limit is {max_chars}. Shorten it.")
    if not re.search(r"[A-Za-z]", q):
        raise InputError("The question has no words in it.")
    return q


class Agent:
    def __init__(self, settings: Settings, mode: str = "default", embedder: Embedder | None = None):
        if mode not in ("default", "llm"):
            raise ValueError("mode must be 'default' or 'llm'")
        self.settings, self.mode = settings, mode
        self._embedder = embedder
        self._graph: Graph | None = None
        self._lock = threading.Lock()
        self._linker: EntityLinker | None = None
        self._version, self._checked_at = "", 0.0  # of the corpus the linker and term weights were built from
        self._llm = None

    # -- set-up, lazily, so a Neo4j that is down now can be up at the next question ------------
    def _ensure(self) -> None:
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder()
            if self._graph is None:
                self._graph = Graph(self.settings)
                self.tools = GraphTools(self._graph)
                self.store = VectorStore(self.settings)
                self.hybrid = HybridRetriever(DenseRetriever(self.store, self._embedder), KeywordRetriever(self.tools),
                                              GraphRetriever(self.tools))
                self.cache = compose.SentenceCache(self._embedder)
            now = time.monotonic()
            if self._linker is not None and now - self._checked_at >= self.settings.refresh_seconds:
                # A long-lived process (the UI) picks up a re-ingest without a restart.
                self._checked_at = now
                if self.tools.corpus_version() != self._version:
                    self._linker = None
            if self._linker is None:
                self._version = self.tools.corpus_version()
                self._checked_at = now
                df = self.tools.entity_frequency()
                weights = compose.TermWeights(self.tools.all_passage_texts())
                self._linker, self._entity_df, self._weights = EntityLinker(self.tools.entity_index()), df, weights

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()

    def status(self) -> dict[str, str]:
        out = {}
        try:
            self._ensure()
            self._graph.ping()
            out["neo4j"] = "ok"
        except Neo4jUnavailable as exc:
            out["neo4j"] = str(exc)
            self._linker = None
        except ChromaUnavailable as exc:
            out["neo4j"] = "unknown"
            out["chroma"] = str(exc)
        if "chroma" not in out:
            try:
                out["chroma"] = f"ok ({self.store.count()} passages)" if self._graph else "not opened"
            except Exception as exc:  # noqa: BLE001 - status must never raise
                out["chroma"] = f"error: {exc}"
        out["model"] = "all-MiniLM-L6-v2 (offline)" if self._embedder else "not loaded"
        out["llm"] = self.settings.llm_provider
        return out

    # -- the one public call -------------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        t0 = time.perf_counter()
        try:
            q = clean_question(question, self.settings.max_question_chars)
        except InputError as exc:
            return Answer(question=str(question or "")[:200], answer=str(exc), abstained=True, shape="invalid",
                          error=str(exc))
        try:
            self._ensure()
            u = understand(q, self._linker)
            answer = self._answer(u)
            if self.mode == "llm":
                from retrieval.llm import rewrite_with_llm

                answer = rewrite_with_llm(self, u, answer)
        except Neo4jUnavailable as exc:
            self._linker = None  # re-read the entity index once Neo4j is back
            return Answer(question=q, answer=f"The knowledge graph is unavailable: {exc}", abstained=True,
                          shape="error", error=str(exc))
        except (ChromaUnavailable, ModelMissing) as exc:
            return Answer(question=q, answer=str(exc), abstained=True, shape="error", error=str(exc))
        except Exception as exc:
            log.exception("answering failed for %r", q)
            return Answer(question=q, answer="Something went wrong while answering; the error was logged.",
                          abstained=True, shape="error", error=f"{type(exc).__name__}: {exc}")
        answer = self._verify(answer)
        if not answer.retrieved and answer.citations:  # a graph template's evidence is what it cites
            answer.retrieved = [RetrievedPassage(passage_id=c.passage_id, document=c.document, score=1.0)
                                for c in answer.citations if c.passage_id]
        answer.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 1)
        return answer

    # -- shapes --------------------------------------------------------------------------------
    def _answer(self, u: Understanding) -> Answer:
        missing = self._unknown_terms(u)
        if missing:  # a name no source contains: nothing to look up, whatever the shape
            return Answer(question=u.question, shape=u.shape, abstained=True,
                          answer=f"The sources don't mention {', '.join(missing)}. They cover the 2024 TIP Report: "
                                 f"its trends, the ten TIP Report Heroes, and 2023/2024 tier placements.")
        if u.shape == "tier_change" and re.match(r"\s*(why|how come|for what reason|what (led|caused))", u.question, re.IGNORECASE):
            # A reason is text, not a table cell: answer from the passages when they give one.
            text = self._text_answer(u)
            if not text.abstained:
                return text
        if u.shape == "hero_fact" and re.match(r"\s*(who is|who's|who was|tell me about|describe)\b", u.question, re.IGNORECASE):
            who = self._hero_who(u)
            if who is not None:
                return who
        handler = {
            "tier_lookup": self._tier_lookup,
            "tier_change": self._tier_lookup,
            "tier_list": self._tier_list,
            "tier_count": self._tier_list,
            "tier_changes_all": self._tier_changes_all,
            "hero_list": self._hero_list,
            "heroes_by_country": self._heroes_by_country,
            "heroes_in_tier": self._heroes_in_tier,
            "tier_of_hero_country": self._tier_of_hero_country,
            "source_outlet": self._source_outlet,
        }.get(u.shape)
        if handler is not None:
            result = handler(u)
            if result is not None:
                return result
        return self._text_answer(u)

    def _table_cite(self, cites: list[Citation], row: int, source: str) -> int:
        for c in cites:
            if c.passage_id is None and c.start == row:
                return c.n
        n = len(cites) + 1
        cites.append(table_citation(n, self.settings.tiers_csv, row, source))
        return n

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
                   f"table,{premise or ' so in 2024 it was on Tier 1 or Tier 2, but the sources do not say which'}.")
            if premise:
                msg = msg.rstrip(".") + " in 2024 (it was on Tier 1 or Tier 2)."
            return Answer(question=u.question, answer=msg, abstained=True, shape=u.shape)
        by_year = {p["year"]: p for p in info["placements"]}
        parts = []
        for year in (2024, 2023):
            p = by_year.get(year)
            if p:
                n = self._table_cite(cites, p["row"], p["source"])
                facts.append(GraphFact(subject=info["country"], predicate="PLACED_IN", object=p["tier"], year=year,
                                       source=p["source"], citation=n))
                parts.append((year, p["tier"], n))
        t24 = by_year.get(2024, {}).get("tier")
        t23 = by_year.get(2023, {}).get("tier")
        if t24 and t23:
            if t24 == t23:
                move = f"{info['country']} stayed on {t24} in 2024, as in 2023"
            elif t24 in TIER_ORDER and t23 in TIER_ORDER:
                word = "upgraded" if TIER_ORDER[t24] < TIER_ORDER[t23] else "downgraded"
                move = f"{info['country']} was {word} from {t23} (2023) to {t24} (2024)"
            else:
                move = f"{info['country']} moved from {t23} (2023) to {t24} (2024)"
            refs = "".join(f"[{n}]" for _, _, n in parts[:1])
            text = f"{move} {refs}."
            # A false premise ("why was X downgraded") gets a plain correction.
            asked_dir = re.search(r"\b(upgrad|downgrad)", u.question, re.IGNORECASE)
            if asked_dir and t24 in TIER_ORDER and t23 in TIER_ORDER:
                actual = "upgrad" if TIER_ORDER[t24] < TIER_ORDER[t23] else ("downgrad" if t24 != t23 else "same")
                if actual != asked_dir.group(1).lower():
                    return Answer(question=u.question, answer=f"The question's premise is wrong: {text}",
                                  abstained=True, citations=cites, graph_facts=facts, shape=u.shape)
            asked_tier = u.of("Tier")
            if asked_tier and asked_tier[0].name not in (t24, t23) and not asked_dir:
                text = f"No. {text}"
        else:
            year, tier, n = parts[0]
            text = f"{info['country']} was on {tier} in {year} [{n}]."
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
        if not rows:
            return Answer(question=u.question, answer=f"The sources list no {tier} countries for {year}.",
                          abstained=True, shape=u.shape)
        items = []
        for r in rows:
            n = self._table_cite(cites, r["row"], r["source"])
            facts.append(GraphFact(subject=r["country"], predicate="PLACED_IN", object=tier, year=year,
                                   source=r["source"], citation=n))
            items.append(f"{r['country']} [{n}]")
        if u.shape == "tier_count":
            if complete:
                return Answer(question=u.question, answer=f"{len(rows)} countries were on {tier} in {year}: "
                              + ", ".join(items) + ".", abstained=False, citations=cites, graph_facts=facts,
                              shape=u.shape)
            total = info.get("report_total")
            extra = f" The report placed {total} countries on {tier} in 2024, per the source of the table's Australia row." \
                if total and year == 2024 else ""
            return Answer(question=u.question, abstained=True, shape=u.shape, citations=[], graph_facts=facts,
                          answer=f"The sources don't give the full count. The tier table lists only {len(rows)} "
                                 f"{tier} countries for {year} ({COVERAGE_NOTE}){extra}")
        head = f"{tier} in {year}" + ("" if complete else f" (the table lists only some; {len(rows)} shown)")
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
                from_tier = re.search(rf"from\s+(the\s+)?{re.escape(t.surface)}", u.question, re.IGNORECASE)
                if (from_tier and r["tier_2023"] != t.name) or (not from_tier and r["tier_2024"] != t.name):
                    break
            else:
                n = self._table_cite(cites, r["row"], r["source"])
                items.append(f"{r['country']} ({r['tier_2023']} → {r['tier_2024']}) [{n}]")
        if not items:
            return None
        label = {"up": "Upgraded", "down": "Downgraded", None: "Changed tier"}[want]
        return Answer(question=u.question, answer=f"{label} from 2023 to 2024, among the countries in the tier "
                      f"table: " + "; ".join(items) + ".", abstained=False, citations=cites, shape=u.shape)

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
        i, j = compose.sentence_with(row, [hero["name"], surname(hero["name"])])
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
            return Answer(question=u.question, abstained=True, shape=u.shape,
                          answer=f"None of the 2024 TIP Report Heroes in the sources works in {names}.")

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
            return Answer(question=u.question, abstained=True, shape=u.shape,
                          answer=f"None of the 2024 TIP Report Heroes works in a country the tier table places on "
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
            return Answer(question=u.question, abstained=True, shape=u.shape, citations=cites,
                          answer=f"{target['name']} works in {target['country']}{ref}, but the sources don't give "
                                 f"{target['country']}'s tier. {COVERAGE_NOTE}")
        m = self._table_cite(cites, target["tier_row"], target["tier_source"])
        return Answer(question=u.question, abstained=False, shape=u.shape, citations=cites,
                      graph_facts=[GraphFact(subject=target["country"], predicate="PLACED_IN",
                                             object=target["tier_2024"], year=2024, source=target["tier_source"],
                                             citation=m)],
                      answer=f"{target['name']} works in {target['country']}{ref}, which was on "
                             f"{target['tier_2024']} in 2024 [{m}].")

    def _hero_who(self, u: Understanding) -> Answer | None:
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

    # -- free text -----------------------------------------------------------------------------
    def _source_outlet(self, u: Understanding) -> Answer:
        """Who published what the question describes: the best passage's document, plus the outlets
        whose articles carry the same cited text. Outlets are document metadata, found by cleaning
        (bylines, "Source:" lines); a file without one is named by its title instead of a guess."""
        found = self._text_answer(u)
        if found.abstained or not found.citations:
            return found
        c = found.citations[0]
        rows = self.tools.passages([c.passage_id])
        dups = rows.get(c.passage_id, {}).get("dups") or []
        carriers = [(c.outlet, c.title, c.document)] + sorted(
            {(d.get("outlet") or "", d.get("title") or d["file"], d["file"]) for d in dups if d["file"] in c.also_in})
        named = list(dict.fromkeys(o for o, _, _ in carriers if o))
        unnamed = [f"“{t}” ({f})" for o, t, f in carriers if not o]
        parts = []
        if named:
            parts.append(f"{' and '.join(named)} carried it")
        if unnamed:
            parts.append(("so did " if named else "It appears in ") + ", ".join(unnamed) +
                         (", whose outlet the file does not name" if len(unnamed) == 1
                          else ", whose outlets the files do not name"))
        text = "; ".join(parts) + f": {c.quote} [{c.n}]"
        return found.model_copy(update={"answer": text[0].upper() + text[1:]})

    def _text_answer(self, u: Understanding) -> Answer:
        t = time.perf_counter()
        qvec = self._embedder.embed_one(u.question)
        focus = [e for e in u.entities if e.label != "Tier" and self._entity_df.get(e.key, 0.0) < 0.25]
        hits = self.hybrid.search(u.question, entity_keys=[e.key for e in focus], k=10, vector=qvec)
        rows_by_id = self.tools.passages([h.passage_id for h in hits])
        timings = {"retrieve": round((time.perf_counter() - t) * 1000, 1)}
        rows, seen_dups = [], set()
        retrieved = []
        for h in hits:
            r = rows_by_id.get(h.passage_id)
            if not r:
                continue
            retrieved.append(RetrievedPassage(passage_id=h.passage_id, document=r["file"], score=round(h.score, 5)))
            if h.passage_id in seen_dups:
                continue  # a near-copy of a passage already kept
            seen_dups.update(d["passage_id"] for d in r["dups"] if d.get("passage_id"))
            rows.append(r)
        base = dict(question=u.question, shape=u.shape, retrieved=retrieved, timings_ms=timings)
        boost = set()
        for h in u.of("Hero"):
            boost.update(r["passage_id"] for r in rows if surname(h.name).lower() in r["text"].lower())
        scored = compose.score_sentences(u, qvec, rows[:8], self.cache, boost, self._entity_df, self._weights)
        t2 = time.perf_counter()
        chosen = compose.pick(scored)
        timings["compose"] = round((time.perf_counter() - t2) * 1000, 1)
        named = [e for e in focus if e.label in ("Country", "Actor", "Hero")]
        on_topic = bool(chosen) and any(self._in_sentence(c, e) for c in chosen for e in named)
        threshold = compose.MIN_SCORE_ON_TOPIC if on_topic else compose.MIN_SCORE
        if not chosen or chosen[0].score < threshold:
            return Answer(**base, abstained=True,
                          answer=f"The sources don't say. {self._coverage_hint(rows)}")
        absent_years = [y for y in u.years if y != 2024 and not any(str(y) in c.row["text"] for c in chosen)]
        if absent_years:
            return Answer(**base, abstained=True,
                          answer=f"The sources don't say anything about {', '.join(map(str, absent_years))} on this. "
                                 f"{self._coverage_hint(rows)}")
        if named and not on_topic:
            # The best sentence is about something else: look for one that names the entity.
            alt = [s for s in scored if any(self._in_sentence(s, e) for e in named)]
            if alt and alt[0].score >= compose.MIN_SCORE_ON_TOPIC and chosen[0].score - alt[0].score <= 0.15:
                chosen = compose.pick(alt)
            elif chosen[0].score >= compose.MIN_SCORE + 0.15:
                pass  # strong evidence that does not repeat the name ("it announced ...") stands
            else:
                return Answer(**base, abstained=True, answer=f"The sources don't say this about "
                              f"{', '.join(e.name for e in named)}. {self._coverage_hint(rows)}")
        cites = []
        parts = []
        for s in chosen:
            n = len(cites) + 1
            cites.append(passage_citation(n, s.row, s.i, s.j))
            parts.append(f"{cites[-1].quote} [{n}]")
        return Answer(**base, abstained=False, answer=" ".join(parts), citations=cites)

    @staticmethod
    def _in_sentence(s, e) -> bool:
        """The sentence names the entity, or opens on a pronoun right after the sentence that does."""
        def names(text: str) -> bool:
            low = fold(text)
            forms = {fold(e.surface), fold(e.name)} | {fold(a) for a in e.aliases if len(a) > 3 or a.isupper()}
            if e.label == "Hero":  # people are also named by surname alone
                forms.add(fold(surname(e.name)))
            return any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", low) for f in forms)

        if names(s.text):
            return True
        spans = [(a, b) for a, b in sentence_spans(s.row["text"]) if b <= s.i]
        prev = s.row["text"][spans[-1][0]:spans[-1][1]] if spans else ""
        return bool(re.match(r"\W*(she|he|they|her|his|their|it|its)\b", s.text, re.IGNORECASE)) and names(prev)

    def _unknown_terms(self, u: Understanding) -> list[str]:
        """Capitalised names in the question that no passage contains at all."""
        missing = []
        for term in dict.fromkeys(u.proper_terms):
            q = lucene_query(term)
            if q and not self.tools.term_exists(q):
                missing.append(term)
        return missing

    @staticmethod
    def _coverage_hint(rows: list[dict]) -> str:
        titles = list(dict.fromkeys(r["title"] for r in rows if r.get("title")))[:3]
        if not titles:
            return "No passage in the sources is close to this question."
        return "The closest passages are from: " + "; ".join(titles) + "."

    # -- the citation check, for every mode ----------------------------------------------------
    def _verify(self, answer: Answer) -> Answer:
        pids = [c.passage_id for c in answer.citations if c.passage_id]
        rows = self.tools.passages(pids) if pids else {}  # re-read: the check trusts the store, not the composer
        checked = []
        for c in answer.citations:
            row = rows.get(c.passage_id) if c.passage_id else None
            ok = verify(c, row["text"] if row else None, row["path"] if row else None, self.settings.tiers_csv)
            checked.append(c.model_copy(update={"verified": ok}))
        answer = answer.model_copy(update={"citations": checked})
        final = finalize(answer)
        if not final.abstained and not final.citations:
            return final.model_copy(update={"abstained": True, "answer": "The sources don't say (no verifiable "
                                                                         "evidence was found)."})
        return final
