"""The Gradio app an analyst keeps open: Ask (answers with citations to click, session history, export),
Explore (an interactive neighbourhood graph), Documents (what is ingested, upload more), Evaluations.

It calls the Python APIs of `retrieval` (the Agent's public surface), `kg` (explore queries), `ingest`
and `evals` directly. Errors are shown as messages; the status banner turns red while Neo4j is down and
clears by itself.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
from stores.offline import ensure_offline

ensure_offline()

import gradio as gr

from kg import explore
from kg.driver import Neo4jUnavailable
from kg.settings import PROJECT_ROOT, Settings
from retrieval.agent import Agent
from retrieval.models import Answer
from ui import citing, graphview
from ui.banner import status_html
from ui.jobs import Job

EXAMPLES = [
    "What tier is Myanmar in?",
    "Which heroes work in Tier 2 Watch List countries?",
    "What tier is the country where the founder of Atina works?",
    "How much does the Cuban government collect from its medical missions?",
    "Which countries were downgraded in 2024?",
    "What did Elon Musk say about the report?",
]
QUESTION_SETS = {"dev": PROJECT_ROOT / "evals" / "datasets" / "dev.jsonl",
                 "holdout": PROJECT_ROOT / "evals" / "datasets" / "holdout.jsonl"}
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf"]
CONTEXT_CHARS = 1500  # of the document shown either side of a cited span

CSS = """
#status-banner .down {background:#fde2e2;color:#8a1c1c;padding:8px 12px;border-radius:6px;font-weight:600}
#status-banner .up {background:#e6f4ea;color:#1e5631;padding:6px 12px;border-radius:6px}
.answer-box {padding:12px 14px;border-radius:8px;border-left:6px solid #2f855a;background:#f3faf6;font-size:1.05em;
             line-height:1.5}
.answer-box.abstained {border-left-color:#b7791f;background:#fffaf0}
.answer-box.failed {border-left-color:#c53030;background:#fde2e2}
.answer-box.streaming {border-left-color:#a0aec0;background:#f7fafc;color:#4a5568}
.answer-box .badge {font-size:.8em;font-weight:600;color:#555;display:block;margin-bottom:4px}
.answer-box a.cite-ref {color:#2b6cb0;font-weight:600;text-decoration:none;padding:0 1px;border-radius:3px}
.answer-box a.cite-ref:hover {background:#ebf4ff;text-decoration:underline}
.quote mark, .doc-view mark {background:#fff3a3;padding:1px 0}
.doc-view {max-height:420px;overflow:auto;white-space:pre-wrap;font-family:Georgia,serif;line-height:1.45;
           border:1px solid #ddd;border-radius:6px;padding:10px;margin-top:6px}
.panel-head {font-size:.95em;line-height:1.45}
.panel-head .kind {display:inline-block;font-size:.75em;font-weight:700;color:#fff;border-radius:4px;padding:1px 6px;
                   margin-right:6px;vertical-align:middle}
.node-panel dl {display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:8px 0;font-size:.92em}
.node-panel dt {color:#4a5568;font-weight:600}
.node-panel dd {margin:0}
.empty-note {color:#4a5568;background:#f7fafc;border:1px dashed #cbd5e0;border-radius:8px;padding:14px 16px}
.job-log {font-family:ui-monospace,monospace;font-size:.9em;background:#f7fafc;border-radius:6px;padding:8px 12px}
.job-log .bar {display:inline-block;width:180px;height:9px;background:#e2e8f0;border-radius:5px;margin:0 8px;
               vertical-align:middle;overflow:hidden}
.job-log .bar i {display:block;height:100%;background:#3182ce}
.job-log .err {color:#9b2c2c}
.chart {font-size:.9em}
.chart .row {display:grid;grid-template-columns:190px 1fr 52px;align-items:center;gap:8px;margin:3px 0}
.chart .track {background:#edf2f7;border-radius:4px;height:12px;position:relative;overflow:hidden}
.chart .track i {display:block;height:100%;border-radius:4px}
.chart .legend span {margin-right:14px}
.chart .legend i {display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
"""

# The answer box hands clicks on its [n] markers to Python as a `cite` event (n = the citation).
ANSWER_JS = """
element.addEventListener('click', (e) => {
  const a = e.target.closest('a.cite-ref');
  if (!a) return;
  e.preventDefault();
  trigger('cite', {n: Number(a.dataset.n)});
});
"""
# Enter in the question box presses the Ask button on show (default mode's, or LLM mode's that streams).
SUBMIT_JS = """
() => {
  const llm = document.querySelector('#ask-llm-btn');
  ((llm && llm.offsetParent !== null) ? llm : document.querySelector('#ask-btn')).click();
}
"""
# A document view scrolls itself to the highlighted span whenever it shows a new one.
SCROLL_TO_MARK_JS = """
function toMark() {
  const view = element.querySelector('.doc-view'), mark = element.querySelector('.doc-view mark');
  if (view && mark) view.scrollTop = Math.max(0, mark.offsetTop - view.offsetTop - 80);
}
watch('value', toMark);
"""


@lru_cache(maxsize=64)
def _extracted(path: str, mtime: float, max_bytes: int, max_pdf_bytes: int | None = None) -> str | None:
    from ingest.load import LoadError, load

    try:
        return load(Path(path), max_bytes, max_pdf_bytes).text
    except (LoadError, OSError):
        return None


def extracted_text(path: str | None, max_bytes: int, max_pdf_bytes: int | None = None) -> str | None:
    """The text the passages' offsets count in: for HTML and PDF the extracted text, never the raw file."""
    if not path:
        return None
    try:
        return _extracted(path, Path(path).stat().st_mtime, max_bytes, max_pdf_bytes)
    except OSError:
        return None


def highlighted(text: str, a: int, b: int, context: int = CONTEXT_CHARS) -> str:
    lo, hi = max(0, a - context), min(len(text), b + context)
    return (("…" if lo else "") + html.escape(text[lo:a]) + f"<mark id='cited'>{html.escape(text[a:b])}</mark>"
            + html.escape(text[b:hi]) + ("…" if hi < len(text) else ""))


def _kind_badge(label: str) -> str:
    colour = graphview.COLOURS.get(label, "#718096")
    fg = "#1a202c" if label == "Passage" else "#fff"
    return f'<span class="kind" style="background:{colour};color:{fg}">{html.escape(label)}</span>'


def _runs(settings: Settings) -> list[tuple[str, dict]]:
    out = []
    if settings.runs_dir.exists():
        for run in sorted(settings.runs_dir.iterdir(), reverse=True):
            try:
                out.append((run.name, json.loads((run / "summary.json").read_text())))
            except (OSError, json.JSONDecodeError):
                continue
    return out


def _runs_table(settings: Settings) -> list[list]:
    rows = []
    for name, s in _runs(settings):
        o = s["systems"]["tipkg"]["overall"]
        b = s["systems"].get("baseline", {}).get("overall", {})
        rows.append([name, Path(s.get("qa", "")).name, s["questions"], round(o["accuracy"] or 0, 3),
                     round(b["accuracy"] or 0, 3) if b.get("accuracy") is not None else None,
                     _rounded(o.get("citation_precision")), _rounded(o.get("abstention_recall")),
                     o.get("latency_p95_ms")])
    return rows


def _rounded(x: float | None) -> float | None:
    """A metric for the runs table; None (a set with no unanswerable questions has no abstention recall)
    stays empty instead of reading as 0."""
    return None if x is None else round(x, 3)


def chart_html(summary: dict) -> str:
    """Accuracy by kind, tipkg beside the baseline, drawn as HTML bars: it fits any width and has no title
    to collide with the panel's label."""
    systems = {"tipkg": "#2f855a", "baseline": "#a0aec0"}
    by_kind = summary["systems"]["tipkg"]["by_kind"]
    parts = ['<div class="chart" id="eval-chart"><div class="legend">'
             + "".join(f'<span><i style="background:{c}"></i>{n}</span>' for n, c in systems.items()
                       if n in summary["systems"]) + "</div>"]
    for kind, block in [("overall", summary["systems"]["tipkg"]["overall"]), *by_kind.items()]:
        for name, colour in systems.items():
            if name not in summary["systems"]:
                continue
            s = summary["systems"][name]
            acc = (s["overall"] if kind == "overall" else s["by_kind"].get(kind, {})).get("accuracy") or 0
            label = f"{kind} (n={block['n']})" if name == "tipkg" else ""
            parts.append(f'<div class="row"><span>{html.escape(label)}</span><div class="track">'
                         f'<i style="width:{acc * 100:.1f}%;background:{colour}"></i></div><span>{acc:.2f}</span></div>')
    return "".join(parts) + "</div>"


def _stages_html(title: str, stages, errors: list[str] = (), note: str = "") -> str:
    rows = [f"<b>{html.escape(title)}</b>"]
    for s in stages:
        rows.append(f'<div>{html.escape(s.name):<24}<span class="bar"><i style="width:{s.fraction * 100:.0f}%">'
                    f"</i></span>{s.done}/{s.total}</div>")
    rows += [f'<div class="err">skipped: {html.escape(e)}</div>' for e in errors]
    if note:
        rows.append(f"<div>{note}</div>")
    return f'<div class="job-log" id="job-log">{"".join(rows)}</div>'


def build_app(settings: Settings, agent: Agent, llm_agent: Agent | None = None) -> gr.Blocks:
    """The app over `agent`; `llm_agent` answers in LLM mode (made from the settings on first use if not
    given)."""
    llm_on = settings.llm_provider != "none"
    export_dir = Path(tempfile.mkdtemp(prefix="tipkg-export-"))
    ingest_lock, eval_lock = threading.Lock(), threading.Lock()
    llm_agents: list[Agent] = [llm_agent] if llm_agent else []  # one, made once: a model loads in seconds
    dbms = settings.browser_dbms
    try:  # the tier table's columns name the cells of a table citation
        header = settings.tiers_csv.read_text(encoding="utf-8").splitlines()[0].split(",")
    except (OSError, IndexError):
        header = None

    def status():
        return status_html(agent.status(), settings.browser_url)

    # -- Ask ---------------------------------------------------------------------------------------
    def _files_for(a: Answer, session: list[Answer]) -> list:
        tag = uuid.uuid4().hex[:8]
        stem = re.sub(r"[^a-z0-9]+", "-", a.question.lower()).strip("-")[:40] or "answer"
        out = []
        for name, text in ((f"{stem}.md", citing.to_markdown([a], a.question)), (f"{stem}.json", citing.to_json([a])),
                           (f"{stem}.csv", citing.to_csv(a) if citing.is_list(a) else None),
                           ("tipkg-session.md", citing.to_markdown(session, "tipkg session")),
                           ("tipkg-session.json", citing.to_json(session))):
            if text is None:
                out.append(gr.update(value=None, visible=False))
                continue
            folder = export_dir / tag
            folder.mkdir(exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            out.append(gr.update(value=str(folder / name), visible=True))
        return out

    def _history_labels(session: list[Answer]) -> list[tuple[str, int]]:
        return [(f"{i + 1}. {a.question[:70]}", i) for i, a in enumerate(session)]

    def _render(a: Answer, session: list[Answer], k: int):
        # Export files are written only when asked for (prepare_exports): writing five per answer, and Gradio
        # checking each path it serves, cost more server time than answering.
        labels = [citing.citation_label(a, c, header) for c in a.citations]
        return (citing.answer_html(a), gr.update(choices=labels, value=None, visible=bool(labels)), "",
                a.model_dump(mode="json"), gr.update(choices=_history_labels(session), value=k, visible=True),
                gr.update(visible=True), gr.update(visible=False))

    def prepare_exports(current, session_json):
        if not current:
            return (gr.skip(),) * 6
        session = [Answer.model_validate(x) for x in session_json or []]
        return (gr.update(visible=True), *_files_for(Answer.model_validate(current), session))

    def _llm_agent() -> Agent:
        if not llm_agents:
            llm_agents.append(Agent(settings, mode="llm", embedder=agent.embedder))
        return llm_agents[0]

    def _answered(a: Answer, session_json):
        session = [Answer.model_validate(x) for x in session_json or []] + [a]
        return (*_render(a, session, len(session) - 1), [x.model_dump(mode="json") for x in session])

    # Default mode is a plain function, not a generator: Gradio sends a generator's output at least twice,
    # which every default-mode answer would pay for. LLM mode has its own button that streams (ask_llm).
    def ask(question, mode, session_json):
        a = _llm_agent().ask(question) if mode == "llm" and llm_on else agent.ask(question)
        return _answered(a, session_json)

    def ask_llm(question, session_json):
        """LLM mode: the model's words as they come, then the checked answer in their place."""
        from retrieval.llm import stream_ask

        text, skip = "", gr.skip()
        for item in stream_ask(_llm_agent(), question):
            if isinstance(item, str):
                # The first word clears what belonged to the previous answer (its citations, its files).
                cleared = (gr.update(visible=False), "", skip, skip, skip, gr.update(visible=False)) if not text \
                    else (skip,) * 6
                text += item
                yield citing.streaming_html(text), *cleared, skip
            else:
                yield _answered(item, session_json)

    def restore(k, session_json):
        session = [Answer.model_validate(x) for x in session_json or []]
        if k is None or not (0 <= int(k) < len(session)):
            return (gr.skip(),) * 8
        return (*_render(session[int(k)], session, int(k)), session_json)

    def show_citation(label, current):
        if not label or not current:
            return ""
        a = Answer.model_validate(current)
        n = int(label.split("]")[0].lstrip("["))
        c = next((c for c in a.citations if c.n == n), None)
        if c is None:
            return ""
        if c.passage_id is None:
            year = citing.table_year(a, c)
            return (f"<div class='quote panel-head' id='passage-view'><b>[{c.n}] {html.escape(c.title)}</b> — "
                    f"{html.escape(c.document)}, row {c.start}" + (f" ({year})" if year else "")
                    + f"<div class='doc-view'><mark>{html.escape(c.quote)}</mark></div>"
                    f"<small>Source given by the table: {html.escape(c.source or '')}</small></div>")
        try:
            doc = explore.document_of_passage(agent.graph, c.passage_id)
        except Neo4jUnavailable as exc:
            return f"<div class='quote'>{html.escape(str(exc))}</div>"
        text = extracted_text(doc["path"] if doc else None, settings.max_document_bytes, settings.max_pdf_bytes)
        head = citing.passage_head(c, (doc or {}).get("outlet") or "")
        if not text or c.end > len(text):
            body = f"<mark>{html.escape(c.quote)}</mark>"
        else:
            body = highlighted(text, c.start, c.end)
        return f"<div class='quote panel-head' id='passage-view'>{head}<div class='doc-view'>{body}</div></div>"

    def open_cite(current, evt: gr.EventData):
        n = int(getattr(evt, "n", None) or evt._data.get("n"))
        a = Answer.model_validate(current)
        c = next((c for c in a.citations if c.n == n), None)
        if c is None:
            return gr.skip(), gr.skip()
        label = citing.citation_label(a, c, header)
        return gr.update(value=label), show_citation(label, current)

    # -- Explore -----------------------------------------------------------------------------------
    def entity_choices():
        try:
            rows = explore.entity_list(agent.graph)
        except Exception:  # noqa: BLE001 - an empty list; the banner says why
            return []
        return [(f"{r['name']} ({r['label']})", explore.node_id(r["label"], r["key"])) for r in rows]

    def node_panel(nid: str | None) -> str:
        if not nid:
            return ('<div class="empty-note" id="node-panel">Click a node to see what it is, the passage text '
                    "behind it, and a link to open it in Neo4j Browser.</div>")
        label, key = explore.split_node_id(nid)
        try:
            node = explore.node_details(agent.graph, label, key)
            passage = explore.passage_with_document(agent.graph, key) if label == "Passage" else None
        except Neo4jUnavailable as exc:
            return f"<div class='empty-note'>{html.escape(str(exc))}</div>"
        if node is None:
            return "<div class='empty-note'>Not in the graph any more (re-ingested?).</div>"
        p = node["props"]
        name = p.get("name") or p.get("title") or (f"Passage {p.get('ordinal')} of {p.get('file')}" if passage else key)
        rows = []
        aliases = [x for x in p.get("aliases") or [] if x and x != p.get("name")]
        if aliases:
            rows.append(("Also known as", ", ".join(aliases[:12])))
        for k, title in (("iso3", "ISO code"), ("kind", "Kind"), ("role", "Role"), ("organization", "Organisation"),
                         ("outlet", "Outlet"), ("file", "File"), ("coverage_2024", "Countries in 2024"),
                         ("edition", "Edition")):
            if p.get(k) not in (None, "", []):
                rows.append((title, str(p[k])))
        if p.get("figures"):
            rows.append(("Figures", "; ".join(p["figures"])))
        if label == "Country":
            try:
                placed = [r for r in explore.entity_relations(agent.graph, key) if r["type"] == "PLACED_IN"]
            except Neo4jUnavailable:
                placed = []
            if placed:
                rows.append(("Tiers", " → ".join(f"{r['year']}: {r['name']}" for r in
                                                 sorted(placed, key=lambda r: r["year"] or 0))))
        dl = "".join(f"<dt>{html.escape(a)}</dt><dd>{html.escape(b)}</dd>" for a, b in rows)
        cy = explore.browser_cypher(label, key)
        link = explore.browser_url(settings.http_port, cy, dbms)
        body = ""
        if passage:
            text = extracted_text(passage["path"], settings.max_document_bytes, settings.max_pdf_bytes)
            where = " · ".join(x for x in (passage["outlet"], f"“{passage['title']}”", passage["file"]) if x)
            body = (f"<div><b>Document:</b> {html.escape(where)}</div>"
                    f"<div class='doc-view' id='passage-text'>"
                    + (highlighted(text, passage["start"], passage["end"], 600) if text and passage["end"] <= len(text)
                       else f"<mark>{html.escape(passage['text'])}</mark>") + "</div>")
        return (f'<div class="node-panel panel-head" id="node-panel">{_kind_badge(label)}<b>{html.escape(name[:120])}</b>'
                f"<dl>{dl}</dl>{body}"
                f'<p><a href="{html.escape(link)}" target="_blank" id="browser-link">Open in Neo4j Browser ↗</a> '
                f"<small><code>{html.escape(cy)}</code></small></p></div>")

    def _draw(state, years, tiers, labels):
        return graphview.to_vis(graphview.apply_facets(state, years, tiers, labels))

    def load_entity(nid, hops, years, tiers, labels):
        if not nid:
            empty = {"center": None, "nodes": {}, "edges": {}}
            return empty, _draw(empty, years, tiers, labels), None, node_panel(None)
        try:
            state = graphview.neighbourhood(agent.graph, nid, 2 if hops == "2 hops" else 1)
        except Neo4jUnavailable as exc:
            return gr.skip(), gr.skip(), None, f"<div class='empty-note'>{html.escape(str(exc))}</div>"
        return state, _draw(state, years, tiers, labels), nid, node_panel(nid)

    def click_node(evt: gr.EventData):
        nid = getattr(evt, "node", None) or evt._data.get("node")
        return nid, node_panel(nid)

    def expand_node(state, nid, years, tiers, labels):
        if not state or not nid:
            return gr.skip(), gr.skip()
        try:
            state = graphview.expand(agent.graph, state, nid)
        except Neo4jUnavailable:
            return gr.skip(), gr.skip()
        return state, _draw(state, years, tiers, labels)

    def expand_clicked(state, years, tiers, labels, evt: gr.EventData):
        nid = getattr(evt, "node", None) or evt._data.get("node")
        new_state, drawn = expand_node(state, nid, years, tiers, labels)
        return new_state, drawn, nid, node_panel(nid)

    # -- Documents ---------------------------------------------------------------------------------
    def documents():
        try:
            rows = explore.document_list(agent.graph)
        except Neo4jUnavailable:
            return [], []
        table = []
        for r in rows:
            when = r["ingested_at"]
            when = when.to_native().strftime("%Y-%m-%d %H:%M") if hasattr(when, "to_native") else "—"
            kind = Path(r["file"] or "").suffix.lstrip(".").lower() or "?"
            table.append([r["title"] or r["file"], r["outlet"] or "—", kind, r["passages"], when, r["file"]])
        return table, [r["doc_id"] for r in rows]

    def refresh_documents():
        table, ids = documents()
        return table, ids

    def view_document(ids, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not ids or row is None or row >= len(ids):
            return ""
        try:
            d = explore.document_by_id(agent.graph, ids[row])
        except Neo4jUnavailable as exc:
            return html.escape(str(exc))
        if d is None:
            return ""
        text = extracted_text(d["path"], settings.max_document_bytes, settings.max_pdf_bytes) or "(the file is no longer on disk)"
        head = " · ".join(x for x in (d["outlet"], f"“{d['title']}”", d["file"]) if x)
        return (f'<div class="panel-head" id="doc-viewer"><b>{html.escape(head)}</b>'
                f"<div class='doc-view'>{html.escape(text)}</div></div>")

    def ingest_uploads(files):
        from ingest.build import IngestError, run_ingest
        from stores.embeddings import ModelMissing
        from stores.vectorstore import ChromaUnavailable

        if not files:
            yield _stages_html("Choose files to ingest first.", []), gr.skip(), gr.skip(), gr.skip()
            return
        if not ingest_lock.acquire(blocking=False):
            yield _stages_html("Another ingest is running; try again when it ends.", []), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            # Uploads land in Gradio's temporary folder; a citation must open the file later, so it is kept
            # under the state folder, by its own name.
            target = settings.home / "uploads"
            target.mkdir(parents=True, exist_ok=True)
            paths = []
            for f in files:
                src = Path(getattr(f, "name", f))
                dst = target / re.sub(r"[^\w.\- ]+", "_", src.name)
                shutil.copyfile(src, dst)
                paths.append(dst)
            before = agent.corpus_version
            job = Job(lambda tap: run_ingest(settings, paths, tiers_csv=settings.tiers_csv, console=tap,
                                             embedder=agent.embedder))
            title = f"Ingesting {len(paths)} file{'s' if len(paths) > 1 else ''}…"
            for stages in job.watch():
                yield _stages_html(title, stages, note=f"{job.elapsed:.0f} s"), gr.skip(), gr.skip(), gr.skip()
            if job.error is not None:
                err = job.error
                msg = str(err) if isinstance(err, (IngestError, Neo4jUnavailable, ModelMissing, ChromaUnavailable)) \
                    else f"{type(err).__name__}: {err}"
                yield (_stages_html("Ingest failed", job.tap.stages(), [msg]), gr.skip(), gr.skip(), gr.skip())
                return
            summary = job.result
            stages = job.tap.stages()
            done = (f"{summary.documents} document(s), {summary.passages} passages; "
                    f"{summary.embedded} embedded this run.")
            # The answerer re-reads its corpus every refresh_seconds; wait until it has, so that the next
            # question already sees the new documents.
            deadline = time.monotonic() + settings.refresh_seconds + 10
            while summary.documents and agent.corpus_version == before and time.monotonic() < deadline:
                yield (_stages_html("Making the new documents searchable…", stages, summary.errors, done),
                       gr.skip(), gr.skip(), gr.skip())
                try:
                    agent.ensure()
                except Exception:  # noqa: BLE001 - the banner reports a store that is down
                    pass
                time.sleep(1.0)
            table, ids = documents()
            ready = "Ready: ask about them on the Ask tab." if summary.documents else "Nothing was ingested."
            yield (_stages_html("Ingest finished", stages, summary.errors, f"{done} {ready}"), table, ids,
                   gr.update(choices=entity_choices()))
        finally:
            ingest_lock.release()

    # -- Evaluations -------------------------------------------------------------------------------
    def runs_view():
        rows = _runs_table(settings)
        names = [r[0] for r in rows]
        empty = not rows
        return (gr.update(visible=empty), gr.update(value=rows, visible=not empty),
                gr.update(choices=names, value=names[0] if names else None),
                gr.update(choices=names, value=names[1] if len(names) > 1 else None))

    def show_run(name):
        if not name:
            return "", ""
        run = settings.runs_dir / name
        try:
            summary = json.loads((run / "summary.json").read_text())
        except (OSError, json.JSONDecodeError):
            return "", ""
        report = (run / "report.md").read_text() if (run / "report.md").exists() else ""
        return chart_html(summary), report.replace("![chart](chart.png)", "")

    def compare(a, b):
        from evals.compare import compare_runs

        if not a or not b or a == b:
            return "<div class='empty-note'>Pick two different runs to compare.</div>"
        try:
            text = compare_runs(settings.runs_dir / a, settings.runs_dir / b)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            return f"<div class='empty-note'>{html.escape(str(exc))}</div>"
        return f"<pre class='job-log' id='compare'>{html.escape(text)}</pre>"

    def run_set(set_name, limit, progress=gr.Progress()):
        from evals.runner import run_eval

        skip = (gr.skip(),) * 4
        if not eval_lock.acquire(blocking=False):
            yield _stages_html("An evaluation is already running.", []), *skip
            return
        try:
            qa = QUESTION_SETS[set_name]
            n = int(limit or 0) or None
            job = Job(lambda tap: run_eval(settings, qa, agent=agent, console=tap, limit=n))
            for stages in job.watch():
                s = stages[0] if stages else None
                if s:
                    progress((s.done, s.total), desc=f"{s.name}: {s.done}/{s.total} answers")
                title = f"Running {qa.name}" + (f" (first {n} questions)" if n else "") + "…"
                yield _stages_html(title, stages, note=f"{job.elapsed:.0f} s"), *skip
            if job.error is not None:
                yield _stages_html("The run failed", job.tap.stages(), [str(job.error)]), *skip
                return
            yield (_stages_html(f"Finished: {job.result.name}", job.tap.stages()), *runs_view())
        finally:
            eval_lock.release()

    # -- layout ------------------------------------------------------------------------------------
    theme = gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="tipkg — 2024 TIP Report") as app:
        gr.Markdown("# tipkg · 2024 Trafficking in Persons Report\nAsk questions answered from the report's news "
                    "coverage and tier table, every claim cited; explore the knowledge graph.")
        banner = gr.HTML(status(), elem_id="status-banner")
        timer = gr.Timer(5.0)
        timer.tick(status, outputs=banner)
        current = gr.State(None)
        session = gr.State([])
        with gr.Tab("Ask", id="ask"):
            with gr.Row(equal_height=True):
                question = gr.Textbox(label="Question", placeholder="e.g. What tier is Myanmar in?", lines=1,
                                      max_length=settings.max_question_chars, scale=6, elem_id="question")
                mode = gr.Radio(["default", "llm"], value="default", label="Mode", visible=llm_on, scale=1)
                ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
                ask_llm_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-llm-btn", visible=False)
            gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Row():
                with gr.Column(scale=3):
                    answer = gr.HTML("", elem_id="answer", js_on_load=ANSWER_JS)
                    citations = gr.Radio(choices=[], label="Citations (click one, or a [n] in the answer, to see it "
                                         "in its document)", visible=False, elem_id="citations")
                    passage = gr.HTML("", elem_id="passage", js_on_load=SCROLL_TO_MARK_JS)
                with gr.Column(scale=1, min_width=260):
                    history = gr.Radio(choices=[], label="This session (click to restore)", visible=False,
                                       elem_id="history")
                    with gr.Column(visible=False, elem_id="exports") as exports:
                        gr.Markdown("**Export**")
                        export_btn = gr.Button("Export this answer and the session…", size="sm",
                                               elem_id="export-btn")
                        with gr.Column(visible=False, elem_id="downloads") as downloads:
                            dl_md = gr.DownloadButton("This answer · Markdown", size="sm", elem_id="dl-md")
                            dl_json = gr.DownloadButton("This answer · JSON", size="sm", elem_id="dl-json")
                            dl_csv = gr.DownloadButton("This list · CSV", size="sm", elem_id="dl-csv", visible=False)
                            dl_smd = gr.DownloadButton("Whole session · Markdown", size="sm",
                                                       elem_id="dl-session-md")
                            dl_sjson = gr.DownloadButton("Whole session · JSON", size="sm", elem_id="dl-session-json")
            shown = [answer, citations, passage, current, history, exports, downloads]
            export_btn.click(prepare_exports, [current, session], [downloads, dl_md, dl_json, dl_csv, dl_smd, dl_sjson])
            ask_btn.click(ask, [question, mode, session], [*shown, session], api_name="ask")
            ask_llm_btn.click(ask_llm, [question, session], [*shown, session], api_name="ask_llm")
            mode.change(lambda m: (gr.update(visible=m != "llm"), gr.update(visible=m == "llm")), mode,
                        [ask_btn, ask_llm_btn], queue=False)
            question.submit(None, js=SUBMIT_JS)  # presses whichever Ask button the mode shows
            history.input(restore, [history, session], [*shown, session])
            citations.change(show_citation, [citations, current], passage)
            answer.cite(open_cite, current, [citations, passage])
        with gr.Tab("Explore", id="explore"):
            with gr.Row(equal_height=True):
                entity = gr.Dropdown(choices=entity_choices(), value=None, label="Entity (type to search)",
                                     filterable=True, elem_id="entity", scale=5,
                                     info="A country, tier, hero, organisation or trend")
                hops = gr.Radio(["1 hop", "2 hops"], value="1 hop", label="Neighbourhood", scale=1, elem_id="hops")
            with gr.Accordion("Facets", open=False, elem_id="facets"):
                with gr.Row():
                    years = gr.CheckboxGroup(graphview.YEARS, value=graphview.YEARS, label="Tier placements of",
                                             elem_id="facet-years")
                    tiers = gr.CheckboxGroup(graphview.TIERS, value=graphview.TIERS, label="Tiers", elem_id="facet-tiers")
                labels = gr.CheckboxGroup(graphview.LABELS, value=graphview.LABELS, label="Show", elem_id="facet-labels")
            graph_state = gr.State(None)
            selected = gr.State(None)
            with gr.Row():
                with gr.Column(scale=3):
                    picture = gr.HTML(graphview.to_vis({}), html_template=graphview.TEMPLATE,
                                      css_template=graphview.CSS, js_on_load=graphview.JS, head=graphview.HEAD,
                                      elem_id="graph")
                with gr.Column(scale=2, min_width=320):
                    panel = gr.HTML(node_panel(None), elem_id="node-panel-box")
                    expand_btn = gr.Button("Expand the selected node", size="sm", elem_id="expand-btn")
            facets = [years, tiers, labels]
            entity.change(load_entity, [entity, hops, *facets], [graph_state, picture, selected, panel])
            hops.change(load_entity, [entity, hops, *facets], [graph_state, picture, selected, panel])
            for f in facets:
                f.change(_draw, [graph_state, *facets], picture)
            picture.node_click(click_node, None, [selected, panel])
            picture.node_expand(expand_clicked, [graph_state, *facets], [graph_state, picture, selected, panel])
            expand_btn.click(expand_node, [graph_state, selected, *facets], [graph_state, picture])
        with gr.Tab("Documents", id="documents"):
            doc_ids = gr.State([])
            with gr.Row():
                with gr.Column(scale=3):
                    docs = gr.Dataframe(headers=["title", "outlet", "kind", "passages", "ingested", "file"],
                                        interactive=False, elem_id="documents", wrap=True,
                                        column_widths=["30%", "15%", "7%", "12%", "15%", "21%"],
                                        label="Ingested documents (click one to read it)")
                    doc_view = gr.HTML("", elem_id="doc-view-box")
                with gr.Column(scale=2, min_width=300):
                    uploads = gr.File(label="Add documents (.txt, .md, .html, .pdf; up to "
                                      f"{settings.max_document_bytes // 1_000_000} MB each, PDFs up to "
                                      f"{settings.max_pdf_bytes // 1_000_000} MB)",
                                      file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload")
                    ingest_btn = gr.Button("Ingest", variant="primary", elem_id="ingest-btn")
                    ingest_log = gr.HTML("", elem_id="ingest-log")
            docs.select(view_document, doc_ids, doc_view)
            ingest_btn.click(ingest_uploads, uploads, [ingest_log, docs, doc_ids, entity])
        with gr.Tab("Evaluations", id="evals"):
            no_runs = gr.HTML("<div class='empty-note' id='no-runs'><b>No evaluation runs yet.</b> Run a question "
                              "set below (a few questions take a minute; the whole dev set several), or "
                              "<code>make eval</code> on the command line. Runs appear here to compare.</div>",
                              visible=False)
            with gr.Row(equal_height=True):
                qset = gr.Dropdown(list(QUESTION_SETS), value="dev", label="Question set", scale=2, elem_id="qset")
                qlimit = gr.Number(value=0, precision=0, minimum=0, label="Questions (0 = all)", scale=1,
                                   elem_id="qlimit")
                run_btn = gr.Button("Run", variant="primary", scale=1, elem_id="run-btn")
            eval_log = gr.HTML("", elem_id="eval-log")
            runs = gr.Dataframe(headers=["run", "set", "questions", "accuracy", "baseline acc.", "citation precision",
                                         "abstention recall", "p95 ms"], interactive=False, elem_id="runs")
            with gr.Row():
                run_a = gr.Dropdown(label="Run", choices=[], scale=2, elem_id="run-a")
                run_b = gr.Dropdown(label="Compare with", choices=[], scale=2, elem_id="run-b")
                compare_btn = gr.Button("Compare", scale=1, elem_id="compare-btn", size="sm")
            comparison = gr.HTML("")
            with gr.Row():
                chart = gr.HTML("", elem_id="chart-box")
                report = gr.Markdown()
            run_btn.click(run_set, [qset, qlimit], [eval_log, no_runs, runs, run_a, run_b])
            run_a.change(show_run, run_a, [chart, report])
            compare_btn.click(compare, [run_a, run_b], comparison)
        app.load(runs_view, outputs=[no_runs, runs, run_a, run_b])
        app.load(refresh_documents, outputs=[docs, doc_ids])
    app._tipkg_theme = theme  # applied at launch (Gradio 6 takes theme/css there)
    app._tipkg_export_dir = export_dir
    return app


def serve(settings: Settings, block: bool = True):
    settings.ui_auth_pair()  # refuse an open non-loopback UI before any store is opened
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
    auth = settings.ui_auth_pair()
    app.queue(default_concurrency_limit=settings.ui_concurrency)  # why this number: kg/settings.py ui_concurrency
    return app.launch(server_name=settings.ui_host, server_port=settings.ui_port, prevent_thread_lock=not block,
                      auth=auth, auth_message="tipkg: sign in with the TIPKG_UI_AUTH user" if auth else None,
                      show_error=False, ssr_mode=False, quiet=True, theme=app._tipkg_theme, css=CSS,
                      allowed_paths=[str(settings.runs_dir), str(graphview.STATIC_DIR), str(app._tipkg_export_dir)],
                      footer_links=[])
