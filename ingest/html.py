"""A saved web page's text and what its head says about it: title (without the site's suffix), outlet and
date from meta tags and JSON-LD. Boilerplate that survives the tag filter (chrome built of divs and
paragraphs) goes in ingest.clean, by the same rules as a PDF's or a text file's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

DROP_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript", "button")
# "<title> - ecoi.net", "<title> | Reuters": the part after the last separator, when it names the site
_SUFFIX = re.compile(r"^(?P<title>.+?)\s+[-–—|·:]\s+(?P<site>[^-–—|·]{2,40})$")


@dataclass
class HtmlContent:
    text: str
    title: str
    outlet: str
    date: str


def _meta(tree, *names: str) -> str:
    for name in names:
        node = tree.css_first(f'meta[property="{name}"]') or tree.css_first(f'meta[name="{name}"]')
        if node and (node.attributes.get("content") or "").strip():
            return node.attributes["content"].strip()
    return ""


def _json_ld(tree) -> dict:
    """The first JSON-LD object that describes the page (an article, report or web page)."""
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text() or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and (item.get("headline") or item.get("datePublished")):
                return item
    return {}


def strip_site_suffix(title: str, site: str = "") -> str:
    m = _SUFFIX.match(title.strip())
    if not m:
        return title.strip()
    name = m.group("site").strip()
    if (site and name.lower() == site.lower()) or re.fullmatch(r"[\w-]+(\.[\w-]+)+", name) or len(name.split()) <= 3:
        return m.group("title").strip()
    return title.strip()


def read_html(html: str) -> HtmlContent:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    ld = _json_ld(tree)
    site = _meta(tree, "og:site_name", "application-name")
    publisher = ld.get("publisher") if isinstance(ld.get("publisher"), dict) else {}
    outlet = site or publisher.get("name", "") or _meta(tree, "twitter:site").lstrip("@")
    date = (ld.get("datePublished") or _meta(tree, "article:published_time", "datePublished", "date",
                                             "dc.date", "DC.date.issued"))[:10]
    title_node = tree.css_first("title")
    raw_title = (ld.get("headline") or _meta(tree, "og:title")
                 or (title_node.text(strip=True) if title_node else ""))
    for tag in DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    blocks = []
    body = tree.body or tree.root
    for node in body.css("h1, h2, h3, h4, p, li, blockquote"):
        t = " ".join(node.text(separator=" ").split())
        if t:
            blocks.append(t)
    return HtmlContent(text="\n\n".join(blocks), title=strip_site_suffix(raw_title, site), outlet=outlet, date=date)
