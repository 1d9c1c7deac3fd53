"""What kind of answer a question expects, and which spans of a sentence could fill that slot.

The expected type comes from the question's form (its wh-word and the noun it asks about), never from
its topic. Fillers come from patterns for numbers, dates, durations, tiers, laws and plans, and from
spaCy's entities for people, organisations and places. A sentence with no filler for the slot does
not answer the question, however close its words are: that is what lets the reader say "the sources
mention the shelter but not who runs it".
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum


class AnswerType(str, Enum):
    QUANTITY = "quantity"
    DATE = "date"
    DURATION = "duration"
    PERSON = "person"
    ORGANIZATION = "organization"
    PLACE = "place"
    LAW = "law"
    PLAN = "plan"
    TIER = "tier"
    COUNTRY = "country"
    REASON = "reason"
    YESNO = "yes/no"
    LIST = "list"
    DESCRIPTION = "description"
    KIND = "kind"  # "what kind of center": the asked noun, qualified ("a victim support center")


# Types whose slot a sentence must fill; the rest are answered by a sentence that is about the thing.
SLOTTED = {AnswerType.QUANTITY, AnswerType.DATE, AnswerType.DURATION, AnswerType.PERSON,
           AnswerType.ORGANIZATION, AnswerType.PLACE, AnswerType.LAW, AnswerType.PLAN, AnswerType.TIER,
           AnswerType.COUNTRY, AnswerType.KIND}

_ORG_NOUNS = (r"agenc(?:y|ies)|ministr(?:y|ies)|organi[sz]ations?|ngos?|office|bod(?:y|ies)|department|court|"
              r"institutions?|group|company|companies|unit|commission|council|committee|authorit(?:y|ies)|"
              r"police|partner|outlet|newspaper|institute|foundation|association|charity|government body")
_PLACE_NOUNS = r"city|town|province|region|district|state|place|airport|border|port|area|zone|village|island|location"
_LAW_NOUNS = r"laws?|acts?|bills?|codes?|articles?|decrees?|legislation|statutes?|amendments?|provisions?|conventions?"
_PLAN_NOUNS = (r"plans?|programs?|programmes?|strateg(?:y|ies)|mechanisms?|campaigns?|initiatives?|sops?|procedures?|"
               r"policy|policies|projects?|hotlines?|shelters?|systems?|tools?|platforms?")

# An auxiliary right after "what"/"which" means no noun is determined ("what would the draft amendments
# change" asks for a description, not for a law)
_AUX = r"(?:is|are|was|were|did|does|do|would|could|can|will|has|have|had|should|might|may)"

# Tried in order: these outrank the noun a "which"/"what" determines ...
_BEFORE_HEAD: list[tuple[AnswerType, re.Pattern]] = [
    (AnswerType.KIND, re.compile(r"\b(?:what|which) (?:kinds?|types?|sorts?|forms?) of\b", re.I)),
    (AnswerType.DURATION, re.compile(r"\bhow long\b|\bfor how many (?:\w+ )?(?:years?|months?)\b|"
                                     r"\bhow many (?:consecutive |straight )?(?:years?|months?|decades?)\b", re.I)),
    (AnswerType.DATE, re.compile(r"\bwhen\b|\bsince when\b|\b(?:what|which|in what|in which|since what|since which|by what)"
                                 r" (?:year|date|month|day)\b|\bwhat time\b", re.I)),
    (AnswerType.QUANTITY, re.compile(r"\bhow (?:many|much)\b|\bwhat (?:(?:exact|total|overall|precise|approximate) )?"
                                     r"(?:number|percent(?:age)?|share|proportion|amount|fraction|portion)\b|"
                                     r"\bby how much\b|\bhow large\b|\bthe (?:exact |total |precise )?number of\b", re.I)),
    (AnswerType.TIER, re.compile(r"\b(?:what|which) tier\b|\btier (?:ranking|placement|status)\b|"
                                 r"\bhow (?:was|is|were|are) .{0,40}\b(?:ranked|rated|graded|placed)\b|"
                                 r"\bwhere (?:does|do|did|is|was) .{0,40}\b(?:rank|sit|placed|ranked)\b", re.I)),
    # "where does the case stand": a state of affairs, not a place
    (AnswerType.DESCRIPTION, re.compile(r"^\W*where (?:does|do|did|is|are) .{0,60}\bstand(?:s|ing)?\b|"
                                        r"\bwhere things stand\b", re.I)),
    (AnswerType.REASON, re.compile(r"^\W*why\b|\bfor what reason\b|\bwhat (?:led|caused|prompted|explains|reason)\b|"
                                   r"\bon what (?:grounds|basis)\b|\bhow come\b|\bwhat (?:were|was) the reasons?\b|"
                                   r"^\W*what (?:got|made|earned|helped|drove|pushed|put)\b", re.I)),
    (AnswerType.LAW, re.compile(rf"\b(?:name|title|number)\b.{{0,40}}\b(?:{_LAW_NOUNS})\b", re.I)),
    (AnswerType.PLAN, re.compile(rf"\b(?:name|title)\b.{{0,40}}\b(?:{_PLAN_NOUNS})\b", re.I)),
]
# ... and these come after it.
_AFTER_HEAD: list[tuple[AnswerType, re.Pattern]] = [
    (AnswerType.PLACE, re.compile(r"^\W*where\b", re.I)),
    (AnswerType.ORGANIZATION, re.compile(r"\bwho (?:runs|operates|funds|funded|manages|publishes|published|issues|issued)\b",
                                         re.I)),
    (AnswerType.PERSON, re.compile(r"^\W*who\b|\bwhose\b|\bwhat is the name of\b|\bwhich (?:person|official|"
                                   r"hero|woman|man|activist|ambassador|secretary)\b", re.I)),
    (AnswerType.LIST, re.compile(r"^\W*(?:list|name|enumerate)\b|\bwhich (?:countries|ones|of the)\b|"
                                 r"\bwhat (?:are|were) the\b", re.I)),
    (AnswerType.YESNO, re.compile(r"^\W*(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would)\b", re.I)),
]


_HEAD_NOUNS: list[tuple[AnswerType, re.Pattern]] = [
    (AnswerType.COUNTRY, re.compile(r"country|nation|government|state", re.I)),
    (AnswerType.ORGANIZATION, re.compile(rf"(?:{_ORG_NOUNS})", re.I)),
    (AnswerType.PLACE, re.compile(rf"(?:{_PLACE_NOUNS})", re.I)),
    (AnswerType.LAW, re.compile(rf"(?:{_LAW_NOUNS})", re.I)),
    (AnswerType.PLAN, re.compile(rf"(?:{_PLAN_NOUNS})", re.I)),
]
_WH_PHRASE = re.compile(r"\b(?:what|which)((?: [\w'’-]+){1,4})", re.I)


def _head_noun_type(question: str) -> AnswerType | None:
    """The type named by the noun a "which"/"what" determines: the first word after it (up to four) that
    names a kind of thing. An auxiliary first ("what would ...") means no noun is determined."""
    for m in _WH_PHRASE.finditer(question):
        for w in m.group(1).split():
            if re.fullmatch(_AUX, w, re.I):
                break
            for kind, nouns in _HEAD_NOUNS:
                if nouns.fullmatch(w):
                    return kind
    return None


def expected_type(question: str) -> AnswerType:
    for kind, pattern in _BEFORE_HEAD:
        if pattern.search(question):
            return kind
    head = _head_noun_type(question)
    if head is not None:
        return head
    for kind, pattern in _AFTER_HEAD:
        if pattern.search(question):
            return kind
    return AnswerType.DESCRIPTION


_NUMBER_WORDS_SHORT = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|many"
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 "hundred|hundreds|thousand|thousands|dozen|dozens|million|millions|billion|half|a third|"
                 "a quarter|double|doubled|doubling|triple|tripled|tripling|single|no")
_NUMBER = re.compile(rf"\$?\b\d[\d,.]*\d(?:\s*(?:percent|%|million|billion))?|\$?\b\d(?:\s*(?:percent|%|million|billion))?|\b(?:{_NUMBER_WORDS})\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_EXACT = re.compile(r"\b(?:exact(?:ly)?|precise(?:ly)?|specific)\b", re.I)
_ROUGH = re.compile(r"(?:hundreds|thousands|dozens|millions|several|many|a few|some|numerous)", re.I)
_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                   r"December)(?:\s+\d{1,2})?(?:,?\s+(?:19|20)\d\d)?\b|\b(?:19|20)\d\d\b|"
                   # a time said relative to the report: "for the first time in four years", "two years ago"
                   rf"\b(?:first time (?:in|since) |(?:\d+|{_NUMBER_WORDS_SHORT}) (?:years?|months?) ago\b)"
                   rf"(?:(?:\d+|{_NUMBER_WORDS_SHORT}) (?:years?|months?))?", re.I)
_ORDINAL = (r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d+(?:st|nd|rd|th)")
_DURATION = re.compile(rf"\b(?:{_ORDINAL}) (?:consecutive|straight) years?\b|\b(?:\d+|{_NUMBER_WORDS}) (?:consecutive )?"
                       r"(?:years?|months?|weeks?|days?|decades?)\b|\bsince (?:19|20)\d\d\b", re.I)
_TIER = re.compile(r"\bTier (?:1|2|3|One|Two|Three)(?: Watch List)?\b|\bSpecial Case\b", re.I)
_LAW = re.compile(rf"\b(?:[A-Z][\w’'-]*\s+){{0,6}}(?:Law|Act|Code|Decree|Bill|Convention|Protocol)\b(?:\s+(?:No\.?\s*)?\d[\w/-]*)?|"
                  rf"\bArticles?\s+\d+[\w()]*|\b(?:anti-trafficking|new|draft|trafficking|labor|labour) (?:{_LAW_NOUNS})\b")
_PLAN = re.compile(rf"\b(?:national action plan|NAP|action plan|SOPs?|standard operating procedures|referral mechanism|"
                   rf"(?:[A-Z][\w-]*\s+){{1,6}}(?:Plan|Program|Programme|Strategy|Mechanism|Initiative|Campaign))\b|"
                   rf"\b\w+[- ](?:{_PLAN_NOUNS})\b", re.I)
# "who" is answered by a role as well as by a name: "senior officials owned the facilities"
_ROLE = re.compile(r"\b(?:(?:senior |high-level |local |government |police |border |immigration |military |"
                   r"complicit |law enforcement )*(?:officials?|officers?|advisors?|advisers?|judges?|prosecutors?|"
                   r"inspectors?|employers?|recruiters?|brokers?|traffickers?|soldiers?|guards?|ministers?|"
                   r"diplomats?|agents?|owners?|operators?|survivors?|activists?|lawyers?|journalists?|"
                   r"police(?:men|women)?|family members?|relatives?))\b", re.I)
_REASON = re.compile(r"\b(?:because|due to|owing to|as a result|therefore|thus|since|given|so that|led to|"
                     r"included|including|failed to|did not|despite|lack of|insufficient|inadequate)\b", re.I)


_PATTERN_OF = {AnswerType.QUANTITY: _NUMBER, AnswerType.DATE: _DATE, AnswerType.DURATION: _DURATION,
               AnswerType.TIER: _TIER, AnswerType.LAW: _LAW, AnswerType.PLAN: _PLAN, AnswerType.REASON: _REASON}


@dataclass(frozen=True)
class Filler:
    start: int
    end: int
    text: str
    kind: AnswerType


_COUNTED = re.compile(r"\b(?:how (?:many|much)|number of)\s+((?:[\w'’-]+\s*){1,5})", re.I)
# where the counted noun phrase ends: "how many new *inspectors* did ...", "number of scam *victims* the ..."
_PHRASE_END = {"the", "a", "an", "that", "which", "who", "whom", "in", "on", "at", "for", "by", "to", "from", "with",
               "under", "during", "since", "than", "as", "per", "this", "these", "those", "its", "their", "and", "or"}
_NOT_NOUNS = {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "of", "in", "the", "times",
              "they", "it", "he", "she", "we", "you", "i", "there", "more", "fewer", "less"}


def _noun_phrase(words: list[str]) -> list[str]:
    """The words of a noun phrase up to where it ends: its last one is the head ("new *inspectors*")."""
    out = []
    for w in words:
        if w in _NOT_NOUNS or w in _PHRASE_END:
            break
        out.append(w)
    return out


def _tied_to_counted_noun(found: list[Filler], sentence: str, question: str) -> list[Filler]:
    """"How many traffickers ...": a number counts only near a word sharing the counted noun's stem
    ("one trafficker", "14 convicted traffickers"); a number about something else answers nothing."""
    m = _COUNTED.search(question)
    tail = m.group(1).lower().split() if m else []
    if not tail or tail[0] in _NOT_NOUNS:
        return found  # "by how much did X increase ...": a magnitude, no counted noun
    words = _noun_phrase(tail)
    stems = {w[:5] for w in words[-1:] if len(w) > 3}  # the head noun: "anti-trafficking *funding*"
    if not stems:
        return found
    near = [mm.start() for mm in re.finditer(r"[A-Za-z][\w-]+", sentence) if mm.group(0).lower()[:5] in stems]
    if not near:
        return []
    return [f for f in found if any(abs(f.start - p) <= 60 for p in near)]


# verbs that say nothing about what was done: any sentence "reports" or "includes"
_GENERIC_VERBS = {"say", "says", "said", "report", "reported", "reports", "do", "does", "did", "done", "make", "made",
                  "take", "taken", "took", "include", "included", "includes", "mention", "mentioned", "describe",
                  "described", "according", "get", "got", "tell", "give", "given", "know", "known", "note", "noted",
                  "stand", "mean", "happen", "happened", "show", "shows"}


@dataclass(frozen=True)
class _Parsed:
    ents: list[tuple[int, int, str]]
    verbs: list[str]
    nouns: list[str]


class EntityTagger:
    """spaCy's reading of a text (entities, main verbs, nouns), parsed once and cached by text."""

    _PERSON, _ORG, _PLACE = {"PERSON"}, {"ORG", "NORP"}, {"GPE", "LOC", "FAC"}

    def __init__(self, nlp=None, size: int = 20_000, hide_torch: bool = False):
        self._nlp = nlp
        self._hide_torch = hide_torch  # text.spacy_model: only where nothing else in the process loads torch
        self._cache: OrderedDict[str, _Parsed] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._nlp_lock = threading.Lock()

    def _load(self):
        with self._lock:  # several askers at once (the UI) must not load it twice
            if self._nlp is None:
                from text.spacy_model import load_english

                self._nlp = load_english(hide_torch=self._hide_torch, disable=["lemmatizer"])
        return self._nlp

    def _parse(self, text: str) -> _Parsed:
        with self._lock:
            hit = self._cache.get(text)
        if hit is not None:
            return hit
        nlp = self._load()
        with self._nlp_lock:  # a spaCy pipeline is not documented as safe to call from several threads
            doc = nlp(text)
        # The main predicate only (the root and verbs joined to it by "and"), not a relative clause's ("victims
        # *removed* from"); after "did X" it is sometimes tagged as an adjective ("did the government open").
        roots = [t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("VERB", "ADJ")]
        roots += [c for r in roots for c in r.children if c.dep_ == "conj" and c.pos_ == "VERB"]
        parsed = _Parsed(ents=[(e.start_char, e.end_char, e.label_) for e in doc.ents],
                         verbs=[t.text.lower() for t in roots if t.text.lower() not in _GENERIC_VERBS],
                         nouns=[t.text for t in doc if t.pos_ == "NOUN"])
        with self._lock:
            self._cache[text] = parsed
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return parsed

    def entities(self, sentence: str) -> list[tuple[int, int, str]]:
        return self._parse(sentence).ents

    def verbs(self, question: str) -> list[str]:
        """The question's main verbs ("classify", "open"), not its auxiliaries or reporting verbs."""
        return self._parse(question).verbs

    def nouns(self, text: str) -> list[str]:
        return self._parse(text).nouns

    def kinds(self, sentence: str, labels: set[str], kind: AnswerType) -> list[Filler]:
        return [Filler(a, b, sentence[a:b], kind) for a, b, lab in self.entities(sentence) if lab in labels]


def fillers(sentence: str, kind: AnswerType, question: str, tagger: EntityTagger | None) -> list[Filler]:
    """Spans of `sentence` that could answer a question expecting `kind`, minus what the question
    itself already says (a question naming 2024 is not answered by the 2024 in the sentence)."""
    found: list[Filler] = []

    def rx(pattern: re.Pattern, k: AnswerType) -> None:
        found.extend(Filler(m.start(), m.end(), m.group(0), k) for m in pattern.finditer(sentence))

    if kind in _PATTERN_OF:
        rx(_PATTERN_OF[kind], kind)
        if kind is AnswerType.QUANTITY:
            found = _tied_to_counted_noun(found, sentence, question)
            if _EXACT.search(question):
                # "the exact number" is not filled by "hundreds of": only a figure answers it
                found = [f for f in found if not _ROUGH.fullmatch(f.text.strip())]
    elif tagger is not None and kind is AnswerType.PERSON:
        found = tagger.kinds(sentence, EntityTagger._PERSON, kind)
        if re.match(r"\W*who\b", question, re.I):  # "who led X" is answered by an organisation or a role too
            found += [f for f in tagger.kinds(sentence, EntityTagger._ORG, kind) if f.text[:1].isupper()]
            rx(_ROLE, kind)
    elif tagger is not None and kind is AnswerType.ORGANIZATION:
        found = [f for f in tagger.kinds(sentence, EntityTagger._ORG, kind) if f.text[:1].isupper()]
        found += [Filler(m.start(), m.end(), m.group(0), kind) for m in re.finditer(
            r"\b(?:[A-Z][\w’'&-]*\s+(?:of\s+|for\s+|and\s+|the\s+)*){1,7}(?:Ministry|Agency|Police|Office|Commission|"
            r"Council|Committee|Unit|Court|Directorate|Department|Foundation|Association|Service|Center|Centre|"
            r"Institute|Organization|Bureau)\b|\b[A-Z]{2,}s?\b", sentence)]
        if re.match(r"\W*who\b", question, re.I):
            # "who runs it" may be answered by a kind of actor; "which NGO" asks to name one
            found += [Filler(m.start(), m.end(), m.group(0), kind) for m in re.finditer(
                r"\b(?:NGOs?|civil society(?: organizations?)?|international organizations?|the government|"
                r"religious (?:groups|organizations))\b", sentence, re.I)]
    elif tagger is not None and kind is AnswerType.COUNTRY:
        found = tagger.kinds(sentence, {"GPE"}, kind)
    elif tagger is not None and kind is AnswerType.PLACE:
        found = tagger.kinds(sentence, EntityTagger._PLACE, kind) + [
            Filler(m.start(), m.end(), m.group(0), kind) for m in _SETTING.finditer(sentence)]
    elif kind is AnswerType.KIND:
        found = _qualified(sentence, question)
    if kind is AnswerType.REASON:
        return found
    asked = set(re.findall(r"[a-z0-9]+", question.lower()))
    # a filler made only of the question's own words ("the Government of X", "2024") adds nothing
    return [f for f in found if not set(re.findall(r"[a-z0-9]+", f.text.lower())) <= asked | _FUNCTION_WORDS
            and not (kind is AnswerType.ORGANIZATION and _THE_GOVERNMENT.match(f.text) and "who" not in asked)]


_KIND_OF = re.compile(r"\b(?:kinds?|types?|sorts?|forms?) of\s+((?:[\w'’-]+\s*){1,4})", re.I)


def _qualified(sentence: str, question: str) -> list[Filler]:
    """"What kind of center ...": the asked noun in the sentence with the words that qualify it ("a victim
    support center"); the bare noun, which the question already says, is removed with the question's words."""
    m = _KIND_OF.search(question)
    if not m:
        return []
    words = _noun_phrase(m.group(1).lower().split())
    if not words:
        return []
    stem = re.escape(words[-1][:5])
    return [Filler(f.start(), f.end(), f.group(0), AnswerType.KIND) for f in re.finditer(
        rf"(?:[\w'’-]+[\s-]+){{1,3}}{stem}[\w-]*", sentence, re.I)]


# "where": a setting is a place too ("in religious schools", "on fishing vessels", "in special economic zones")
_SETTING = re.compile(r"\b(?:in|at|on|aboard|inside|into|across|along|near) (?:the |a |an |some |many )?(?:[\w-]+ ){0,3}"
                      r"(?:schools?|camps?|zones?|SEZs?|farms?|factories|factory|brothels?|mines?|plantations?|vessels?|"
                      r"boats?|ships?|border areas?|borders?|hotels?|construction sites?|households?|homes?|compounds?|"
                      r"islands?|streets?|markets?|massage parlou?rs?|karaoke bars?|bars?|clubs?|casinos?|ports?|"
                      r"regions?|provinces?|districts?|areas?|cities|towns?|villages?)\b")


# every chapter calls its subject "the government": that names no organisation a "which" asks for
_THE_GOVERNMENT = re.compile(r"(?:the )?government(?: of [\w ]+)?$", re.I)


_FUNCTION_WORDS = {"the", "of", "a", "an", "and", "for", "in", "on", "to", "s"}
