"""The answerer. `Agent(settings).ask(question) -> Answer`.

  validate -> understand (entities, shape, answer type, parts) -> a graph template for graph-shaped
  questions (retrieval/templates.py) -> else hybrid retrieval -> the text reader (retrieval/reader.py:
  units, context, cross-encoder, slot filling) -> abstention with a reason (retrieval/abstain.py)
  -> verified citations (retrieval/citations.py).

Default mode uses no LLM; `mode="llm"` hands the same evidence to a chat model (retrieval/llm.py)
and keeps only what passes the same citation check.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from kg.driver import Graph, Neo4jUnavailable
from kg.settings import Settings
from retrieval.abstain import SOURCES_DONT_SAY, Reason, abstain
from retrieval.answer_types import AnswerType, EntityTagger
from retrieval.citations import finalize, passage_citation, verify
from retrieval.decompose import (
    Clue,
    Part,
    ask_about,
    decompose,
    find_clue,
    is_comparison,
    part_year,
    self_contained,
)
from retrieval.graph_tools import GraphTools, NothingIngested
from retrieval.models import Answer, Citation, GraphFact, RetrievedPassage
from retrieval.premises import contradicts, evidence_says_no
from retrieval.question_input import InputError, clean_question
from retrieval.reader import MAX_QUOTE, Candidate, Reader, entity_forms, quote_span, subject_of
from retrieval.retrievers import (
    FOCUS_MAX_DF,
    DenseRetriever,
    GraphRetriever,
    HybridRetriever,
    KeywordRetriever,
    entity_aware_search,
    lucene_query,
)
from retrieval.templates import Templates
from retrieval.understand import (
    GENERIC,
    STOPWORDS,
    EntityLinker,
    Shape,
    Understanding,
    main_clause,
    understand,
)
from stores.embeddings import Embeds, ModelMissing
from stores.query_embedder import has_onnx_export, query_embedder
from stores.reranker import DenseScorer, Reranker, RerankerMissing
from stores.vectorstore import ChromaUnavailable, VectorStore
from text.countries import with_bare_names, world_countries
from text.names import fold
from text.shingles import containment, shingles

log = logging.getLogger("tipkg.agent")

_TYPE_PHRASE = {
    AnswerType.QUANTITY: "a number", AnswerType.DATE: "a date or year", AnswerType.DURATION: "a duration",
    AnswerType.PERSON: "who", AnswerType.ORGANIZATION: "which organisation", AnswerType.PLACE: "the place",
    AnswerType.LAW: "which law", AnswerType.PLAN: "which plan or programme", AnswerType.TIER: "the tier",
    AnswerType.KIND: "what kind",
}
# "Which (of the) chapters / countries / governments ... X": a list of document subjects
_BY_DOCUMENT = re.compile(r"\bwhich (?:of (?:the|these) )?(?:chapters|countries|governments|nations|reports)\b|"
                          r"\bwhich countries['’] chapters\b|\b(?:list|name) the (?:chapters|countries)\b", re.IGNORECASE)
MAX_TOPIC_PASSAGES = 30
MAX_TOPIC_UNITS = 60
TOPIC_MIN = 0.0  # cross-encoder logit: the unit is about the topic asked
OUTLET_MARGIN = 1.5  # reader score a passage of a named outlet may trail the best by, for "which outlet"
MIN_PART_QUOTE = 150  # characters a part of a multi-part answer may always quote
# nouns a question uses to ask, which the documents need not contain ("is that a *change* from its
# previous *placement*", "what was her *profession*")
_ASKING_NOUNS = {"change", "changes", "placement", "ranking", "rank", "status", "standing", "number", "amount",
                 "share", "percentage", "proportion", "kind", "type", "sort", "form", "reason", "reasons", "role",
                 "name", "profession", "job", "purpose", "detail", "details", "example", "examples", "outcome",
                 "result", "results", "effect", "impact", "difference", "comparison", "trend", "figure", "total",
                 "count", "rate", "level", "size", "scale", "source", "answer", "question", "mention", "way", "ways"}
ABSENT_NOUNS = 2  # nouns of the question no source contains, beyond which its topic is not in the sources
# Parts of a question that list from the graph: asked as questions of their own (Agent._parts_as_questions).
_LISTING_SHAPES = {Shape.TIER_PEERS, Shape.TIER_LIST, Shape.TIER_COUNT, Shape.TIER_CHANGES_ALL}
NEAR_COPY = 0.6  # share of a passage's shingles found in one already kept: the same article, re-published
def renumber(answer: Answer, offset: int) -> Answer:
    """An answer's citations moved up by `offset`, markers and all, to follow another's."""
    if not offset:
        return answer
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", answer.answer)
    cites = [c.model_copy(update={"n": c.n + offset}) for c in answer.citations]
    facts = [f.model_copy(update={"citation": f.citation + offset}) if f.citation else f for f in answer.graph_facts]
    return answer.model_copy(update={"answer": text, "citations": cites, "graph_facts": facts})


class Agent:
    def __init__(self, settings: Settings, mode: str = "default", embedder: Embeds | None = None,
                 reranker: Reranker | None = None, chat_model=None):
        if mode not in ("default", "llm"):
            raise ValueError("mode must be 'default' or 'llm'")
        self.settings, self.mode = settings, mode
        self._embedder, self._reranker = embedder, reranker
        self._graph: Graph | None = None
        self._store: VectorStore | None = None
        self._lock = threading.Lock()
        self._linker: EntityLinker | None = None
        self._version, self._checked_at = "", 0.0  # of the corpus the linker and the store were opened on
        # LLM mode's chat model: one handed in (any LangChain chat model), or the configured provider's,
        # made on first use (retrieval/llm.py)
        self.llm = chat_model
        # No torch in an answering process that has the ONNX question model: spaCy can skip importing it.
        self._tagger = EntityTagger(hide_torch=embedder is None and has_onnx_export(settings.cache_dir))
        self.reader: Reader | None = None

    # -- the public surface the UI, evals and bench use ----------------------------------------
    @property
    def graph(self) -> Graph:
        self.ensure()
        return self._graph

    @property
    def store(self) -> VectorStore:
        self.ensure_text()
        return self._store

    @property
    def embedder(self) -> Embeds:
        self.ensure_text()
        return self._embedder

    @property
    def corpus_version(self) -> str:
        return self._version

    # -- set-up, lazily, so a Neo4j that is down now can be up at the next question ------------
    def ensure(self) -> None:
        """Open the graph and the entity index (no models: a graph-template answer needs none)."""
        with self._lock:
            if self._graph is None:
                self._graph = Graph(self.settings)
                self.tools = GraphTools(self._graph)
                self.templates = Templates(self.tools, self.settings)
            now = time.monotonic()
            if self._linker is not None and now - self._checked_at >= self.settings.refresh_seconds:
                # A long-lived process (the UI) picks up a re-ingest or a repair without a restart:
                # the entity index, the term statistics and the vector store are all reopened.
                self._checked_at = now
                if self.tools.corpus_version() != self._version:
                    self._linker = None
            if self._linker is None:
                if not self.tools.ingested():
                    raise NothingIngested(f"The graph at {self.settings.bolt_uri} holds no documents yet: "
                                          f"run `tipkg ingest` first.")
                self._version = self.tools.corpus_version()
                self._checked_at = now
                if self._store is not None:
                    self._store.close()
                self._store = None
                self._entity_df = self.tools.entity_frequency()
                known = with_bare_names(self.tools.entity_index(),
                                        {k for k, df in self._entity_df.items() if df > 0})
                in_graph = {r["key"] for r in known if r["label"] == "Country"}
                # countries the corpus lacks still link, so "Japanese heroes" is about Japan (and none)
                world = [{**r, "aliases": r["aliases"] + r["demonyms"]} for r in world_countries()
                         if r["key"] not in in_graph]
                self._linker = EntityLinker(known + world)

    def ensure_text(self) -> None:
        """The models and the vector store, loaded on the first question that reads text."""
        self.ensure()
        with self._lock:
            if self._embedder is None:
                self._embedder = query_embedder(self.settings.cache_dir)
            if self._reranker is None:
                self._reranker = Reranker() if self.settings.reranker else DenseScorer(self._embedder)
            if self.reader is None:
                self.reader = Reader(self._reranker, self._tagger)
            if self._store is not None and self._store.replaced():
                # Deleted or swapped under us by another process: this process's Chroma client would go
                # on reading the old files through its open handles, or fail on them.
                self._store.close()
                self._store = None
            if self._store is None:
                self._store = VectorStore(self.settings, create=False)
                self.hybrid = HybridRetriever(DenseRetriever(self._store, self._embedder),
                                              KeywordRetriever(self.tools), GraphRetriever(self.tools))

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()

    def status(self) -> dict[str, str]:
        """What the UI's banner shows. The graph is asked on its own first, so a missing or broken vector
        store is named as itself and never makes Neo4j look down."""
        out: dict[str, str] = {}
        try:
            self.ensure()
            self._graph.ping()
            out["neo4j"] = "ok"
            out["graph passages"] = str(self.tools.passage_count())
        except Neo4jUnavailable as exc:
            out["neo4j"] = str(exc)
            self._linker = None
        except NothingIngested as exc:
            out["neo4j"] = f"ok, but {exc}"
            self._linker = None
        try:
            if out["neo4j"] == "ok":
                self.ensure_text()  # reopens a store that was deleted or replaced, or says it is missing
            if self._store is None:
                out["chroma"] = "not opened"
            else:
                n = self._store.count()
                out["chroma"], out["chroma passages"] = f"ok ({n} passages)", str(n)
        except ChromaUnavailable as exc:
            out["chroma"] = str(exc)
            self._linker = None
        except (ModelMissing, RerankerMissing) as exc:
            out["chroma"], out["model"] = "not opened", str(exc)
        except Exception as exc:  # noqa: BLE001 - status must never raise
            out["chroma"] = f"error: {exc}"
            self._linker = None
        if "graph passages" in out and "chroma passages" in out:
            out["stores agree"] = "yes" if out["graph passages"] == out["chroma passages"] else \
                "no: run `tipkg doctor --repair`"
        out.setdefault("model", "all-MiniLM-L6-v2 + ms-marco-MiniLM-L-12-v2 (offline)" if self._embedder
                       else "not loaded yet")
        out["llm"] = self.settings.llm_provider
        return out

    # -- the one public call -------------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        t0 = time.perf_counter()
        try:
            q = clean_question(question, self.settings.max_question_chars)
        except InputError as exc:
            return abstain(str(question or "")[:200], Reason.INVALID_QUESTION, str(exc), shape="invalid",
                           error=str(exc))
        try:
            self.ensure()
            u = understand(q, self._linker)
            answer = self._answer(u)
            if self.mode == "llm":
                answer = self._llm(u, answer)
            answer = self._verify(answer)
        except Neo4jUnavailable as exc:
            self._linker = None  # re-read the entity index once Neo4j is back
            return abstain(q, Reason.ERROR, f"The knowledge graph is unavailable: {exc}", shape="error", error=str(exc))
        except (ChromaUnavailable, ModelMissing, RerankerMissing, NothingIngested) as exc:
            self._linker = None  # reopen the store at the next question: it may have been rebuilt
            return abstain(q, Reason.ERROR, str(exc), shape="error", error=str(exc))
        except Exception as exc:
            log.exception("answering failed for %r", q)
            self._linker = None
            return abstain(q, Reason.ERROR, "Something went wrong while answering; the error was logged.",
                           shape="error", error=f"{type(exc).__name__}: {exc}")
        if not answer.retrieved and answer.citations:  # a graph template's evidence is what it cites
            answer.retrieved = [RetrievedPassage(passage_id=c.passage_id, document=c.document, score=1.0)
                                for c in answer.citations if c.passage_id]
        answer.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 1)
        return answer

    # -- routing -------------------------------------------------------------------------------
    def _answer(self, u: Understanding, depth: int = 0) -> Answer:
        missing = self._unknown_focus(u)
        if missing:  # the question is about a name no source contains: nothing to look up
            return abstain(u.question, Reason.UNKNOWN_NAME, shape=u.shape,
                           message=f"{SOURCES_DONT_SAY}: they don't mention {', '.join(missing)}. They cover the "
                                   f"2024 TIP Report: its trends, the TIP Report Heroes, tier placements and the "
                                   f"country chapters that were ingested.")
        absent = self._absent_nouns(u) if u.shape in (Shape.FACT, Shape.HERO_FACT) else []
        if len(absent) >= ABSENT_NOUNS:
            return abstain(u.question, Reason.UNKNOWN_TERMS, shape=u.shape,
                           message=f"{SOURCES_DONT_SAY}: no ingested document mentions "
                                   f"{' or '.join(f'“{n}”' for n in absent)}.")
        if depth == 0:
            clue = find_clue(u.question)
            if clue is not None:
                found = self._clue_answer(u, clue)
                if found is not None:
                    return found
            if is_comparison(u.question, len(u.of("Country"))) and u.shape is Shape.FACT:
                return self._compare(u)
        parts = decompose(u.question)
        if len(parts) > 1 and depth == 0:
            asked = self._parts_as_questions(u, parts)
            if asked is not None:
                return asked
        if len(parts) > 1 and u.shape in (Shape.FACT, Shape.HERO_FACT, Shape.TIER_LOOKUP, Shape.TIER_CHANGE):
            return self._multi_part(u, parts)
        if u.shape in (Shape.TIER_CHANGE, Shape.TIER_LOOKUP) and parts[0].answer_type is AnswerType.REASON:
            # "Why was X downgraded" presupposes a move: the graph checks it before any reason is read.
            placed = self.templates.answer(u)
            if placed is not None and placed.abstain_reason == Reason.FALSE_PREMISE.value:
                return placed
            # A reason is text, not a table cell: answer from the passages when they give one.
            text = self._text_answer(u, parts[0])
            if not text.abstained:
                return text
        if u.shape is Shape.HERO_FACT and re.match(r"\s*(who is|who's|who was|tell me about|describe)\b",
                                                     u.question, re.IGNORECASE):
            who = self.templates.hero_who(u)
            if who is not None:
                return who
        if u.shape is Shape.SOURCE_OUTLET:
            return self._source_outlet(u, parts[0])
        result = self.templates.answer(u)
        if result is not None:
            return result
        if u.shape is Shape.FACT and _BY_DOCUMENT.search(u.question):
            listed = self._subjects_about(u)
            if listed is not None:
                return listed
        return self._text_answer(u, parts[0])

    # -- questions in two steps -----------------------------------------------------------------
    def _clue_answer(self, u: Understanding, clue: Clue) -> Answer | None:
        """Find the country the question describes, then answer the rest about it by name, one
        citation per step. None when no country fits the description (the question is then answered
        as it stands)."""
        cu = understand(clue.text, self._linker)
        rows, retrieved, timings = self._retrieve(cu)
        reading, terms = self._read(cu, Part(clue.text, AnswerType.COUNTRY, False, True), rows)
        if not reading.chosen:
            return None
        best = reading.chosen[0]
        name = subject_of(best.row) or next((f.text for f in best.fillers), "")
        linked = [e for e in self._linker.link(name) if e.label == "Country"] if name else []
        if not linked:
            return None
        name = linked[0].name
        budget = MAX_QUOTE if not clue.rest else MAX_QUOTE // 2
        cite = self._cite(1, best, terms, budget - len(name) - 2)
        first = f"{name}: {cite.quote} [1]"
        base = dict(shape=u.shape, retrieved=retrieved, timings_ms=timings)
        if not clue.rest:
            return Answer(question=u.question, answer=first, abstained=False, citations=[cite],
                          answer_type=AnswerType.COUNTRY.value, **base)
        sub = self._answer(understand(ask_about(clue, name), self._linker), depth=1)
        sub = renumber(sub, 1)
        if sub.answer.startswith(f"{name}: "):  # the first step already named it
            sub = sub.model_copy(update={"answer": sub.answer[len(name) + 2:]})
        cites = [cite, *sub.citations]
        if sub.abstained:
            return abstain(u.question, Reason.PART_MISSING, f"{first} {sub.answer}", citations=cites,
                           graph_facts=sub.graph_facts, **base)
        return Answer(question=u.question, answer=f"{first} {sub.answer}", abstained=False, citations=cites,
                      graph_facts=sub.graph_facts, answer_type=sub.answer_type, **base)

    def _compare(self, u: Understanding) -> Answer:
        """Two or more named countries side by side: the question answered for each on its own."""
        countries = u.of("Country")[:3]
        budget = max(MIN_PART_QUOTE, MAX_QUOTE // len(countries))
        part = decompose(u.question)[0]
        said, cites, missing, retrieved = [], [], [], []
        for e in countries:
            one = Understanding(u.question, u.shape, [x for x in u.entities if x.label != "Country" or x is e],
                                u.years, u.keywords, u.proper_terms)
            got = self._text_answer(one, part, budget)
            retrieved += got.retrieved
            if got.abstained or not got.citations:
                missing.append(e.name)
                continue
            got = renumber(got, len(cites))
            cites += got.citations
            text = got.answer if fold(e.name) in fold(got.answer) else f"{e.name}: {got.answer}"
            said.append(text)
        base = dict(shape=u.shape, retrieved=retrieved, citations=cites)
        if not said:
            return abstain(u.question, Reason.WEAK_EVIDENCE, f"{SOURCES_DONT_SAY} this about "
                           f"{' or '.join(e.name for e in countries)}.", **base)
        text = " ".join(said)
        if missing:
            return abstain(u.question, Reason.PART_MISSING, f"{text} {SOURCES_DONT_SAY} this about "
                           f"{' or '.join(missing)}.", **base)
        return Answer(question=u.question, answer=text, abstained=False, **base)

    def _subjects_about(self, u: Understanding) -> Answer | None:
        """"Which chapters / countries mention X": every document subject with a unit about X, each cited."""
        self.ensure_text()
        hits = self.hybrid.search(u.question, k=MAX_TOPIC_PASSAGES, vector=self._embedder.embed_one(u.question))
        rows = [r for r in self.tools.passages([h.passage_id for h in hits]).values() if subject_of(r)]
        if not rows:
            return None
        terms = {w.lower()[:6] for w in u.keywords}
        cands = self.reader.candidates(rows, terms, limit=MAX_TOPIC_UNITS)
        best: dict[str, Candidate] = {}
        for c, score in zip(cands, self._reranker.score(u.question, [f"{subject_of(c.row)}: {c.text}" for c in cands])):
            c.rerank = score
            subject = subject_of(c.row)
            if score >= TOPIC_MIN and (subject not in best or score > best[subject].rerank):
                best[subject] = c
        if not best:
            return abstain(u.question, Reason.WEAK_EVIDENCE, shape=u.shape,
                           message=f"{SOURCES_DONT_SAY}: no ingested chapter is about this.")
        cites, items = [], []
        for subject, c in sorted(best.items()):
            n = len(cites) + 1
            cites.append(self._cite(n, c, terms))
            items.append(f"{subject} [{n}]")
        return Answer(question=u.question, answer=f"{len(items)} of the ingested chapters: " + "; ".join(items) + ".",
                      abstained=False, citations=cites, shape=u.shape, answer_type=AnswerType.LIST.value)

    # acronyms that are the report's own vocabulary, never a name to look up
    tools_known_acronyms = frozenset({"TIP", "US", "USA", "UN", "NGO", "NGOs", "TVPA", "DR"})

    def _asked_names(self, u: Understanding, plural_acronyms: bool = False) -> list[str]:
        """The question's capitalised words the graph does not know, and its acronyms ("IOM", "NGOs")."""
        rx = r"\b[A-Z]{2,6}s?\b" if plural_acronyms else r"\b[A-Z]{2,6}\b"
        acronyms = [w for w in re.findall(rx, u.question) if w not in self.tools_known_acronyms]
        return list(dict.fromkeys([*u.proper_terms, *acronyms]))

    def _unknown_focus(self, u: Understanding) -> list[str]:
        """Capitalised names in the question that no passage contains, when nothing else the question
        names is known: an unknown place beside a known country ("Moscow" in a question about Russia)
        is left to the reader."""
        if any(e.label in ("Country", "Actor", "Hero", "Trend") for e in u.entities):
            return []
        terms = self._asked_names(u, plural_acronyms=True)
        missing = [t for t in terms if (q := lucene_query(t)) and not self.tools.term_exists(q)]
        return missing if missing and len(missing) == len(terms) else []

    def _absent_nouns(self, u: Understanding) -> list[str]:
        """Nouns of the asked clause that no passage contains in any form (prefix match, US spelling): a
        question about "silk cocoon production" is not answered by the cotton harvest. One such noun may
        be a user's synonym; ABSENT_NOUNS of them mean the topic is not in the sources."""
        a, b = main_clause(u.question)
        covered = u.linked_words()
        out = []
        for n in dict.fromkeys(self._tagger.nouns(u.question[a:b])):
            low = n.lower()
            if len(low) < 4 or low in STOPWORDS or low in GENERIC or low in _ASKING_NOUNS or low in covered \
                    or not low.isalpha():
                continue
            # the word as the index analyses it (stemmed), its US spelling ("labour"), or a word it begins
            # with ("zone" for "zones")
            us = re.sub(r"our(?=s?$|ers?$|ed$|ing$)", "or", low)
            forms = dict.fromkeys([low, us, f"{low[:max(4, len(low) - 3)]}*", f"{us[:max(4, len(us) - 3)]}*"])
            if not self.tools.term_exists(" OR ".join(forms)):
                out.append(n)
        return out

    # -- text ----------------------------------------------------------------------------------
    def _focus(self, u: Understanding) -> list:
        return [e for e in u.entities if e.label != "Tier" and self._entity_df.get(e.key, 0.0) < FOCUS_MAX_DF]

    def _retrieve(self, u: Understanding) -> tuple[list[dict], list[RetrievedPassage], dict]:
        self.ensure_text()
        t = time.perf_counter()
        qvec = self._embedder.embed_one(u.question)
        hits = entity_aware_search(self.hybrid, self.tools, u.entities, self._entity_df, u.question, 10, qvec)
        rows_by_id = self.tools.passages([h.passage_id for h in hits])
        rows, kept, retrieved = [], [], []
        for h in hits:
            r = rows_by_id.get(h.passage_id)
            if not r:
                continue
            retrieved.append(RetrievedPassage(passage_id=h.passage_id, document=r["file"], score=round(h.score, 5)))
            # A passage mostly made of another kept one (an outlet's copy) adds nothing; one that only
            # shares a boilerplate sentence with it (chapters share many) is other evidence.
            own = shingles(r["text"])
            if any(containment(own, other) >= NEAR_COPY for other in kept):
                continue
            kept.append(own)
            rows.append(r)
        return rows, retrieved, {"retrieve": round((time.perf_counter() - t) * 1000, 1)}

    def _focus_subjects(self, u: Understanding) -> set[str]:
        return {f for e in u.entities if e.label == "Country" for f in entity_forms(e)}

    def _read(self, u: Understanding, part: Part, rows: list[dict]):
        terms = {w.lower()[:6] for w in u.keywords}
        focus = [e for e in self._focus(u) if e.label in ("Country", "Actor", "Hero")]
        return self.reader.read(u.question, part.answer_type, rows, focus, terms, self._focus_subjects(u),
                                slot_question=part.text, unlinked_names=self._named_terms(u)), terms

    def _named_terms(self, u: Understanding) -> list[str]:
        """Names the question gives that link to no entity (an agency, a programme): evidence that never
        mentions them is not about what was asked."""
        linked = u.linked_words()
        return [t for t in self._asked_names(u) if t.lower() not in linked]

    def _text_answer(self, u: Understanding, part: Part, budget: int = MAX_QUOTE) -> Answer:
        rows, retrieved, timings = self._retrieve(u)
        t = time.perf_counter()
        reading, terms = self._read(u, part, rows)
        timings["read"] = round((time.perf_counter() - t) * 1000, 1)
        base = dict(shape=u.shape, retrieved=retrieved, timings_ms=timings, answer_type=part.answer_type.value)
        if not reading.chosen:
            return self._refusal(u, reading, rows, base)
        absent_years = [y for y in u.years if y != 2024 and not any(str(y) in c.row["text"] for c in reading.chosen)]
        if absent_years:
            return abstain(u.question, Reason.MISSING_YEAR, **base,
                           message=f"{SOURCES_DONT_SAY} anything about {', '.join(map(str, absent_years))} on this. "
                                   f"{self._coverage_hint(rows)}")
        best = reading.chosen[0]
        cites = [self._cite(1, best, terms, budget - len(self._lead(best, u)))]
        if contradicts(u.question, cites[0].quote):
            return abstain(u.question, Reason.FALSE_PREMISE, citations=cites, **base,
                           message=f"The sources say otherwise: {self._lead(best, u)}{cites[0].quote} [1]")
        text = f"{self._lead(best, u)}{cites[0].quote} [1]"
        if part.answer_type is AnswerType.YESNO:
            text = ("No. " if evidence_says_no(u.question, cites[0].quote) else "Yes. ") + text
        return Answer(question=u.question, answer=text, abstained=False, citations=cites, **base)

    def _refusal(self, u: Understanding, reading, rows: list[dict], base: dict) -> Answer:
        best = reading.best
        if reading.reason == "NO_FILLER" and best is not None:
            cite = self._cite(1, best, set())
            what = _TYPE_PHRASE.get(reading.answer_type, "that detail")
            return abstain(u.question, Reason.NO_FILLER, citations=[cite], **base,
                           message=f"{SOURCES_DONT_SAY} {what}. The closest passage says: {cite.quote} [1]")
        if reading.reason == "OFF_TOPIC":
            named = ", ".join(e.name for e in self._focus(u)) or "this"
            return abstain(u.question, Reason.OFF_TOPIC, **base,
                           message=f"{SOURCES_DONT_SAY} this about {named}. {self._coverage_hint(rows)}")
        return abstain(u.question, Reason.WEAK_EVIDENCE, **base,
                       message=f"{SOURCES_DONT_SAY}. {self._coverage_hint(rows)}")

    @staticmethod
    def _cite(n: int, c: Candidate, terms: set[str], budget: int = MAX_QUOTE) -> Citation:
        i, j = quote_span(c, terms, budget)
        return passage_citation(n, c.row, i, j)

    @staticmethod
    def _lead(c: Candidate, u: Understanding) -> str:
        """A quote from a chapter that doesn't name its country is led by it: "Laos: The government ..."."""
        subject = subject_of(c.row)
        if subject and fold(subject) not in fold(c.text):
            return f"{subject}: "
        return ""

    def _multi_part(self, u: Understanding, parts: list[Part]) -> Answer:
        """Each part answered on its own, one citation per part; a part with no answer is named."""
        rows, retrieved, timings = self._retrieve(u)
        cites: list[Citation] = []
        facts: list[GraphFact] = []
        said: list[str] = []
        missing: list[str] = []
        used: dict[tuple[str, int], int] = {}  # a unit already quoted -> its place in `cites`
        used_fillers: list[list] = []
        country = next((e for e in u.entities if e.label == "Country"), None)
        country_name = country.name if country else ""
        terms = {w.lower()[:6] for w in u.keywords}
        for part in parts:
            if part.about_tier:
                continue
            reading, _ = self._read(u, part, rows)
            pq = self_contained(part.text, country.name) if country is not None else part.text
            if not reading.chosen and pq != part.text:
                # "..., and how many victims did it identify?": asked on its own, with the country named,
                # the part gets evidence of its own instead of the whole question's
                pu = understand(pq + "?", self._linker)
                reading, _ = self._read(pu, Part(pq, part.answer_type, False, part.asks_country),
                                        self._retrieve(pu)[0])
            if not reading.chosen:
                missing.append(part.text)
                continue
            c = reading.chosen[0]
            if not country_name:
                country_name = subject_of(c.row) or self._country_in(c.text)
            k = used.get((c.row["passage_id"], c.i))
            if k is not None:
                # One sentence answers two parts ("investigated three officials ..., and it convicted one
                # police officer"): its quote widens to hold both answers instead of the first one only.
                first = cites[k]
                c.fillers = [*c.fillers, *(f for f in used_fillers[k] if f not in c.fillers)]
                wide = self._cite(first.n, c, terms, MAX_QUOTE - len(self._lead(c, u)))
                cites[k], said[k] = wide, f"{self._lead(c, u)}{wide.quote} [{first.n}]"
                continue
            used[(c.row["passage_id"], c.i)] = len(cites)
            used_fillers.append(list(c.fillers))
            n = len(cites) + 1
            # several parts share one short answer: each quote gets its share of it
            budget = max(MIN_PART_QUOTE, MAX_QUOTE // max(1, len(parts)))
            cites.append(self._cite(n, c, terms, budget - len(self._lead(c, u))))
            said.append(f"{self._lead(c, u)}{cites[-1].quote} [{n}]")
        for part in parts:
            if not part.about_tier:
                continue
            tier_text = self._tier_sentence(country_name, cites, facts, part_year(part.text))
            if tier_text:
                said.append(tier_text)
            else:
                missing.append(part.text)
        base = dict(shape=u.shape, retrieved=retrieved, timings_ms=timings, citations=cites, graph_facts=facts)
        if not said:
            return abstain(u.question, Reason.WEAK_EVIDENCE, **base,
                           message=f"{SOURCES_DONT_SAY}. {self._coverage_hint(rows)}")
        text = " ".join(said)
        if missing:
            # Part of the question has no answer in the sources: say what they give and what they don't.
            text += f" {SOURCES_DONT_SAY} " + "; ".join(f"“{m}”" for m in missing) + "."
            return abstain(u.question, Reason.PART_MISSING, text, **base)
        return Answer(question=u.question, answer=text, abstained=False, **base)

    def _parts_as_questions(self, u: Understanding, parts: list[Part]) -> Answer | None:
        """A question whose parts want different kinds of answer from the graph ("which other chapter
        country shares X's tier ..., and for how many years has X been on it?"): each part asked as a
        question of its own, its pronouns naming the question's country, and the answers joined with their
        citations in order. None when no part needs a listing of the graph (the one-pass reader is better
        at parts that share the question's evidence)."""
        country = u.of("Country")[0].name if len(u.of("Country")) == 1 else ""
        asked = [understand(self_contained(p.text, country) + "?", self._linker) for p in parts]
        # "How many ... are on Tier 3, and which are they?": a part with no words of its own asks for what
        # the listing beside it already names
        kept = [(p, pu) for p, pu in zip(parts, asked) if pu.keywords or pu.entities]
        if len(kept) < 2 or not any(pu.shape in _LISTING_SHAPES for _, pu in kept):
            return None
        parts, asked = [p for p, _ in kept], [pu for _, pu in kept]
        said, cites, missing, facts, retrieved = [], [], [], [], []
        for part, pu in zip(parts, asked):
            got = renumber(self._answer(pu, depth=1), len(cites))
            retrieved += got.retrieved
            if got.abstained or not got.answer:
                missing.append(part.text)
                continue
            cites += got.citations
            facts += got.graph_facts
            said.append(got.answer)
        base = dict(shape=u.shape, retrieved=retrieved, citations=cites, graph_facts=facts)
        if not said:
            return None
        text = " ".join(said)
        if missing:
            return abstain(u.question, Reason.PART_MISSING, f"{text} {SOURCES_DONT_SAY} "
                           + "; ".join(f"“{m}”" for m in missing) + ".", **base)
        return Answer(question=u.question, answer=text, abstained=False, **base)

    def _country_in(self, sentence: str) -> str:
        found = [e for e in self._linker.link(sentence) if e.label == "Country"]
        return found[0].name if found else ""

    def _tier_sentence(self, country_name: str, cites: list[Citation], facts: list[GraphFact],
                       year: int = 2024) -> str | None:
        linked = [e for e in self._linker.link(country_name) if e.label == "Country"] if country_name else []
        return self.templates.tier_of(linked[0].key, cites, facts, year) if linked else None

    def _source_outlet(self, u: Understanding, part: Part) -> Answer:
        """Who published what the question describes: the best passage's document, plus the outlets
        whose articles carry the same cited text. Outlets are document metadata, found by cleaning
        (bylines, "Source:" lines); a file without one is named by its title instead of a guess."""
        described = Part(part.text, AnswerType.DESCRIPTION, False, False)
        rows, retrieved, timings = self._retrieve(u)
        reading, terms = self._read(u, described, rows)
        if not reading.chosen:
            return self._refusal(u, reading, rows, dict(shape=u.shape, retrieved=retrieved, timings_ms=timings))
        # The answer is a publisher: among near-equal evidence, a document that names its outlet wins.
        best = reading.chosen[0]
        best = next((c for c in reading.scored if c.row.get("outlet") and c.score >= best.score - OUTLET_MARGIN), best)
        found = Answer(question=u.question, answer="", abstained=False, citations=[self._cite(1, best, terms)],
                       shape=u.shape, retrieved=retrieved, timings_ms=timings)
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

    @staticmethod
    def _coverage_hint(rows: list[dict]) -> str:
        titles = list(dict.fromkeys(r["title"] for r in rows if r.get("title")))[:3]
        if not titles:
            return "No passage in the sources is close to this question."
        return "The closest passages are from: " + "; ".join(titles) + "."

    def _llm(self, u: Understanding, answer: Answer) -> Answer:
        """LLM mode's one entry (retrieval/llm.py): the units the reader ranked for each part, and the
        graph facts that apply, go to the model; it may only refuse more than the default reader."""
        from retrieval import llm

        if not llm.applies(answer):
            return answer
        parts = decompose(u.question)
        rows = self._retrieve(u)[0]
        ranked = [self._read(u, p, rows)[0].scored for p in parts if not p.about_tier]
        facts = llm.applicable_facts(self.tools, self.settings, u.entities, answer, u.question)
        return llm.llm_answer(self, u.question, parts, ranked, facts, answer)

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
            return final.model_copy(update={"abstained": True, "abstain_reason": Reason.UNVERIFIED.value,
                                            "answer": f"{SOURCES_DONT_SAY} (no verifiable evidence was found)."})
        return final



