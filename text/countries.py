"""Every country's names and demonyms, for linking questions about countries the corpus may lack.

Names come from pycountry (name, common and official names); demonyms from a short table of the
irregular ones and suffix rules for the rest ("Algeria" -> "Algerian", "Moldova" -> "Moldovan"). A
question about "Japanese heroes" then links Japan, and the answer can say the sources have none,
instead of answering about everyone.
"""

from __future__ import annotations

import re
from functools import lru_cache

IRREGULAR = {
    "AFG": ["Afghan"], "ARE": ["Emirati"], "BGD": ["Bangladeshi"], "BHR": ["Bahraini"], "CHE": ["Swiss"],
    "CHN": ["Chinese"], "CYP": ["Cypriot"], "CZE": ["Czech"], "DEU": ["German"], "DNK": ["Danish"], "ESP": ["Spanish"],
    "FIN": ["Finnish"], "FRA": ["French"], "GBR": ["British"], "GRC": ["Greek"], "IRL": ["Irish"], "IRQ": ["Iraqi"],
    "ISL": ["Icelandic"], "ISR": ["Israeli"], "JPN": ["Japanese"], "KAZ": ["Kazakh", "Kazakhstani"], "KGZ": ["Kyrgyz"],
    "KWT": ["Kuwaiti"], "LAO": ["Lao", "Laotian"], "LBN": ["Lebanese"], "MMR": ["Burmese"], "NLD": ["Dutch"],
    "NPL": ["Nepali", "Nepalese"], "NZL": ["New Zealander"], "OMN": ["Omani"], "PAK": ["Pakistani"],
    "PHL": ["Filipino", "Philippine"], "POL": ["Polish"], "PRT": ["Portuguese"], "QAT": ["Qatari"],
    "SAU": ["Saudi"], "SDN": ["Sudanese"], "SEN": ["Senegalese"], "SWE": ["Swedish"], "THA": ["Thai"],
    "TJK": ["Tajik"], "TKM": ["Turkmen"], "TUR": ["Turkish"], "UZB": ["Uzbek"], "VNM": ["Vietnamese"],
    "YEM": ["Yemeni"], "USA": ["American"], "KOR": ["South Korean"], "PRK": ["North Korean"], "MLT": ["Maltese"],
    "TWN": ["Taiwanese"], "TGO": ["Togolese"], "GAB": ["Gabonese"], "COG": ["Congolese"], "COD": ["Congolese"],
    "BEN": ["Beninese"], "MLI": ["Malian"], "NER": ["Nigerien"], "NGA": ["Nigerian"], "MDG": ["Malagasy"],
    "BTN": ["Bhutanese"], "GUY": ["Guyanese"], "SUR": ["Surinamese"], "ERI": ["Eritrean"], "SOM": ["Somali"],
    "MAR": ["Moroccan"], "MEX": ["Mexican"], "PER": ["Peruvian"], "ECU": ["Ecuadorian"], "HTI": ["Haitian"],
    "CAN": ["Canadian"], "GHA": ["Ghanaian"], "PAN": ["Panamanian"], "RUS": ["Russian"], "BRA": ["Brazilian"],
    "EGY": ["Egyptian"], "IRN": ["Iranian"], "ARG": ["Argentine", "Argentinian"], "CHL": ["Chilean"],
    "JOR": ["Jordanian"], "BLR": ["Belarusian"], "KHM": ["Cambodian"], "MYS": ["Malaysian"], "IND": ["Indian"],
    "LKA": ["Sri Lankan"], "UKR": ["Ukrainian"], "ITA": ["Italian"], "BEL": ["Belgian"], "HUN": ["Hungarian"],
    "DOM": ["Dominican"], "CUB": ["Cuban"], "ZAF": ["South African"], "COL": ["Colombian"],
}


_QUALIFIED = re.compile(r"^(?:South|North|East|West|Republic of|the Republic of|Democratic Republic of(?: the)?)\s+(.+)$|"
                        r"^(.+?),\s*(?:Republic of|Democratic People's Republic of|the)$")


def bare_name(name: str) -> str | None:
    """"South Korea" / "Korea, Republic of" -> "Korea": what people write when only one of the
    qualified names is meant (the caller decides whether the bare name is unambiguous)."""
    m = _QUALIFIED.match(name.strip())
    return (m.group(1) or m.group(2)).strip() if m else None


def with_bare_names(rows: list[dict], mentioned: set[str] | None = None) -> list[dict]:
    """Each ingested country also answers to its bare name ("Korea" for South Korea) when it is the only
    country that has it, or the only one of those that share it which the documents mention (the tier
    table lists both Koreas; a corpus with a South Korea chapter means that one)."""
    bare: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["label"] == "Country":
            for form in {b.lower() for n in [r["name"], *(r.get("aliases") or [])] if (b := bare_name(n))}:
                bare.setdefault(form, []).append(i)
    out = list(rows)
    for form, idx in bare.items():
        keys = {rows[i]["key"] for i in idx}
        if len(keys) > 1 and mentioned is not None:
            idx = [i for i in idx if rows[i]["key"] in mentioned]
            keys = {rows[i]["key"] for i in idx}
        if len(keys) == 1:
            r = out[idx[0]]
            out[idx[0]] = {**r, "aliases": [*(r.get("aliases") or []), form.title()]}
    return out


def derived_demonym(name: str) -> str | None:
    """The regular English demonym of a one-word country name, or None when no rule fits."""
    if " " in name or not name[:1].isupper():
        return None
    for suffix, replace in (("ia", "ian"), ("a", "an"), ("o", "an"), ("e", "ian"), ("y", "ian"), ("i", "ian"),
                            ("an", "ani"), ("us", "usian")):
        if name.endswith(suffix):
            return name[: len(name) - len(suffix)] + replace
    return None


@lru_cache(maxsize=1)
def world_countries() -> list[dict]:
    """One row per ISO country: key (alpha-3), name, aliases, demonyms."""
    import pycountry

    rows = []
    for c in pycountry.countries:
        names = [getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)]
        names = list(dict.fromkeys(n for n in names if n))
        short = re.sub(r",.*$", "", names[0])
        demonyms = IRREGULAR.get(c.alpha_3) or [d for d in [derived_demonym(short)] if d]
        rows.append({"label": "Country", "key": c.alpha_3, "name": names[0], "aliases": names[1:], "demonyms": demonyms})
    return rows
