"""The Explore tab's neighbourhood graph: built from kg.explore's queries, filtered by facets, drawn in
the page by vis-network (vendored under ui/static/vis-network, served by the app itself)."""

from __future__ import annotations

import json
from pathlib import Path

from kg import explore
from kg.driver import Graph

STATIC_DIR = Path(__file__).resolve().parent / "static"
VIS_JS = STATIC_DIR / "vis-network" / "vis-network.min.js"

LABELS = ["Country", "Tier", "Hero", "Actor", "Trend", "Report", "Document", "Passage"]
TIERS = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3", "Special Case"]
YEARS = [2024, 2023]
COLOURS = {"Country": "#3182ce", "Actor": "#dd6b20", "Trend": "#805ad5", "Hero": "#d53f8c", "Tier": "#38a169",
           "Report": "#4a5568", "Document": "#718096", "Passage": "#e2e8f0"}
HOP2_LIMIT = 25  # neighbours read per node at the second hop: a country's passages would flood the view
HOP2_NODES = 40  # nodes of the first hop expanded for the second


def _caption(label: str, caption: str | None, row: dict) -> str:
    caption = " ".join((caption or "").split())
    if label == "Passage":
        src = row.get("outlet") or (row.get("file") or "").split("_", 1)[0]
        at = f"¶{row['ordinal']}" if row.get("ordinal") is not None else "¶"
        return f"{at} · {src}" if src else at
    return caption if len(caption) <= 34 else caption[:32] + "…"


def _add_node(state: dict, label: str, key: str, caption: str | None, row: dict, hop: int) -> str:
    nid = explore.node_id(label, key)
    if nid not in state["nodes"]:
        state["nodes"][nid] = {"id": nid, "label": _caption(label, caption, row), "group": label,
                               "title": f"{label}: {' '.join((caption or key).split())[:300]}", "hop": hop}
    return nid


def _add_edge(state: dict, a: str, b: str, rtype: str, year: int | None = None, row: int | None = None) -> None:
    eid = f"{a}>{rtype}:{year or ''}>{b}"
    if eid not in state["edges"]:
        state["edges"][eid] = {"id": eid, "from": a, "to": b, "type": rtype, "year": year,
                               # the many mention / has-passage edges speak through colour and tooltip only
                               "label": str(year) if rtype == "PLACED_IN" and year
                               else "" if rtype in ("MENTIONS", "HAS_PASSAGE") else rtype.lower().replace("_", " "),
                               "title": f"{rtype}" + (f" {year}" if year else "") + (f", table row {row}" if row else "")}


def _expand(graph: Graph, state: dict, nid: str, hop: int, limit: int = 60, skip_passages: bool = False) -> list[str]:
    label, key = explore.split_node_id(nid)
    added = []
    passages = []
    for r in explore.neighbours(graph, label, key, limit=limit):
        if skip_passages and r["label"] == "Passage":
            continue
        m = _add_node(state, r["label"], r["key"], r["caption"], r, hop)
        a, b = (m, nid) if r["incoming"] else (nid, m)
        _add_edge(state, a, b, r["type"], r["year"], r["row"])
        added.append(m)
        if r["label"] == "Passage":
            passages.append(r["key"])
    # where the passages that mention it come from
    for d in explore.documents_of_passages(graph, passages):
        doc = _add_node(state, "Document", d["key"], d["caption"], d, hop + 1)
        _add_edge(state, doc, explore.node_id("Passage", d["pid"]), "HAS_PASSAGE")
    return added


def neighbourhood(graph: Graph, nid: str, hops: int = 1) -> dict:
    """The chosen entity, what it is linked to, the passages that mention it and their documents;
    with hops=2, also the neighbours of those (passages' co-mentioned entities included)."""
    label, key = explore.split_node_id(nid)
    details = explore.node_details(graph, label, key)
    if details is None:
        return {"center": nid, "nodes": {}, "edges": {}}
    props = details["props"]
    state = {"center": nid, "nodes": {}, "edges": {}}
    _add_node(state, label, key, props.get("name") or props.get("title") or props.get("text") or key, props, 0)
    first = _expand(graph, state, nid, 1)
    if hops >= 2:
        for m in first[:HOP2_NODES]:
            _expand(graph, state, m, 2, limit=HOP2_LIMIT, skip_passages=True)
    return state


def expand(graph: Graph, state: dict, nid: str) -> dict:
    """Add one node's neighbours to the view (a double-click or the Expand button)."""
    hop = state["nodes"].get(nid, {}).get("hop", 0) + 1
    state = {"center": state["center"], "nodes": dict(state["nodes"]), "edges": dict(state["edges"])}
    _expand(graph, state, nid, hop)
    return state


def apply_facets(state: dict, years: list, tiers: list[str], labels: list[str]) -> dict:
    """What the view shows: nodes of the chosen labels, tier placements of the chosen years, the chosen
    tiers (and, where their placements are known, only countries placed in them). The centre stays."""
    years = {int(y) for y in years}
    center = state.get("center")
    nodes = {k: n for k, n in state["nodes"].items() if k == center or (
        n["group"] in labels and (n["group"] != "Tier" or n["id"].split("|", 1)[1] in tiers))}
    edges = {k: e for k, e in state["edges"].items() if e["from"] in nodes and e["to"] in nodes
             and (e["type"] != "PLACED_IN" or e["year"] in years)}
    if set(tiers) != set(TIERS):
        placed = {e["from"] for e in state["edges"].values() if e["type"] == "PLACED_IN" and e["year"] in years}
        kept = {e["from"] for e in edges.values() if e["type"] == "PLACED_IN"}
        nodes = {k: n for k, n in nodes.items() if k == center or k not in placed or k in kept}
        edges = {k: e for k, e in edges.items() if e["from"] in nodes and e["to"] in nodes}
    linked = {e["from"] for e in edges.values()} | {e["to"] for e in edges.values()}
    nodes = {k: n for k, n in nodes.items() if k == center or k in linked}
    return {"center": center, "nodes": nodes, "edges": edges}


def to_vis(state: dict) -> str:
    """The JSON the page's vis-network reads (an empty view shows the empty state)."""
    nodes = []
    for n in state.get("nodes", {}).values():
        colour = COLOURS.get(n["group"], "#a0aec0")
        node = {"id": n["id"], "label": n["label"], "title": n["title"], "group": n["group"],
                "color": {"background": colour, "border": "#1a202c" if n["id"] == state.get("center") else colour,
                          "highlight": {"background": colour, "border": "#000"}},
                "font": {"color": "#1a202c", "size": 13 if n["group"] != "Passage" else 11},
                "shape": "box" if n["group"] == "Passage" else "dot",
                "size": 26 if n["id"] == state.get("center") else (10 if n["group"] == "Passage" else 16),
                "borderWidth": 4 if n["id"] == state.get("center") else 1}
        nodes.append(node)
    edges = [{"id": e["id"], "from": e["from"], "to": e["to"], "label": e["label"], "title": e["title"],
              "arrows": "to", "font": {"size": 10, "color": "#4a5568", "strokeWidth": 3}}
             for e in state.get("edges", {}).values()]
    return json.dumps({"nodes": nodes, "edges": edges, "center": state.get("center")}, ensure_ascii=False)


HEAD = f'<script src="/gradio_api/file={VIS_JS}"></script>'

TEMPLATE = """
<div class="tipkg-graph">
  <div class="graph-empty"><p>
    <b>Nothing to show yet.</b> Choose an entity above (type a few letters of a country, tier, hero,
    organisation or trend). Its neighbourhood appears here: click a node for its details, passages show
    their text; double-click a node, or use <i>Expand</i>, to add its neighbours.
  </p></div>
  <div class="graph-canvas" style="display:none"></div>
  <div class="graph-legend">__LEGEND__</div>
</div>
""".replace("__LEGEND__", " ".join(
    f'<span><i style="background:{c}"></i>{label}</span>' for label, c in COLOURS.items()))

CSS = """
.tipkg-graph {position:relative}
.tipkg-graph .graph-canvas {height:620px;border:1px solid #d8dee6;border-radius:8px;background:#fbfcfd}
.tipkg-graph .graph-empty {height:620px;display:flex;align-items:center;justify-content:center;text-align:center;
  padding:0 18%;color:#4a5568;border:1px dashed #cbd5e0;border-radius:8px;background:#f7fafc;line-height:1.5}
.tipkg-graph .graph-legend {font-size:12px;color:#4a5568;margin-top:6px}
.tipkg-graph .graph-legend span {margin-right:12px;white-space:nowrap}
.tipkg-graph .graph-legend i {display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;
  vertical-align:middle;border:1px solid #a0aec0}
"""

# Runs once when the component mounts; `watch` redraws on every new value. Positions of nodes already
# drawn are kept, so an expansion grows the picture instead of shuffling it.
JS = """
let net = null, positions = {};
function draw() {
  const canvas = element.querySelector('.graph-canvas');
  const empty = element.querySelector('.graph-empty');
  let data = {nodes: [], edges: []};
  try { data = JSON.parse(props.value || '{}'); } catch (e) {}
  if (net) { Object.assign(positions, net.getPositions()); net.destroy(); net = null; }
  if (!data.nodes || !data.nodes.length) {
    canvas.style.display = 'none'; empty.style.display = 'flex'; canvas.dataset.nodes = '0'; return;
  }
  empty.style.display = 'none'; canvas.style.display = 'block';
  for (const n of data.nodes) { const p = positions[n.id]; if (p) { n.x = p.x; n.y = p.y; } }
  net = new vis.Network(canvas, {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}, {
    physics: {solver: 'forceAtlas2Based', forceAtlas2Based: {gravitationalConstant: -60, springLength: 110},
              stabilization: {iterations: 250}},
    interaction: {hover: true, tooltipDelay: 150, navigationButtons: false},
    edges: {smooth: {type: 'continuous'}, color: {color: '#a0aec0', highlight: '#2d3748'}},
  });
  net.once('stabilizationIterationsDone', () => net.setOptions({physics: false}));
  net.on('click', p => { if (p.nodes.length) trigger('node_click', {node: p.nodes[0]}); });
  net.on('doubleClick', p => { if (p.nodes.length) trigger('node_expand', {node: p.nodes[0]}); });
  canvas.dataset.nodes = String(data.nodes.length);
  element.tipkgNetwork = net;  // lets the browser test find a node on the canvas
}
function whenReady() { if (window.vis) draw(); else setTimeout(whenReady, 100); }
watch('value', whenReady);
whenReady();
"""
