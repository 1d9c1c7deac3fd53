"""`make bench`: how tipkg's costs grow, measured side by side in one run, on this machine.

1. raw embedding throughput of the model alone, before the scale points and again after them (the
   ratio uses the median of both: this shared machine's speed drifts within a run);
2. the default corpus: warm `ask` latency over the dev set, 20 concurrent askers x 50 questions
   (Python API and the Gradio HTTP endpoint, and that endpoint again just after an ingest from another
   process), and LLM timings when the `llm` extra is installed;
3. synthetic corpora at each size (default 1k, 10k, 100k passages): ingest throughput, its ratio to
   raw embedding throughput, Neo4j write rate, peak memory, `ask` p50/p95.
Everything runs against a separate Neo4j instance (its own data folder and ports) and Chroma folder.
Results: bench/results/results.json, results.md and scale.png.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from stores.offline import ensure_offline

ensure_offline()

from kg import server
from kg.settings import PROJECT_ROOT, Settings

RESULTS = PROJECT_ROOT / "bench" / "results"
DEV = PROJECT_ROOT / "evals" / "datasets" / "dev.jsonl"


def pct(values: list[float]) -> dict:
    v = sorted(values)
    return {"n": len(v), "p50_ms": round(statistics.median(v), 1),
            "p95_ms": round(v[int(round(0.95 * (len(v) - 1)))], 1), "max_ms": round(v[-1], 1)}


def bench_settings() -> Settings:
    home = PROJECT_ROOT / ".tipkg" / "bench"
    return Settings(home=home, neo4j_uri=None, neo4j_password=None, bolt_port=int(os.environ.get("TIPKG_BENCH_BOLT", 27687)),
                    http_port=int(os.environ.get("TIPKG_BENCH_HTTP", 27474)), neo4j_heap="2g",
                    neo4j_pagecache="1g", chroma_collection="bench")


def raw_embedding(n: int = 1500, runs: int = 3, neo4j_pid: int | None = None) -> dict:
    """The model alone, `runs` times over different synthetic passages of `n` each; the median run is
    the figure. One 2,000-passage run moved by 3% between benches, which is most of the distance between
    a ratio that meets its target and one that misses it. The bench's Neo4j server is up meanwhile: its
    CPU in each run is recorded, to tell its background work (after a large ingest) from the machine's."""
    from bench.generate import passage_texts
    from stores.embeddings import Embedder

    texts = passage_texts(n * runs)
    e = Embedder()
    e.embed(texts[:64])
    timed = []
    for r in range(runs):
        batch = texts[r * n:(r + 1) * n]
        cpu, neo4j = cpu_seconds(), cpu_seconds(neo4j_pid) if neo4j_pid else 0.0
        t = time.perf_counter()
        e.embed(batch)
        dt = time.perf_counter() - t
        timed.append({"passages": len(batch), "seconds": round(dt, 2), "passages_per_s": round(len(batch) / dt, 2),
                      "cpu_s": round(cpu_seconds() - cpu, 2),
                      "neo4j_cpu_s": round(cpu_seconds(neo4j_pid) - neo4j, 2) if neo4j_pid else None})
    median = sorted(timed, key=lambda run: run["passages_per_s"])[len(timed) // 2]
    return {**median, "runs": [run["passages_per_s"] for run in timed],
            "neo4j_cpu_s_per_run": [run["neo4j_cpu_s"] for run in timed]}


RAW_RUNS = {"before": "raw_embedding", "after": "raw_embedding_after"}  # when -> results key


def raw_rate(results: dict) -> float:
    """The model-alone rate the ratios use: the median of every raw run, before and after the scale points."""
    runs = [r for key in RAW_RUNS.values() if key in results for r in results[key]["runs"]]
    return round(statistics.median(runs), 2)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process (all its threads); this one by default."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def default_corpus(settings: Settings) -> dict:
    from evals.dataset import load_qa
    from ingest.build import run_ingest
    from kg.driver import Graph
    from kg.writes import delete_everything
    from retrieval.agent import Agent

    with Graph(settings) as g:
        delete_everything(g)
    t = time.perf_counter()
    run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv)
    out = {"ingest_s": round(time.perf_counter() - t, 2)}
    agent = Agent(settings)
    qs = [q.question for q in load_qa(DEV)]
    for q in qs:  # warm-up pass: model loaded, caches filled
        agent.ask(q)
    lat = []
    for _ in range(2):
        for q in qs:
            t = time.perf_counter()
            agent.ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    out["ask_warm"] = pct(lat)
    out["ask_warm_reranker_off"] = warm_latency(Agent(settings.model_copy(update={"reranker": False}),
                                                      embedder=agent.embedder), qs)

    # 20 concurrent askers x 50 questions against one process (the UI's Python API)
    def asker(k: int) -> tuple[list[float], int]:
        times, errors = [], 0
        for i in range(50):
            q = qs[(k * 7 + i) % len(qs)]
            t = time.perf_counter()
            a = agent.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            errors += a.error is not None
        return times, errors

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        res = list(pool.map(asker, range(20)))
    wall = time.perf_counter() - t
    out["concurrent_api"] = {**pct([x for r in res for x in r[0]]), "errors": sum(r[1] for r in res),
                             "askers": 20, "questions_each": 50, "wall_s": round(wall, 1),
                             "throughput_qps": round(1000 / wall, 1)}
    out["concurrent_http"] = http_load(settings, agent, qs, then_ingest=True)
    out["concurrent_http_after_ingest"] = out["concurrent_http"].pop("after_ingest")
    out["concurrent_http"]["ratio_to_api"] = round(
        out["concurrent_http"]["throughput_qps"] / out["concurrent_api"]["throughput_qps"], 2)
    out["llm"] = llm_timings(settings, agent)
    agent.close()
    return out


def warm_latency(agent, qs: list[str], passes: int = 2) -> dict:
    """Warm `ask` latency of one agent over the questions (one warm-up pass first), then closed."""
    for q in qs:
        agent.ask(q)
    lat = []
    for _ in range(passes):
        for q in qs:
            t = time.perf_counter()
            agent.ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    agent.close()
    return pct(lat)


def http_load(settings: Settings, agent, qs: list[str], askers: int = 20, each: int = 50,
              then_ingest: bool = False) -> dict:
    """The same load through the Gradio HTTP endpoint (what a browser uses), served the way `tipkg ui`
    serves it (ui.app.launch, TIPKG_UI_CONCURRENCY), the askers in a process of their own.

    With `then_ingest`, the app stays up while another process ingests one more file; once the agent has
    taken the new corpus version (it checks every refresh_seconds, and then reopens its stores) the same
    askers run again, under "after_ingest". The file is then removed, so what follows measures the corpus."""
    import tempfile

    from ui.app import build_app, launch

    port = int(os.environ.get("TIPKG_BENCH_UI_PORT", "27860"))
    s = settings.model_copy(update={"ui_port": port, "ui_host": "127.0.0.1"})
    app = build_app(s, agent)
    launch(app, s)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(qs, fh)
        try:
            out = _http_askers(s, fh.name, askers, each)
            if then_ingest:
                with _one_more_document(settings, agent) as ingest:
                    out["after_ingest"] = {**_http_askers(s, fh.name, askers, each), **ingest}
        finally:
            os.unlink(fh.name)
        return out
    finally:
        app.close()


def _http_askers(s: Settings, questions_file: str, askers: int, each: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.http_clients", f"http://127.0.0.1:{s.ui_port}/", str(askers),
                           str(each), questions_file], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"HTTP askers failed:\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    wall = res["wall_s"]
    return {**pct(res["times_ms"]), "errors": res["errors"], "askers": askers, "questions_each": each,
            "wall_s": round(wall, 1), "throughput_qps": round(askers * each / wall, 1),
            "ui_concurrency": s.ui_concurrency, "client_cpu_ms_per_request": res["client_cpu_ms_per_request"]}


DOCUMENT_BY_FILE = "MATCH (d:Document {file: $file}) RETURN d.doc_id AS doc_id"


@contextlib.contextmanager
def _one_more_document(settings: Settings, agent):
    """`tipkg ingest` of one generated file from another process, as a user does beside a running UI;
    returns once the agent answers from the new corpus version. Yields how long each step took."""
    import tempfile

    from bench.cold_start import _env
    from bench.generate import passage_texts
    from ingest.graph_write import delete_documents
    from kg import writes as W
    from kg.driver import Graph

    folder = Path(tempfile.mkdtemp(prefix="tipkg-bench-ingest-"))
    doc = folder / "bench-one-more.txt"
    doc.write_text("One more document for the bench\n\n" + "\n\n".join(passage_texts(8)) + "\n", encoding="utf-8")
    before = agent.corpus_version
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(doc)], env=_env(settings),
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"the ingest beside the UI failed:\n{proc.stderr[-3000:]}")
    ingested = time.perf_counter()
    # What the next question would do: the agent re-reads the corpus version at most every refresh_seconds.
    deadline = ingested + settings.refresh_seconds + 120
    while agent.corpus_version == before:
        if time.perf_counter() > deadline:
            raise RuntimeError("the running agent never took the new corpus version")
        time.sleep(0.5)
        agent.ensure()
    seen = time.perf_counter()
    try:
        yield {"ingest_s": round(ingested - t, 1), "version_seen_after_s": round(seen - ingested, 1),
               "refresh_seconds": settings.refresh_seconds}
    finally:
        with Graph(settings) as g:
            delete_documents(g, settings, [r["doc_id"] for r in g.read(DOCUMENT_BY_FILE, file=doc.name)])
            g.write(W.BUMP_CORPUS_VERSION)
        shutil.rmtree(folder, ignore_errors=True)


def http_only(settings: Settings) -> dict:
    """`TIPKG_BENCH_PARTS=http`: the default corpus, then only the HTTP load before and after an ingest
    (TIPKG_BENCH_HTTP_ASKERS x TIPKG_BENCH_HTTP_EACH; 20 x 50 by default). Printed, not written to the
    results: a short run would otherwise stand in for the full bench's figures."""
    from evals.dataset import load_qa
    from ingest.build import run_ingest
    from kg.driver import Graph
    from kg.writes import delete_everything
    from retrieval.agent import Agent

    with Graph(settings) as g:
        delete_everything(g)
    run_ingest(settings, [settings.corpus_dir], tiers_csv=settings.tiers_csv)
    agent = Agent(settings)
    qs = [q.question for q in load_qa(DEV)]
    for q in qs:  # warm-up pass, as default_corpus does
        agent.ask(q)
    web = http_load(settings, agent, qs, askers=int(os.environ.get("TIPKG_BENCH_HTTP_ASKERS", "20")),
                    each=int(os.environ.get("TIPKG_BENCH_HTTP_EACH", "50")), then_ingest=True)
    agent.close()
    return {"concurrent_http": web, "concurrent_http_after_ingest": web.pop("after_ingest")}


def _http_rows(d: dict) -> list[str]:
    """The results table's HTTP rows: the load on a settled UI, and on one that just went through an ingest."""
    rows = []
    for key, label in (("concurrent_http", "concurrent http"),
                       ("concurrent_http_after_ingest", "concurrent http, just after an ingest")):
        c = d.get(key)
        if c:
            rows.append(f"| {label} ({c['askers']}×{c['questions_each']}) | {c['n']} | {c['p50_ms']} | "
                        f"{c['p95_ms']} | {c['max_ms']} | {c['errors']} |")
    return rows


def llm_timings(settings: Settings, agent) -> dict:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return {"skipped": "llama-cpp-python not installed (extra `llm`)"}
    from retrieval.agent import Agent

    llm_agent = Agent(settings.model_copy(update={"llm_provider": "llamacpp"}), mode="llm", embedder=agent.embedder)
    qs = ["How much does the Cuban government collect from its medical missions?",
          "What does Project Arachnid do?", "Who led Operation Synergia?",
          "How many people are exploited worldwide?", "What did Maria Werlau expose?"]
    llm_agent.ask(qs[0])  # loads the model
    ttft, total = [], []
    for q in qs:
        a = llm_agent.ask(q)
        if "llm_first_token" in a.timings_ms:
            ttft.append(a.timings_ms["llm_first_token"])
            total.append(a.timings_ms["total"])
    llm_agent.close()
    return {"questions": len(total), "first_token": pct(ttft) if ttft else None, "total": pct(total) if total else None}


def scale(settings: Settings, sizes: list[int]) -> list[dict]:
    out = []
    for n in sizes:
        env = dict(os.environ, TIPKG_HOME=str(settings.home), NEO4J_URI=settings.bolt_uri,
                   NEO4J_USER=settings.neo4j_user, NEO4J_PASSWORD=settings.password(),
                   TIPKG_CHROMA_COLLECTION=f"bench_{n}")
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.scale_one", str(n)], capture_output=True, text=True,
                              cwd=PROJECT_ROOT, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"scale point {n} failed:\n{proc.stderr[-3000:]}")
        point = json.loads(proc.stdout.strip().splitlines()[-1])
        point["wall_s"] = round(time.perf_counter() - t, 1)
        print(f"  {n} passages: {json.dumps(point)}", flush=True)
        out.append(point)
    return out


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2))
    raw = raw_rate(results)
    runs = {when: ", ".join(map(str, results[key]["runs"])) for when, key in RAW_RUNS.items() if key in results}
    lines = [f"# tipkg bench — {results['created']}", "", f"Machine: {results['machine']}", "",
             f"Raw embedding throughput (model alone): **{raw} passages/s**, the median of "
             + "; ".join(f"{runs[w]} {w} the scale points" for w in runs)
             + f" ({results['raw_embedding']['passages']} passages each run)"]
    neo4j = {w: results[key].get("neo4j_cpu_s_per_run") for w, key in RAW_RUNS.items() if key in results}
    if all(neo4j.values()):
        lines[-1] += (". The bench's Neo4j server used " + "; ".join(
            f"{', '.join(map(str, v))} CPU s during the runs {w} the scale points" for w, v in neo4j.items()) + ".")
    lines.append("")
    if results.get("serving_created"):
        lines += [f"The default corpus and cold start sections were measured again at {results['serving_created']} "
                  "(`TIPKG_BENCH_PARTS=serving`); everything else is from the run above.", ""]
    d = results.get("default_corpus")
    if d:
        lines += ["## Default corpus", "",
                  "| measure | n | p50 ms | p95 ms | max ms | errors |", "|---|---|---|---|---|---|",
                  f"| warm `ask` (dev set ×2) | {d['ask_warm']['n']} | {d['ask_warm']['p50_ms']} | "
                  f"{d['ask_warm']['p95_ms']} | {d['ask_warm']['max_ms']} | – |"]
        if d.get("ask_warm_reranker_off"):
            off = d["ask_warm_reranker_off"]
            lines.append(f"| warm `ask`, reranker off (same questions) | {off['n']} | {off['p50_ms']} | "
                         f"{off['p95_ms']} | {off['max_ms']} | – |")
        c = d["concurrent_api"]
        lines.append(f"| concurrent api (20×50) | {c['n']} | {c['p50_ms']} | {c['p95_ms']} | "
                     f"{c['max_ms']} | {c['errors']} |")
        lines += _http_rows(d)
        llm = d.get("llm") or {}
        if llm.get("total"):
            lines.append(f"| LLM mode first token | {llm['first_token']['n']} | {llm['first_token']['p50_ms']} | "
                         f"{llm['first_token']['p95_ms']} | {llm['first_token']['max_ms']} | – |")
            lines.append(f"| LLM mode total | {llm['total']['n']} | {llm['total']['p50_ms']} | "
                         f"{llm['total']['p95_ms']} | {llm['total']['max_ms']} | – |")
        elif llm:
            lines.append(f"\nLLM mode: {llm.get('skipped')}")
        api, web = d["concurrent_api"], d["concurrent_http"]
        after = d.get("concurrent_http_after_ingest")
        if after:
            lines += ["", f"Just after an ingest: another process ingested one more file ({after['ingest_s']} s) "
                      f"while the UI stayed up; the agent took the new corpus version {after['version_seen_after_s']} s "
                      f"later (it checks every {after['refresh_seconds']:g} s), and the same askers ran again."]
        if "ratio_to_api" in web:
            lines += ["", f"Throughput at 20 concurrent askers: in-process {api['throughput_qps']} questions/s, "
                      f"Gradio HTTP {web['throughput_qps']} questions/s: **{web['ratio_to_api']}×** (target 0.7; "
                      f"UI concurrency {web.get('ui_concurrency')}, askers in a process of their own using "
                      f"{web.get('client_cpu_ms_per_request')} CPU ms per request)."]
    cold = results.get("cold_start")
    if cold:
        lines += ["", "## Cold start (fresh processes)", "",
                  f"Median of {cold['runs']} runs; load average {cold['load_before']} before, {cold['load_after']} "
                  "after (2 cores: above 2 the machine was shared).", "",
                  "| command | median s | runs s | target s |", "|---|---|---|---|"]
        names = {"urls": "`tipkg urls`", "cypher": "`tipkg cypher` (count countries)",
                 "ask_graph": "`tipkg ask` graph-answered", "ask_text": "`tipkg ask` text-answered",
                 "ui_first_answer": "`tipkg ui` to first HTTP answer"}
        for key, label in names.items():
            c = cold[key]
            lines.append(f"| {label} | {c['median_s']} | {', '.join(map(str, c['runs_s']))} | "
                         f"{c.get('target_s', '–')} |")
    pdf = results.get("pdf_pages")
    if pdf:
        lines += ["", "## A long PDF", "",
                  f"A generated {pdf['pages']}-page PDF ({pdf['pdf_mb']} MB, {pdf['passages']} passages): read at "
                  f"**{pdf['read_ms_per_page']} ms/page** (process grew {pdf['read_rss_growth_mb']} MB while reading), "
                  f"ingested whole in {pdf['ingest_s']} s: **{pdf['ingest_s_per_page']} s/page**; "
                  f"{pdf['pages_with_passages']} pages cited by passages."]
    if results.get("scale"):
        lines += ["", "## Scale", "",
                  "| passages | ingest s | ingest passages/s | ratio to raw embedding | Neo4j writes/s | "
                  "peak RSS MB | ask p50 ms | ask p95 ms | dup links |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for p in results["scale"]:
            lines.append(f"| {p['passages']} | {p['ingest_s']} | {p['ingest_passages_per_s']} | "
                         f"{p['ingest_passages_per_s'] / raw:.2f} | {p['neo4j_writes_per_s']} | {p['peak_rss_mb']} | "
                         f"{p['ask_p50_ms']} | {p['ask_p95_ms']} | {p['duplicate_links']} |")
        lines += _stage_table(results["scale"], "stage_s",
                              "Seconds per ingest stage (vectors runs in its own thread beside dedup, extract and "
                              "graph; 'waiting for vectors' is how long the rest then waited for it):")
        if all(p.get("stage_thread_cpu_s") for p in results["scale"]):
            lines += _stage_table(results["scale"], "stage_thread_cpu_s",
                                  "CPU seconds of the thread that ran each stage (for vectors, that thread and "
                                  "the threads that run the model):")
        if results["raw_embedding"].get("cpu_s") and all(p.get("ingest_cpu_s") for p in results["scale"]):
            per_passage = results["raw_embedding"]["cpu_s"] / results["raw_embedding"]["passages"]
            lines += ["", "CPU seconds during ingest, beside what the model needed for the same passages when it ran "
                      "alone (raw throughput run). On a machine whose cores the model already fills, what the "
                      "rest costs comes out of embedding time:", "",
                      "| passages | tipkg process | Neo4j server | model alone | cores busy |", "|---|---|---|---|---|"]
            for p in results["scale"]:
                c = p["ingest_cpu_s"]
                lines.append(f"| {p['passages']} | {c['tipkg']} | {c['neo4j']} | {p['passages'] * per_passage:.0f} | "
                             f"{(c['tipkg'] + (c['neo4j'] or 0)) / p['ingest_s']:.2f} |")
        if all("model_per_s_after_rest" in p for p in results["scale"]):
            lines += ["", f"The model's speed inside ingest (alone: {raw} passages/s): its batches that started while "
                      "the rest of ingest (dedup, extraction, graph writes) ran, and those after; Chroma's upserts "
                      "run beside both:", "",
                      "| passages | rest of ingest s | model passages/s beside it | model passages/s after it |",
                      "|---|---|---|---|"]
            for p in results["scale"]:
                lines.append(f"| {p['passages']} | {p['rest_of_ingest_s']} | {p['model_per_s_beside_rest']} | "
                             f"{p['model_per_s_after_rest'] or '–'} |")
        if all("ingest_rss_peak_mb" in p for p in results["scale"]):
            lines += ["", "Resident memory during ingest, sampled each second: the peak, when it came, and the highest "
                      "while the rest of ingest still ran:", "",
                      "| passages | peak MB | at s | rest of ingest ended at s | peak before then MB |",
                      "|---|---|---|---|---|"]
            for p in results["scale"]:
                lines.append(f"| {p['passages']} | {p['ingest_rss_peak_mb']} | {p['ingest_rss_peak_at_s']} | "
                             f"{p['rest_of_ingest_s']} | {p['ingest_rss_peak_before_rest_done_mb'] or '–'} |")
        lines += _growth(results["scale"])
        lines += ["", "![scale](scale.png)"]
        _plot(results)
    (RESULTS / "results.md").write_text("\n".join(lines) + "\n")


def _stage_table(points: list[dict], key: str, title: str) -> list[str]:
    """One row per scale point, one column per ingest stage (the first point's stages)."""
    stages = list(points[0][key])
    rows = [f"| {p['passages']} | " + " | ".join(str(p[key].get(k, "–")) for k in stages) + " |" for p in points]
    return ["", title, "", "| passages | " + " | ".join(stages) + " |", "|---|" + "---|" * len(stages), *rows]


def _growth(points: list[dict]) -> list[str]:
    """Log-log slopes between successive sizes: 1.0 grows linearly with passages, above 1 faster."""
    if len(points) < 2:
        return []
    import math

    costs = {f"ingest: {k}": (lambda p, k=k: p["stage_s"].get(k, 0.0)) for k in points[0]["stage_s"]}
    costs["ingest total"] = lambda p: p["ingest_s"]
    costs["peak RSS"] = lambda p: p["peak_rss_mb"]
    costs["ask p50"] = lambda p: p["ask_p50_ms"]
    costs["ask p95"] = lambda p: p["ask_p95_ms"]
    pairs = list(zip(points, points[1:]))
    head = " | ".join(f"{a['passages']}→{b['passages']}" for a, b in pairs)
    lines = ["", "Growth exponent (log-log slope; 1 = linear in passages, 0 = flat):", "",
             f"| cost | {head} |", "|---|" + "---|" * len(pairs)]
    for name, get in costs.items():
        cells = []
        for a, b in pairs:
            ya, yb = get(a), get(b)
            cells.append(f"{math.log(yb / ya) / math.log(b['passages'] / a['passages']):.2f}"
                         if ya > 0.05 and yb > 0 else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = results["scale"]
    xs = [p["passages"] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 5))
    for stage in pts[0]["stage_s"]:
        ys = [max(p["stage_s"].get(stage, 0), 1e-3) for p in pts]
        ax.loglog(xs, ys, marker="o", label=f"ingest: {stage} (s)")
    ax.loglog(xs, [p["ask_p95_ms"] / 1000 for p in pts], marker="s", linestyle="--", label="ask p95 (s)")
    ax.loglog(xs, [x / xs[0] * pts[0]["ingest_s"] for x in xs], color="grey", linestyle=":", label="linear")
    ax.set_xlabel("passages")
    ax.set_ylabel("seconds")
    ax.set_title("tipkg cost vs corpus size (log-log)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=90)
    plt.close(fig)


def main() -> None:
    sizes = [int(x) for x in os.environ.get("TIPKG_BENCH_SIZES", "1000,10000,100000").split(",") if x]
    # TIPKG_BENCH_PARTS=serving: the default corpus (latency, 20-user throughput in-process and over HTTP)
    # and cold start only, a few minutes instead of the whole bench; TIPKG_BENCH_PARTS=http: the HTTP load
    # before and after an ingest only, printed (see http_only)
    parts = {p for p in os.environ.get("TIPKG_BENCH_PARTS", "all").split(",") if p}
    settings = bench_settings()
    started = time.perf_counter()
    server.start(settings)
    try:
        import multiprocessing

        results = {"created": datetime.now(UTC).isoformat(timespec="seconds"),
                   "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores, Python {platform.python_version()}",
                   "sizes": sizes}
        if parts not in ({"serving"}, {"http"}):
            print("raw embedding throughput…", flush=True)
            results["raw_embedding"] = raw_embedding(neo4j_pid=server.status(settings).pid)
            print(f"  {results['raw_embedding']}", flush=True)
        if parts == {"serving"}:
            # Only the default-corpus section and cold start, merged into the last full run's results
            # (its scale points and raw runs stay, and say when they were measured).
            previous = json.loads((RESULTS / "results.json").read_text()) if (RESULTS / "results.json").exists() else {}
            results = {**previous, **{k: v for k, v in results.items() if k in ("machine",)},
                       "serving_created": results["created"]}
            results.setdefault("raw_embedding", {"runs": [], "passages": 0})
        if parts == {"http"}:
            d = http_only(settings)
            print(json.dumps(d, indent=2))
            print("\n".join(["| measure | n | p50 ms | p95 ms | max ms | errors |", "|---|---|---|---|---|---|",
                             *_http_rows(d)]))
            return
        if os.environ.get("TIPKG_BENCH_SKIP_DEFAULT") != "1":
            print("default corpus: latency, concurrency, LLM…", flush=True)
            results["default_corpus"] = default_corpus(settings)
            write(results)
            print("cold start…", flush=True)
            from bench.cold_start import cold_start

            results["cold_start"] = cold_start(settings, runs=int(os.environ.get("TIPKG_BENCH_COLD_RUNS", "3")))
            write(results)
        if parts == {"serving"}:
            print((RESULTS / "results.md").read_text())
            return
        print("a 500-page PDF…", flush=True)
        from bench.pdf_pages import measure

        results["pdf_pages"] = measure(settings, int(os.environ.get("TIPKG_BENCH_PDF_PAGES", "500")))
        print(f"  {results['pdf_pages']}", flush=True)
        write(results)
        print("scale…", flush=True)
        results["scale"] = []
        for n in sizes:
            results["scale"] += scale(settings, [n])
            write(results)  # partial results survive an interrupted run
        if results["scale"]:
            print("raw embedding throughput again…", flush=True)
            results[RAW_RUNS["after"]] = raw_embedding(neo4j_pid=server.status(settings).pid)
            print(f"  {results[RAW_RUNS['after']]}", flush=True)
        results["total_s"] = round(time.perf_counter() - started, 1)
        write(results)
        print((RESULTS / "results.md").read_text())
    finally:
        server.stop(settings)


if __name__ == "__main__":
    main()
