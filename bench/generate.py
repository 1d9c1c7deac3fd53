"""A seeded synthetic corpus of news-like paragraphs (2-4 sentences) about trafficking, with entity
substitutions. Paragraphs under 40 words merge with the next one when chunked, so N generated
paragraphs give about 0.87 N passages; the bench reports the passages actually ingested.

Sentences come from templates whose slots (countries as the report names them, demonyms, known
actors, trends, numbers, years, verbs) change on every use, so passages read like the real
coverage and mention real entities. With a dozen templates, two sentences sometimes share most of
their words (same template, several equal slots); the dedup links the bench reports at scale come
from those, which makes the dedup stage work harder than on real news.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from ingest.entities import Gazetteer

TEMPLATES = [
    "In {year}, authorities in {country} identified {n} victims of {trend} and referred {m} of them to {actor}.",
    "{actor} reported that {demonym} recruiters used {channel} to lure {group} into {trend} across {country}.",
    "The government of {country} {verb} {n} suspected traffickers, while {actor} {verb2} its shelters for {group}.",
    "According to {actor}, {trend} grew by {pct} percent in {country} between {year0} and {year}.",
    "Prosecutors in {country} secured {m} convictions, and {actor} trained {n} {role}s to screen {group}.",
    "{demonym} officials worked with {actor} on a {program} that {verb2} {n} survivors of {trend}.",
    "Survivors interviewed in {country} described {channel} offers that ended in {trend} and debts of {money}.",
    "A {role} from {country} told {actor} that {group} were {abuse} in compounds near the border.",
    "The report urged {country} to fund {program}s, noting that {actor} had located {n} victims of {trend}.",
    "{actor} and {actor2} {verb} a network in {country} that moved {n} {group} to {country2}.",
    "Funding of {money} from {actor} helped {country} open {m} shelters for survivors of {trend}.",
    "Investigators in {country2} traced {money} in {channel} payments linked to {trend} in {country}.",
]
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


def _sentence(rng: random.Random, gaz: Gazetteer, countries, demonyms, actors, trends) -> str:
    t = rng.choice(TEMPLATES)
    year = rng.randint(2015, 2024)
    vals = {k: rng.choice(v) for k, v in SLOTS.items()}
    vals.update(
        year=year, year0=year - rng.randint(1, 6), n=rng.randint(3, 9000), m=rng.randint(2, 900),
        pct=rng.randint(2, 95), money=f"${rng.randint(1, 900)} {rng.choice(['thousand', 'million'])}",
        country=rng.choice(countries), country2=rng.choice(countries), demonym=rng.choice(demonyms),
        actor=rng.choice(actors), actor2=rng.choice(actors), trend=rng.choice(trends),
    )
    s = t.format(**vals)
    return s[0].upper() + s[1:]


def generate(n_passages: int, out_dir: Path, seed: int = 7, per_doc: int = 50) -> list[Path]:
    rng = random.Random(seed)
    gaz = Gazetteer()
    countries = [c.name for c in gaz.countries]
    demonyms = [d for c in gaz.countries for d in c.props["demonyms"]]
    actors = [a.name for a in gaz.actors if a.props.get("kind") != "person"]
    trends = [t.name.lower() for t in gaz.trends] + [a.lower() for t in gaz.trends for a in t.aliases]
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for d in range(0, n_passages, per_doc):
        paras = [_sentence(rng, gaz, countries, demonyms, actors, trends).rstrip(".") + " news brief " + str(d)]
        for _ in range(min(per_doc, n_passages - d)):
            paras.append(" ".join(_sentence(rng, gaz, countries, demonyms, actors, trends)
                                  for _ in range(rng.randint(2, 4))))
        path = out_dir / f"{d // per_doc:06d}_synthetic.txt"
        path.write_text("\n\n".join(paras) + "\n")
        files.append(path)
    (out_dir / "MANIFEST.json").write_text(json.dumps({"passages": n_passages, "seed": seed, "files": len(files)}))
    return files


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
