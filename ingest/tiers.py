"""The tier table (CSV): one row per country, 2024 and 2023 placements and their sources.

Coverage is part of the data: the table is complete for some 2024 tiers and partial for others,
so the answerer can tell "not on the list" from "not known".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ingest.entities import Gazetteer

TIERS = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3", "Special Case"]
# From the table's own README: which 2024 lists it holds in full.
COVERAGE_2024 = {
    "Tier 1": ("partial", 33),
    "Tier 2": ("partial", None),
    "Tier 2 Watch List": ("complete", None),
    "Tier 3": ("complete", None),
    "Special Case": ("complete", None),
}
REQUIRED_COLUMNS = {"country", "tier_2024", "tier_2023", "source_2024", "source_2023"}


class TierTableError(ValueError):
    pass


@dataclass
class TierRow:
    row: int
    country: str
    iso3: str
    tier_2024: str
    tier_2023: str
    source_2024: str
    source_2023: str


def load_tiers(path: Path, gazetteer: Gazetteer) -> tuple[list[TierRow], list[str]]:
    """Rows that resolve to a country, and a warning for each row that does not."""
    warnings: list[str] = []
    try:
        fh = path.open(newline="", encoding="utf-8")
    except FileNotFoundError as exc:
        raise TierTableError(f"{path}: no such file") from exc
    with fh:
        reader = csv.DictReader(fh)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise TierTableError(f"{path.name}: missing columns {sorted(missing)}")
        rows = []
        for n, rec in enumerate(reader, start=2):
            name = (rec["country"] or "").strip()
            country = gazetteer.country_by_name(name)
            if country is None:
                warnings.append(f"{path.name}:{n}: unknown country '{name}', row skipped")
                continue
            t24, t23 = (rec["tier_2024"] or "").strip(), (rec["tier_2023"] or "").strip()
            if t24 not in TIERS or (t23 and t23 not in TIERS):
                warnings.append(f"{path.name}:{n}: unknown tier '{t24}'/'{t23}', row skipped")
                continue
            rows.append(TierRow(n, name, country.key, t24, t23, rec["source_2024"].strip(),
                                rec["source_2023"].strip()))
    return rows, warnings
