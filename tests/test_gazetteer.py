"""The gazetteer's matcher: a prefix-tree regex that must find exactly what a plain alternation of
every name (longest first) finds."""

from __future__ import annotations

import re

from ingest.entities import _POSSESSIVE, Gazetteer, _trie_regex
from kg.settings import PROJECT_ROOT


def _flat(forms) -> re.Pattern:
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w#])(?:the\s+)?({alternation}){_POSSESSIVE}(?![\w-])")


def _spans(pattern: re.Pattern, text: str) -> list[tuple[int, int, str]]:
    return [(m.start(1), m.end(1), m.group(1)) for m in pattern.finditer(text)]


def test_tree_matches_what_the_plain_alternation_matches():
    pattern, forms = Gazetteer()._surface_index
    flat = _flat(forms)
    texts = [p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))]
    # Every name as a word, plural, possessive, glued to a letter (no match) and before a hyphen (no match).
    texts.append(" ".join(f"{f} {f}s {f}'s x{f} {f}-based the {f}." for f in forms))
    assert texts[:-1], "the shipped corpus is missing"
    for text in texts:
        assert _spans(pattern, text) == _spans(flat, text)
    assert len(_spans(pattern, texts[-1])) > len(forms)


def test_longest_name_wins_and_prefixes_still_match():
    rx = re.compile(rf"\b({_trie_regex(['Congo', 'Republic of the Congo', 'Republic', 'Rep'])})\b")
    assert [m.group(1) for m in rx.finditer("the Republic of the Congo and the Republic and Congo, Rep.")] == [
        "Republic of the Congo", "Republic", "Congo", "Rep"]
