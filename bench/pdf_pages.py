"""A generated N-page PDF (bench.docgen, Chromium), ingested whole into an empty graph and Chroma folder:
seconds per page for reading the PDF and for the whole ingest, and the memory the reading took.

`make bench` runs it (500 pages) on the bench's Neo4j; alone: `python -m bench.pdf_pages [PAGES]`, which
starts and stops that Neo4j itself (TIPKG_BENCH_BOLT / TIPKG_BENCH_HTTP choose its ports).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from stores.offline import ensure_offline

ensure_offline()


def read_cost(pdf: Path) -> dict:
    """Reading alone: seconds per page, pages reported, and how much the process grew while it read."""
    import psutil

    from ingest.load import load

    proc = psutil.Process()
    seen: list[int] = []
    peak = before = proc.memory_info().rss

    def on_page(done: int, total: int) -> None:
        nonlocal peak
        seen.append(done)
        if done % 25 == 0:
            peak = max(peak, proc.memory_info().rss)

    t = time.perf_counter()
    doc = load(pdf, 5_000_000, 10**9, on_page=on_page)
    s = time.perf_counter() - t
    return {"pages": doc.pages, "progress_calls": len(seen), "read_s": round(s, 2),
            "read_ms_per_page": round(1000 * s / doc.pages, 2), "read_rss_growth_mb": round((peak - before) / 2**20, 1)}


def measure(settings, pages: int = 500) -> dict:
    from ingest.build import run_ingest
    from kg.driver import Graph
    from kg.writes import delete_everything

    folder = Path(tempfile.mkdtemp(prefix="tipkg-pdf-"))
    from bench.docgen import make_long_report

    t = time.perf_counter()
    pdf = make_long_report(folder / f"report_{pages}.pdf", pages)
    out = {"pages": pages, "pdf_mb": round(pdf.stat().st_size / 1e6, 2), "generate_s": round(time.perf_counter() - t, 1)}
    out.update(read_cost(pdf))
    scratch = settings.model_copy(update={"chroma_path": folder / "chroma", "chroma_collection": "bench_pdf"})
    with Graph(scratch) as g:
        delete_everything(g)
    t = time.perf_counter()
    summary = run_ingest(scratch, [pdf], tiers_csv=None)
    s = time.perf_counter() - t
    with Graph(scratch) as g:
        covered = g.read("MATCH (p:Passage) UNWIND p.pages AS n RETURN count(DISTINCT n) AS n")[0]["n"]
        delete_everything(g)
    out.update({"passages": summary.passages, "pages_with_passages": covered, "ingest_s": round(s, 1),
                "ingest_s_per_page": round(s / pages, 3),
                "stage_s": {k: round(v, 1) for k, v in summary.seconds.items()}})
    return out


def main() -> None:
    from bench.run import bench_settings
    from kg import server

    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    settings = bench_settings()
    server.start(settings)
    try:
        print(measure(settings, pages), flush=True)
    finally:
        server.stop(settings)


if __name__ == "__main__":
    main()
