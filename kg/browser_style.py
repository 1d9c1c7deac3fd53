"""Neo4j Browser styled on connect: the shipped grass file, as the command Browser runs after it connects.

Browser runs each `;`-separated entry of `browser.post_connect_cmd` as `:<entry>`. `:style <url>` would have
to fetch the file from a host in `browser.remote_content_hostname_whitelist` (5.26's name for it; its
default is `guides.neo4j.com,localhost`), and nothing on the project's Neo4j serves a file, while the UI
that could is not always running. `:style <grass>` takes the style inline instead, and Browser's grass
parser tries JSON first: JSON has no `;` to be split on, so the whole style fits in one entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

GRASS_FILE = Path(__file__).resolve().parent / "browser" / "tipkg.grass"

_RULE = re.compile(r'([\w.]+)\s*\{((?:[^{}"]|"[^"]*")*)\}')


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """The grass file as Browser's own parser reads it: {selector: {property: value}}, quotes dropped."""
    rules: dict[str, dict[str, str]] = {}
    for selector, body in _RULE.findall(text):
        props = rules.setdefault(selector, {})
        for decl in re.findall(r'(?:[^;"]|"[^"]*")+', body):
            name, sep, value = decl.partition(":")
            if sep and name.strip():
                props[name.strip()] = value.strip().strip('"')
    return rules


def post_connect_cmd(grass_file: Path = GRASS_FILE) -> str:
    """The value of `browser.post_connect_cmd`: apply the shipped style on every connect."""
    style = json.dumps(parse_grass(grass_file.read_text()), separators=(",", ":"), ensure_ascii=True)
    return f"style {style}"
