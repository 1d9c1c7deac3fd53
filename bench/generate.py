"""A seeded synthetic corpus of news-like paragraphs (3-5 sentences, about one passage each) about
trafficking, with entity substitutions; the bench reports the passages actually ingested.

Sentences come from templates whose slots (countries as the report names them, demonyms, known
actors, trends, numbers, dates, verbs) change on every use, so passages read like the real
coverage and mention real entities. Like real coverage, some stories are carried by several
outlets: about one paragraph in ten reprints an earlier story's paragraph under a new lead-in
(wire copy), which is what the near-duplicate links at scale come from.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from pathlib import Path

from ingest.entities import Gazetteer
from ingest.heroes import HERO_CONTEXT

# [a|b|c] picks one wording per use: reporters phrase the same kind of fact many ways, and without it
# two sentences from one template would share most of their words by accident.
TEMPLATES = [
    "In {year}, [authorities|officials|police] in {country} [identified|found|registered] {n} victims of {trend} "
    "and [referred|sent|handed] {m} of them to {actor}.",
    "{actor} [reported|said|found] that {demonym} [recruiters|traffickers|brokers] [used|relied on|exploited] "
    "{channel} to [lure|draw|recruit] {group} into {trend} across {country}.",
    "The government of {country} {verb} {n} [suspected|alleged|accused] traffickers, while {actor} {verb2} "
    "[its|new|several] shelters for {group}.",
    "According to {actor}, {trend} [grew|rose|climbed|fell] by {pct} percent in {country} between {year0} and "
    "{year}.",
    "Prosecutors in {country} [secured|won|obtained] {m} convictions, and {actor} [trained|coached|prepared] {n} "
    "{role}s to [screen|identify|interview] {group}.",
    "{demonym} officials [worked|partnered|cooperated] with {actor} on a {program} that {verb2} {n} "
    "[survivors|victims] of {trend}.",
    "Survivors [interviewed|questioned|met] in {country} [described|recounted|spoke of] {channel} offers that "
    "[ended|resulted] in {trend} and debts of {money}.",
    "A {role} from {country} told {actor} that {group} were {abuse} in [compounds|camps|factories|boats] "
    "[near the border|on the coast|in the capital|in remote areas].",
    "The report [urged|called on|pressed] {country} to fund {program}s, [noting|adding|observing] that {actor} "
    "had [located|found|assisted] {n} victims of {trend}.",
    "{actor} and {actor2} {verb} a [network|ring|gang] in {country} that [moved|smuggled|sent] {n} {group} to "
    "{country2}.",
    "Funding of {money} from {actor} [helped|allowed|enabled] {country} [to open|to run|to build] {m} shelters "
    "for [survivors|victims] of {trend}.",
    "Investigators in {country2} [traced|followed|tracked] {money} in {channel} payments [linked|tied] to "
    "{trend} in {country}.",
]
_CHOICE = re.compile(r"\[([^\]]+)\]")
SLOTS = {
    "channel": ["social media", "dating apps", "gaming platforms", "encrypted messaging", "online job ads",
                "recruitment agencies", "text messages", "video platforms", "cryptocurrency wallets", "forums"],
    "group": ["migrant workers", "children", "young women", "fishermen", "domestic workers", "students",
              "asylum seekers", "farm laborers", "factory workers", "refugees", "job seekers", "teenagers"],
    "verb": ["investigated", "arrested", "charged", "dismantled", "prosecuted", "identified", "sanctioned",
             "raided", "convicted", "disrupted"],
    "verb2": ["expanded", "funded", "assisted", "renovated", "supported", "trained", "reopened", "staffed"],
    "role": ["social worker", "labor inspector", "prosecutor", "police officer", "judge", "nurse", "teacher",
             "border guard", "journalist", "lawyer"],
    "program": ["hotline", "victim fund", "screening program", "awareness campaign", "shelter network",
                "reintegration program", "legal aid service", "helpline", "data system"],
    "abuse": ["held", "beaten", "starved", "forced to work", "threatened", "confined", "defrauded"],
}


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
LEADS = ["On {day} {month}, ", "In {month} {year}, ", "Earlier this year, ", "", "", "Last {weekday}, ",
         "By the end of {year}, ", "In a statement on {day} {month}, ", "According to court records, ",
         "During a visit on {day} {month}, "]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
WIRE_SHARE = 0.1  # paragraphs reprinted from an earlier story


def _sentence(rng: random.Random, gaz: Gazetteer, countries, demonyms, actors, trends) -> str:
    t, lead = rng.choice(TEMPLATES), rng.choice(LEADS)
    if lead and not t.startswith(("{", "In ", "According")):
        t = lead + t[0].lower() + t[1:]
    year = rng.randint(2015, 2024)
    vals = {k: rng.choice(v) for k, v in SLOTS.items()}
    vals.update(
        year=year, year0=year - rng.randint(1, 6), n=rng.randint(3, 9000), m=rng.randint(2, 900),
        pct=rng.randint(2, 95), money=f"${rng.randint(1, 900)} {rng.choice(['thousand', 'million'])}",
        country=rng.choice(countries), country2=rng.choice(countries), demonym=rng.choice(demonyms),
        actor=rng.choice(actors), actor2=rng.choice(actors), trend=rng.choice(trends),
        day=rng.randint(1, 28), month=rng.choice(MONTHS), weekday=rng.choice(WEEKDAYS),
    )
    s = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), t).format(**vals)
    return s[0].upper() + s[1:]


def generate(n_passages: int, out_dir: Path, seed: int = 7, per_doc: int = 50) -> list[Path]:
    rng = random.Random(seed)
    gaz = Gazetteer()
    countries = [c.name for c in gaz.countries]
    demonyms = [d for c in gaz.countries for d in c.props["demonyms"]]
    # Heroes articles are their own kind of story: the Heroes program dropped into random sentences
    # would make every synthetic document one.
    actors = [a.name for a in gaz.actors if a.props.get("kind") != "person" and not HERO_CONTEXT.search(a.name)]
    trends = [t.name.lower() for t in gaz.trends] + [a.lower() for t in gaz.trends for a in t.aliases]
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    earlier: list[list[str]] = []  # sentences of recent paragraphs a later story may reprint
    for d in range(0, n_passages, per_doc):
        paras = [_sentence(rng, gaz, countries, demonyms, actors, trends).rstrip(".") + " news brief " + str(d)]
        for _ in range(min(per_doc, n_passages - d)):
            if earlier and d and rng.random() < WIRE_SHARE:
                copied = rng.choice(earlier)
                lead = _sentence(rng, gaz, countries, demonyms, actors, trends)
                paras.append(" ".join([lead, *copied[1:]]))
                continue
            sents = [_sentence(rng, gaz, countries, demonyms, actors, trends) for _ in range(rng.randint(3, 5))]
            earlier = (earlier + [sents])[-2000:]
            paras.append(" ".join(sents))
        path = out_dir / f"{d // per_doc:06d}_synthetic.txt"
        path.write_text("\n\n".join(paras) + "\n")
        files.append(path)
    (out_dir / "MANIFEST.json").write_text(json.dumps({"passages": n_passages, "seed": seed, "files": len(files)}))
    return files


def passage_texts(n: int) -> list[str]:
    """The first `n` synthetic passages as ingest would chunk them (the model-alone runs embed these)."""
    from ingest.chunk import chunk
    from ingest.clean import clean
    from ingest.load import load

    texts: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in generate(n + 100, Path(tmp) / "c"):  # a few spare: chunk counts are approximate
            doc = load(f, 10**8)
            texts += [p.text for p in chunk(doc, clean(doc.text).blocks)]
    return texts[:n]


def questions(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    gaz = Gazetteer()
    countries = [c.name for c in gaz.countries]
    actors = [a.name for a in gaz.actors if a.props.get("kind") != "person"]
    trends = [t.name.lower() for t in gaz.trends]
    shapes = [
        "How many victims of {trend} were identified in {country}?",
        "What did {actor} report about {trend}?",
        "What tier is {country} in?",
        "Which shelters did {actor} fund in {country}?",
        "How did recruiters in {country} use social media?",
        "Was {country} upgraded in 2024?",
        "What convictions did prosecutors in {country} secure?",
    ]
    return [rng.choice(shapes).format(trend=rng.choice(trends), country=rng.choice(countries),
                                      actor=rng.choice(actors)) for _ in range(n)]
