"""Precision and recall of the chapter fact extractor, per field, on the chapters in a folder whose README
table gives the tier each text states (data/chapters). No stores needed: `python -m evals.chapter_facts`.

Gold: tier, direction and consecutive years from the README's "tier the text states" column; the year is
2024 for every chapter of the 2024 report; the standard follows from the tier by the report's own
definition (Tier 1 meets the minimum standards, Tier 2 and the Watch List make significant efforts, Tier 3
does not); action plans are hand-labelled below (read from the texts, before the rules were written).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ingest.build import prepare
from ingest.entities import Gazetteer
from ingest.facts import chapter_facts
from ingest.load import load
from kg.settings import PROJECT_ROOT

CHAPTERS = PROJECT_ROOT / "data" / "chapters"
STANDARD_OF_TIER = {"Tier 1": "meets", "Tier 2": "significant_efforts", "Tier 2 Watch List": "significant_efforts",
                    "Tier 3": "not_significant_efforts"}
# Chapters whose opening states a national anti-trafficking plan or programme (any status).
GOLD_ACTION_PLANS = {"tip2024_dominican_republic.txt", "tip2024_moldova.txt", "tip2024_uzbekistan.txt"}
FIELDS = ["subject", "tier", "year", "direction", "consecutive_years", "standard", "action_plan"]


def gold(folder: Path) -> dict[str, dict]:
    out = {}
    for line in (folder / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].endswith(".txt"):
            continue
        m = re.match(r"(?P<tier>Tier \d(?: Watch List)?|Special Case)\s*\((?P<dir>\w+)(?:, (?P<n>\d+)\w* year)?\)",
                     cells[4])
        out[cells[0]] = {"tier": m.group("tier"), "year": 2024, "direction": m.group("dir"),
                         "consecutive_years": int(m.group("n")) if m.group("n") else None,
                         "standard": STANDARD_OF_TIER.get(m.group("tier")),
                         "action_plan": cells[0] in GOLD_ACTION_PLANS, "subject": True}
    return out


def predicted(folder: Path, gaz: Gazetteer) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob("*.txt")):
        doc = load(path, 10_000_000)
        passages = prepare(doc, gaz)
        facts = chapter_facts(gaz, doc, passages)
        place = next((f.props for f in facts if f.kind == "placement" and f.props["year"] == 2024), {})
        status = next((f.props["standard"] for f in facts if f.kind == "status"), None)
        out[path.name] = {"subject": bool(doc.subject) or None, "tier": place.get("tier"), "year": place.get("year"),
                          "direction": place.get("direction"), "consecutive_years": place.get("consecutive_years"),
                          "standard": status, "action_plan": any(f.kind == "action_plan" for f in facts) or None}
    return out


def scores(g: dict[str, dict], p: dict[str, dict]) -> dict[str, tuple[int, int, int]]:
    """field -> (true positives, false positives, false negatives). A value the gold lacks (None/False) that
    the extractor also lacks counts nowhere."""
    out = {}
    for f in FIELDS:
        tp = fp = fn = 0
        for name, want in g.items():
            got = p.get(name, {}).get(f)
            want_v = want[f] or None
            if got is not None and got == want_v:
                tp += 1
            elif got is not None:
                fp += 1
            if want_v is not None and got != want_v:
                fn += 1
        out[f] = (tp, fp, fn)
    return out


def main(folder: Path = CHAPTERS) -> dict[str, tuple[int, int, int]]:
    g, p = gold(folder), predicted(folder, Gazetteer())
    result = scores(g, p)
    print(f"{'field':<18} {'found':>5} {'wrong':>5} {'missed':>6} {'precision':>9} {'recall':>6}")
    for f, (tp, fp, fn) in result.items():
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{f:<18} {tp + fp:>5} {fp:>5} {fn:>6} {prec:>9.3f} {rec:>6.3f}")
    for name in g:
        bad = [f for f in FIELDS if (p[name].get(f) or None) != (g[name][f] or None)]
        if bad:
            print(f"  {name}: " + ", ".join(f"{f} got {p[name].get(f)!r} want {g[name][f]!r}" for f in bad))
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CHAPTERS)
