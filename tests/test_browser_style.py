"""The shipped Browser style becomes one post_connect_cmd entry that Browser's grass parser reads back."""

from __future__ import annotations

import json

from kg.browser_style import GRASS_FILE, parse_grass, post_connect_cmd


def test_post_connect_cmd_carries_the_whole_grass_file_in_one_entry():
    cmd = post_connect_cmd()
    assert cmd.startswith("style {")
    assert ";" not in cmd  # Browser splits post_connect_cmd on ';' outside quotes: one entry, whole style
    style = json.loads(cmd.removeprefix("style "))
    assert style == parse_grass(GRASS_FILE.read_text())
    assert style["node.Passage"]["caption"] == "{text}"  # a readable caption, not a cut-off id
    assert style["relationship.PLACED_IN"]["caption"] == "{year}"
    assert {"node.Country", "node.Tier", "node.Hero", "node.Actor", "node.Trend", "node.Document"} <= set(style)


def test_grass_values_keep_braces_and_colons_inside_quotes():
    rules = parse_grass('node.X { caption: "{a}: {b}"; diameter: 5px; }\nrelationship { caption: "<type>"; }')
    assert rules == {"node.X": {"caption": "{a}: {b}", "diameter": "5px"}, "relationship": {"caption": "<type>"}}
