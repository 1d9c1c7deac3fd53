"""The Gradio app: Ask (answers with clickable citations), Explore (the graph), Evaluations, status.

It calls the Python APIs of `retrieval` (Agent) and `kg` (explore queries) directly. Errors are
shown as messages; the status banner turns red while Neo4j is down and clears by itself.
"""

from __future__ import annotations

import html
import json
import math
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
from stores.offline import ensure_offline

ensure_offline()

import gradio as gr

from kg import explore
from kg.driver import Neo4jUnavailable
from kg.settings import PROJECT_ROOT, Settings
from retrieval.agent import Agent
from retrieval.citations import read_original
from retrieval.models import Answer

EXAMPLES = [
    "What tier is Myanmar in?",
    "Which heroes work in Tier 2 Watch List countries?",
    "What tier is the country where the founder of Atina works?",
    "How much does the Cuban government collect from its medical missions?",
    "Which countries were downgraded in 2024?",
    "What did Elon Musk say about the report?",
]
DEV_SET = PROJECT_ROOT / "evals" / "datasets" / "dev.jsonl"

CSS = """
#status-banner .down {background:#fde2e2;color:#8a1c1c;padding:8px 12px;border-radius:6px;font-weight:600}
#status-banner .up {background:#e6f4ea;color:#1e5631;padding:6px 12px;border-radius:6px}
.answer-box {padding:12px 14px;border-radius:8px;border-left:6px solid #2f855a;background:#f3faf6;font-size:1.05em}
.answer-box.abstained {border-left-color:#b7791f;background:#fffaf0}
.answer-box .badge {font-size:.8em;font-weight:600;color:#555;display:block;margin-bottom:4px}
.quote mark {background:#fff3a3;padding:1px 0}
.doc-view {max-height:420px;overflow:auto;white-space:pre-wrap;font-family:Georgia,serif;line-height:1.45;
           border:1px solid #ddd;border-radius:6px;padding:10px}
"""


def _answer_html(a: Answer) -> str:
    cls = "answer-box abstained" if a.abstained else "answer-box"
    badge = "The sources don't say" if a.abstained else "Answer"
    if a.reported_in and a.reported_in > 1:
        badge += f" · reported in {a.reported_in} sources"
    return (f'<div class="{cls}" id="answer-box"><span class="badge">{html.escape(badge)}</span>'
            f"{html.escape(a.answer)}</div>")


def _citation_label(c) -> str:
    where = c.document if c.passage_id else f"{c.document} line {c.start}"
    also = f" (+{len(c.also_in)} more sources)" if c.also_in else ""
    return f"[{c.n}] {c.title[:60]} — {where}{also}"


def _copy_text(a: Answer) -> str:
    lines = [a.answer, ""]
    for c in a.citations:
        lines.append(f"[{c.n}] {c.title} ({c.document}): “{c.quote}”")
    return "\n".join(lines)


def _neighbourhood_svg(center: str, rels: list[dict], settings: Settings) -> str:
    """A small radial picture of an entity and its neighbours; each node links to Neo4j Browser."""
    colours = {"Country": "#3182ce", "Actor": "#dd6b20", "Trend": "#805ad5", "Hero": "#d53f8c", "Tier": "#38a169",
               "Report": "#4a5568"}
    nodes = []
    for r in rels:
        if (r["label"], r["key"]) not in [(n["label"], n["key"]) for n in nodes]:
            nodes.append(r)
    nodes = nodes[:24]
    w, h, cx, cy, radius = 640, 420, 320, 210, 165
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" id="neighbourhood" '
             f'style="background:#fafafa;border-radius:8px">']
    for k, n in enumerate(nodes):
        angle = 2 * math.pi * k / max(1, len(nodes))
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        rel = next(r for r in rels if r["key"] == n["key"])
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.0f}" y2="{y:.0f}" stroke="#bbb"/>')
        parts.append(f'<text x="{(cx + x) / 2:.0f}" y="{(cy + y) / 2:.0f}" font-size="9" fill="#777">'
                     f'{html.escape(rel["type"])}{" " + str(rel["year"]) if rel.get("year") else ""}</text>')
        url = explore.browser_url(settings.http_port, explore.browser_cypher(n["label"], n["key"]))
        parts.append(f'<a href="{html.escape(url)}" target="_blank"><circle cx="{x:.0f}" cy="{y:.0f}" r="9" '
                     f'fill="{colours.get(n["label"], "#718096")}"><title>{html.escape(n["label"])}: '
                     f'{html.escape(n["name"] or "")}</title></circle></a>')
        parts.append(f'<text x="{x:.0f}" y="{y + 20:.0f}" font-size="11" text-anchor="middle">'
                     f'{html.escape((n["name"] or "")[:28])}</text>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="16" fill="#1a202c"/>'
                 f'<text x="{cx}" y="{cy + 32}" font-size="13" font-weight="bold" text-anchor="middle">'
                 f'{html.escape(center[:40])}</text></svg>')
    return "".join(parts)


def _runs_table(settings: Settings) -> tuple[list[list], list[str]]:
    rows, names = [], []
    if settings.runs_dir.exists():
        for run in sorted(settings.runs_dir.iterdir(), reverse=True):
            f = run / "summary.json"
            if not f.exists():
                continue
            try:
                s = json.loads(f.read_text())
            except json.JSONDecodeError:
                continue
            o = s["systems"]["tipkg"]["overall"]
            b = s["systems"].get("baseline", {}).get("overall", {})
            rows.append([run.name, s["questions"], round(o["accuracy"] or 0, 3),
                         round(b.get("accuracy") or 0, 3) if b else None,
                         round(o.get("citation_precision") or 0, 3), round(o.get("abstention_recall") or 0, 3),
                         o.get("latency_p95_ms")])
            names.append(run.name)
    return rows, names


def build_app(settings: Settings, agent: Agent) -> gr.Blocks:
    llm_on = settings.llm_provider != "none"

    def status():
        st = agent.status()
        if st.get("neo4j") != "ok":
            return (f'<div class="down" id="status-down">⚠ Neo4j is unavailable: {html.escape(st.get("neo4j", ""))} '
                    f"— answers and exploration will resume by themselves when it is back.</div>")
        return (f'<div class="up" id="status-ok">Neo4j ok · Chroma {html.escape(st.get("chroma", ""))} · '
                f'embeddings {html.escape(st.get("model", ""))} · LLM {html.escape(st.get("llm", "none"))} · '
                f'<a href="{settings.browser_url}" target="_blank">Neo4j Browser</a></div>')

    llm_agent: list[Agent] = []  # built on first use: loading a model per question would cost seconds

    def ask(question, mode):
        if mode == "llm" and llm_on:
            from retrieval.llm import stream_ask

            if not llm_agent:
                llm_agent.append(Agent(settings, mode="llm", embedder=agent.embedder))
            live, a = "", None
            # The model's words as they arrive, marked as unchecked; the checked answer replaces them.
            for item in stream_ask(llm_agent[0], question):
                if isinstance(item, str):
                    live += item
                    yield (f"<div class='answer live' id='answer-live'><small>model writing (not yet checked)"
                           f"…</small><br>{html.escape(live)}</div>", gr.update(), [], "", "")
                else:
                    a = item
        else:
            a = agent.ask(question)
        labels = [_citation_label(c) for c in a.citations]
        cites = [c.model_dump() for c in a.citations]
        yield (_answer_html(a), gr.update(choices=labels, value=None, visible=bool(labels)), cites,
               "", _copy_text(a))

    def show_citation(label, cites):
        if not label or not cites:
            return ""
        n = int(label.split("]")[0].lstrip("["))
        c = next((c for c in cites if c["n"] == n), None)
        if c is None:
            return ""
        if c["passage_id"] is None:
            return (f"<div class='quote' id='passage-view'><b>{html.escape(c['title'])}</b> — "
                    f"{html.escape(c['document'])}, line {c['start']}<br><mark>{html.escape(c['quote'])}</mark>"
                    f"<br><small>Source given by the table: {html.escape(c.get('source') or '')}</small></div>")
        try:
            doc = explore.document_of_passage(agent.graph, c["passage_id"])
        except Neo4jUnavailable as exc:
            return f"<div class='quote'>{html.escape(str(exc))}</div>"
        text = read_original(doc["path"]) if doc else None
        head = (f"<b>{html.escape(c['title'])}</b> — {html.escape(c['document'])}"
                + (f" · {html.escape(doc['outlet'])}" if doc and doc.get("outlet") else "")
                + (f"<br><small>Also carried by: {html.escape(', '.join(c['also_in']))}</small>" if c["also_in"] else ""))
        if not text or c["end"] > len(text):
            body = f"<mark>{html.escape(c['quote'])}</mark>"
        else:
            a, b = c["start"], c["end"]
            lo, hi = max(0, a - 1200), min(len(text), b + 1200)
            body = (("…" if lo else "") + html.escape(text[lo:a]) + f"<mark id='cited'>{html.escape(text[a:b])}</mark>"
                    + html.escape(text[b:hi]) + ("…" if hi < len(text) else ""))
        return f"<div class='quote' id='passage-view'>{head}<div class='doc-view'>{body}</div></div>"

    def entity_choices():
        try:
            rows = explore.entity_list(agent.graph)
        except Exception:  # noqa: BLE001 - an empty list; the banner says why
            return []
        return [(f"{r['name']} ({r['label']})", f"{r['label']}|{r['key']}") for r in rows]

    def show_entity(choice):
        if not choice:
            return "", "", "", ""
        label, key = choice.split("|", 1)
        try:
            node = explore.entity_node(agent.graph, key)
            rels = explore.entity_relations(agent.graph, key)
            mentions = explore.entity_mentions(agent.graph, key)
        except Neo4jUnavailable as exc:
            return f"**{exc}**", "", "", ""
        if node is None:
            return "Not in the graph.", "", "", ""
        props = node["props"]
        facts = [f"### {props.get('name')}  \n*{node['label']}*" + (f" · {props.get('kind')}" if props.get("kind") else "")]
        if props.get("aliases"):
            facts.append("Also known as: " + ", ".join(a for a in props["aliases"] if a != props.get("name")))
        for k in ("iso3", "role", "organization", "coverage_2024"):
            if props.get(k):
                facts.append(f"- **{k}**: {props[k]}")
        if props.get("figures"):
            facts.append("- **figures**: " + "; ".join(props["figures"]))
        placements = sorted([r for r in rels if r["type"] == "PLACED_IN"], key=lambda r: r["year"] or 0)
        if placements:
            facts.append("- **tiers**: " + " → ".join(f"{r['year']}: {r['name']}" for r in placements))
        for r in rels:
            if r["type"] != "PLACED_IN":
                arrow = "→" if r["outgoing"] else "←"
                facts.append(f"- {r['type']} {arrow} {r['name']} ({r['label']})")
        cy = explore.browser_cypher(label, key)
        link = (f"[Open in Neo4j Browser]({explore.browser_url(settings.http_port, cy)})  \n`{cy}`")
        passages = "\n\n".join(f"**{m['title']}** ({m['file']}): {m['text'][:400]}" for m in mentions) \
            or "No passage mentions it (it comes from the tier table)."
        return "\n".join(facts), _neighbourhood_svg(props.get("name") or key, rels, settings), passages, link

    def list_runs():
        rows, names = _runs_table(settings)
        return rows, gr.update(choices=names, value=names[0] if names else None)

    def show_run(name):
        if not name:
            return None, ""
        run = settings.runs_dir / name
        chart = run / "chart.png"
        report = run / "report.md"
        return (str(chart) if chart.exists() else None,
                report.read_text().replace("![chart](chart.png)", "") if report.exists() else "")

    def run_dev(progress=gr.Progress()):
        from evals.runner import run_eval

        progress(0, desc="Running the dev set…")
        run = run_eval(settings, DEV_SET, agent=agent, console=None)
        progress(1, desc="Done")
        rows, names = _runs_table(settings)
        return rows, gr.update(choices=names, value=run.name)

    theme = gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="tipkg — 2024 TIP Report") as app:
        gr.Markdown("# tipkg · 2024 Trafficking in Persons Report\nAsk questions answered from the report's news "
                    "coverage and tier table, every claim cited; explore the knowledge graph.")
        banner = gr.HTML(status(), elem_id="status-banner")
        timer = gr.Timer(5.0)
        timer.tick(status, outputs=banner)
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                question = gr.Textbox(label="Question", placeholder="e.g. What tier is Myanmar in?", lines=1,
                                      max_length=settings.max_question_chars, scale=5, elem_id="question")
                mode = gr.Radio(["default", "llm"], value="default", label="Mode", visible=llm_on, scale=1)
                ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
            answer = gr.HTML(elem_id="answer")
            citations = gr.Radio(choices=[], label="Citations (click one to see it in its document)",
                                 visible=False, elem_id="citations")
            passage = gr.HTML(elem_id="passage")
            copy_box = gr.Textbox(label="Answer with citations (copy)", lines=3, buttons=["copy"], interactive=False)
            cites_state = gr.State([])
            gr.Examples(EXAMPLES, inputs=question)
            ask_btn.click(ask, [question, mode], [answer, citations, cites_state, passage, copy_box])
            question.submit(ask, [question, mode], [answer, citations, cites_state, passage, copy_box])
            citations.change(show_citation, [citations, cites_state], passage)
        with gr.Tab("Explore", id="explore"):
            entity = gr.Dropdown(choices=entity_choices(), label="Entity (type to search)", filterable=True,
                                 elem_id="entity")
            with gr.Row():
                facts = gr.Markdown(elem_id="facts")
                picture = gr.HTML(elem_id="picture")
            browser_link = gr.Markdown(elem_id="browser-link")
            mentions = gr.Markdown(elem_id="mentions")
            entity.change(show_entity, entity, [facts, picture, mentions, browser_link])
        with gr.Tab("Evaluations", id="evals"):
            runs = gr.Dataframe(headers=["run", "questions", "accuracy", "baseline acc.", "citation precision",
                                         "abstention recall", "p95 ms"], interactive=False)
            run_pick = gr.Dropdown(label="Run", choices=[])
            with gr.Row():
                refresh = gr.Button("Refresh")
                run_btn = gr.Button("Run the dev set", variant="primary")
            chart = gr.Image(label="Accuracy by kind and latency", type="filepath")
            report = gr.Markdown()
            refresh.click(list_runs, outputs=[runs, run_pick])
            run_btn.click(run_dev, outputs=[runs, run_pick])
            run_pick.change(show_run, run_pick, [chart, report])
            app.load(list_runs, outputs=[runs, run_pick])
    app._tipkg_theme = theme  # applied at launch (Gradio 6 takes theme/css there)
    return app


def serve(settings: Settings, block: bool = True):
    agent = Agent(settings)
    try:
        agent.ensure()
    except Exception:  # noqa: BLE001 - the app starts anyway and its banner says what is wrong
        pass
    app = build_app(settings, agent)
    print(f"tipkg UI: {settings.ui_url}   Neo4j Browser: {settings.browser_url}", flush=True)
    return launch(app, settings, block=block)


def launch(app: gr.Blocks, settings: Settings, block: bool = False):
    """Serve a built app the one way users get it (styles, queue, paths), for `tipkg ui`, tests and bench."""
    app.queue(default_concurrency_limit=8)
    return app.launch(server_name=settings.ui_host, server_port=settings.ui_port, prevent_thread_lock=not block,
                      show_error=False, ssr_mode=False, quiet=True, theme=app._tipkg_theme, css=CSS,
                      allowed_paths=[str(settings.runs_dir)], footer_links=[])
