"""The status banner's HTML, from `Agent.status()`: kept apart from the app so it can be tested on a
real status without a browser."""

from __future__ import annotations

import html


def status_html(st: dict[str, str], browser_url: str) -> str:
    """Red while Neo4j is down, while the vector store is missing or broken, and while the two stores
    hold different numbers of passages; green with both counts when they agree."""
    neo4j = st.get("neo4j", "")
    if not neo4j.startswith("ok"):
        return (f'<div class="down" id="status-down">⚠ Neo4j is unavailable: {html.escape(neo4j)} '
                f"— answers and exploration will resume by themselves when it is back.</div>")
    browser = f'<a href="{html.escape(browser_url)}" target="_blank">Neo4j Browser</a>'
    if neo4j != "ok":  # up, but nothing to answer from
        return f'<div class="down" id="status-empty">⚠ Neo4j {html.escape(neo4j)} · {browser}</div>'
    graph_n = html.escape(st.get("graph passages", "?"))
    vector_n = st.get("chroma passages")
    if vector_n is None:
        return (f'<div class="down" id="status-chroma">Neo4j ok ({graph_n} graph passages) · ⚠ Chroma: '
                f'{html.escape(st.get("chroma", "unknown"))} — text answers will resume by themselves once it is '
                f"rebuilt; graph answers work meanwhile. · {browser}</div>")
    counts = f"graph passages {graph_n} · Chroma passages {html.escape(vector_n)}"
    tail = (f'embeddings {html.escape(st.get("model", ""))} · LLM {html.escape(st.get("llm", "none"))} · {browser}')
    if st.get("stores agree") != "yes":
        return (f'<div class="down" id="status-disagree">Neo4j ok · Chroma ok · {counts} · ⚠ stores agree: no — '
                f"some answers may miss passages; run <code>tipkg doctor --repair</code>. · {tail}</div>")
    return f'<div class="up" id="status-ok">Neo4j ok · Chroma ok · {counts} · stores agree: yes · {tail}</div>'
