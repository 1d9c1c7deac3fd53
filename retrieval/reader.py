"""The text reader: from retrieved passages to a short, cited answer, or a refusal with its reason.

  units (sentences and list items) -> context (the document's subject: in a chapter about X, "the
  government" is X's) -> cross-encoder relevance of "subject: unit" -> the slot the question's answer
  type needs, filled or not -> attribution to the question's focus -> the best unit, cut to the clause
  that answers when it is long.

Nothing here is keyed to a question's words or a document's sentences: the thresholds are in units of
the cross-encoder's logit, whose scale is the model's, not the corpus's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from retrieval.answer_types import SLOTTED, AnswerType, EntityTagger, Filler, fillers
from retrieval.decompose import self_contained
from retrieval.understand import main_clause
from text.names import fold, surname
from text.sentences import PERSON_PRONOUN_EARLY, answer_units, clause_spans, leans_on_previous, sentence_spans

# Cross-encoder logits: above RELEVANT a unit is about the question; below ANSWERS nothing answers.
RELEVANT = -1.0
ANSWERS = 0.0
# A unit of a document about another country than the one asked about is weak evidence for it.
OTHER_SUBJECT_PENALTY = 4.0
# A unit that neither names the focus nor sits in a document about it.
UNATTRIBUTED_PENALTY = 1.5
FILLER_BONUS = 1.0  # an answer of the right type beats a slightly closer sentence without one
# The unit states the act asked about ("how did they *classify* the cases" -> "It *classified* ..."): the
# cross-encoder weighs the question's nouns, which a neighbouring sentence often shares.
PREDICATE_BONUS = 1.0
# Rare question words found in the unit (weighted by how few candidate units hold them): the
# cross-encoder sometimes prefers a fluent neighbour over the one sentence that has the asked-for term.
LEXICAL_WEIGHT = 2.0
MAX_UNITS = 28  # units sent to the cross-encoder per question
MAX_QUOTE = 300  # characters quoted for a single fact
MIN_WORDS = 4


@dataclass
class Candidate:
    row: dict
    i: int  # the unit's span in row["text"]
    j: int
    rank: int  # the passage's retrieval rank
    rerank: float = 0.0
    score: float = 0.0
    fillers: list[Filler] = field(default_factory=list)
    about_focus: bool = True
    other_subject: bool = False

    @property
    def text(self) -> str:
        return self.row["text"][self.i:self.j]


@dataclass
class Reading:
    """What the reader found: the answer's units, or why there is none."""

    chosen: list[Candidate]
    best: Candidate | None  # the most relevant unit, filled or not
    answer_type: AnswerType
    reason: str | None = None  # a key of retrieval.abstain.Reason when nothing answers
    scored: list[Candidate] = field(default_factory=list)


def subject_of(row: dict) -> str:
    """The country a passage's document is about ('' for news): the chapter's own subject, or its title."""
    if row.get("subject_name"):
        return row["subject_name"]
    m = re.search(r"Trafficking in Persons Report:\s*(.+)$", row.get("title") or "")
    return m.group(1).strip() if m else ""


def context_of(row: dict) -> str:
    return subject_of(row) or (row.get("title") or "")


SCENE_SHARE = 0.6  # the asked clause is under this share of the question: the rest sets the scene


def asked_core(question: str, focus: list) -> str:
    """The clause a question asks, with its pronoun for the question's one focus named ("what did Algeria
    triple"), when a longer clause before it only sets the scene; else ''."""
    a, b = main_clause(question)
    if a == 0 or (b - a) >= SCENE_SHARE * len(question):
        return ""
    names = [getattr(e, "name", "") for e in focus if getattr(e, "label", "") == "Country"]
    return self_contained(question[a:b], names[0]) if len(names) == 1 else question[a:b]


def _names(text: str, forms: list[str]) -> bool:
    low = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", low) for f in forms if f)


def entity_forms(entity) -> list[str]:
    forms = {fold(entity.surface), fold(entity.name)} | {fold(a) for a in entity.aliases if len(a) > 3 or a.isupper()}
    if entity.label == "Hero":
        forms.add(fold(surname(entity.name)))
    return sorted(forms)


_WORD = re.compile(r"[\w’'-]+")
# "A social worker based in Barcelona, she leads ...": the person is the previous sentence's
_PERSON_EARLY = re.compile(r"^[^.!?]{0,80}?\b(she|he|her|his)\b", re.IGNORECASE)


def _leans(unit: str) -> bool:
    return leans_on_previous(unit) or bool(_PERSON_EARLY.match(unit))


def _named_body(entity) -> bool:
    """A hero, or an actor the question calls by its proper name ("the FBI", "Operation Synergia"), not
    by a description that happens to link to one ("the TIP heroes")."""
    label, surface = getattr(entity, "label", ""), getattr(entity, "surface", "")
    return label == "Hero" or (label == "Actor" and all(w[:1].isupper() for w in surface.split()))


def _terms(text: str) -> set[str]:
    return {w.lower()[:6] for w in _WORD.findall(text)}


def _overlap(question_terms: set[str], text: str) -> float:
    return len(question_terms & _terms(text)) / max(1, len(question_terms))


def _local_idf_overlap(question_terms: set[str], cands: list[Candidate]) -> list[float]:
    """Share of the question's term weight each unit holds, a term weighing more the fewer of these
    units hold it (IDF over the candidates themselves, so it needs no corpus statistics)."""
    unit_terms = [_terms(c.text) for c in cands]
    n = len(cands)
    idf = {t: math.log(1 + n / (1 + sum(t in u for u in unit_terms))) for t in question_terms}
    total = sum(idf.values()) or 1.0
    return [sum(idf[t] for t in question_terms & u) / total for u in unit_terms]


class Reader:
    def __init__(self, reranker, tagger: EntityTagger | None = None):
        self.reranker, self.tagger = reranker, tagger

    def candidates(self, rows: list[dict], question_terms: set[str], limit: int = MAX_UNITS) -> list[Candidate]:
        out = []
        for rank, row in enumerate(rows):
            for i, j in answer_units(row["text"]):
                unit = row["text"][i:j]
                if len(unit.split()) < MIN_WORDS or re.match(r"\s*\d{4} Trafficking in Persons Report:", unit):
                    continue
                out.append(Candidate(row, i, j, rank))
        # The cross-encoder is the cost: the units sharing most words with the question, early passages first.
        out.sort(key=lambda c: (_overlap(question_terms, c.text), -c.rank), reverse=True)
        return out[:limit]

    def read(self, question: str, answer_type: AnswerType, rows: list[dict], focus: list, question_terms: set[str],
             focus_subjects: set[str], slot_question: str | None = None, unlinked_names: list[str] | None = None) -> Reading:
        """Relevance is judged against the whole `question`; the slot (and what already fills it)
        against `slot_question`, the part being answered, when there are several."""
        cands = self.candidates(rows, question_terms)
        if not cands:
            return Reading([], None, answer_type, reason="WEAK_EVIDENCE")
        about_person = any(getattr(e, "label", "") == "Hero" for e in focus)
        texts = [f"{context_of(c.row)}: {self._with_antecedent(c, about_person)}" for c in cands]
        scores = self.reranker.score(question, texts)
        core = asked_core(question, focus)
        if core:
            # A long scene-setting clause ("X got credit for a big jump in one number - what did it triple?")
            # dilutes what the cross-encoder compares; the asked clause, its country named, says it plainly.
            scores = [max(x, y) for x, y in zip(scores, self.reranker.score(core, texts))]
        for c, s in zip(cands, scores):
            c.rerank = s
        forms = [f for e in focus for f in entity_forms(e)]
        lexical = _local_idf_overlap(question_terms, cands)
        asked = slot_question or question
        a, b = main_clause(asked)
        acts = [v[:5] for v in self.tagger.verbs(asked[a:b])] if self.tagger is not None else []
        unlinked = [fold(t) for t in unlinked_names or []]
        for c, lex in zip(cands, lexical):
            subject = fold(subject_of(c.row))
            named = _names(c.text, forms) if forms else True
            in_subject_doc = bool(subject) and subject in focus_subjects
            c.other_subject = bool(forms) and bool(subject) and not in_subject_doc and not named
            c.about_focus = named or in_subject_doc or not forms or self._names_before(c, forms)
            if unlinked and not any(t in fold(c.row["text"] + " " + (c.row.get("context") or "")) for t in unlinked):
                c.about_focus = False  # the question names something this passage never mentions
            c.score = c.rerank + LEXICAL_WEIGHT * lex - (OTHER_SUBJECT_PENALTY if c.other_subject else 0.0) \
                - (0.0 if c.about_focus else UNATTRIBUTED_PENALTY)
            if acts and any(w.lower().startswith(v) for w in _WORD.findall(c.text) for v in acts):
                c.score += PREDICATE_BONUS
            if answer_type in SLOTTED or answer_type is AnswerType.REASON:
                c.fillers = fillers(c.text, answer_type, slot_question or question, self.tagger)
                prev = self._previous(c) if not c.fillers and PERSON_PRONOUN_EARLY.match(c.text) else None
                if prev and prev[1] >= c.i - 3:
                    # "She leads X": who she is stands in the sentence before; quote the two together
                    widened = Candidate(c.row, prev[0], c.j, c.rank)
                    found = fillers(widened.text, answer_type, slot_question or question, self.tagger)
                    if found:
                        c.i, c.fillers = prev[0], found
                if answer_type is AnswerType.COUNTRY and subject_of(c.row) and fold(subject_of(c.row)) not in focus_subjects:
                    c.fillers.append(Filler(0, 0, subject_of(c.row), answer_type))  # the chapter's country
                if c.fillers:
                    c.score += FILLER_BONUS
        cands.sort(key=lambda c: c.score, reverse=True)
        # A detail about a named organisation or person ("how many victims did the FBI rescue") must come
        # from a unit about it: another body's figure is no answer, however close its words.
        # So must a detail about a country whose own chapter is among the evidence.
        has_chapter = any(fold(subject_of(c.row)) in focus_subjects for c in cands if subject_of(c.row))
        strict = answer_type in SLOTTED and (has_chapter or any(_named_body(e) for e in focus))
        pool = [c for c in cands if c.about_focus] if strict else cands
        if not pool:
            return Reading([], cands[0], answer_type, reason="OFF_TOPIC", scored=cands)
        best = pool[0]
        if best.score < ANSWERS:
            return Reading([], best, answer_type, reason="WEAK_EVIDENCE" if best.rerank < RELEVANT or
                           best.about_focus else "OFF_TOPIC", scored=cands)
        if answer_type in SLOTTED and not best.fillers:
            return Reading([], best, answer_type, reason="NO_FILLER", scored=cands)
        return Reading([best], best, answer_type, scored=cands)

    @staticmethod
    def _previous(c: Candidate) -> tuple[int, int] | None:
        spans = [(a, b) for a, b in sentence_spans(c.row["text"]) if b <= c.i]
        return spans[-1] if spans else None

    def _with_antecedent(self, c: Candidate, about_person: bool = False) -> str:
        """A unit that opens on a pronoun (or, in a question about a person, names them only as "she" or
        "he" early on) is scored with the sentence it leans on."""
        if leans_on_previous(c.text) or (about_person and _PERSON_EARLY.match(c.text)):
            prev = self._previous(c)
            if prev:
                return c.row["text"][prev[0]:prev[1]] + " " + c.text
        return c.text

    def _names_before(self, c: Candidate, forms: list[str]) -> bool:
        prev = self._previous(c)
        return bool(prev) and _leans(c.text) and _names(c.row["text"][prev[0]:prev[1]], forms)


def quote_span(c: Candidate, question_terms: set[str], budget: int = MAX_QUOTE) -> tuple[int, int]:
    """The part of the unit to quote: all of it when short, else the clause holding the filler (and
    the question's words), widened with its neighbours while it stays within `budget` characters."""
    if c.j - c.i <= budget:
        return c.i, c.j
    text = c.row["text"]
    clauses = clause_spans(text, c.i, c.j)
    if len(clauses) <= 1:
        return c.i, c.j

    def weight(k: int) -> float:
        a, b = clauses[k]
        # a filler of no width (the chapter's own country) sits in no clause
        filled = any(a <= f.start + c.i < b for f in c.fillers if f.end > f.start)
        return (2.0 if filled else 0.0) + _overlap(question_terms, text[a:b])

    k = max(range(len(clauses)), key=weight)
    lo = hi = k
    while True:
        grown = False
        for nlo, nhi in ((lo - 1, hi), (lo, hi + 1)):
            if 0 <= nlo and nhi < len(clauses) and clauses[nhi][1] - clauses[nlo][0] <= budget:
                lo, hi, grown = nlo, nhi, True
                break
        if not grown:
            break
    return clauses[lo][0], clauses[hi][1]
