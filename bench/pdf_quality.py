"""`python -m bench.pdf_quality`: how well each PDF library reads the generated test PDFs (bench.docgen), and
how much page furniture the pipeline leaves in passages.

Per PDF and library (pypdf, PDFium): words split or run together (a word of the source text that does not
come out whole, e.g. "traﬀ icking"), ligature characters left in, seconds per page; then, with tipkg's
cleaning, the page-furniture lines found in passages. `--pages N` also times reading an N-page PDF.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from bench import docgen

SOURCE_WORDS = {w.lower() for _, t in docgen.PARAGRAPHS for w in re.findall(r"[A-Za-z]{5,}", t)}


def _pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\f".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def _pdfium_text(path: Path) -> str:
    from ingest.pdf import read_pdf

    return read_pdf(path).text


def broken_words(text: str) -> int:
    """Source words that do not appear whole (after folding ligatures, as cleaning does)."""
    from text.normalize import reader_form

    seen = {w.lower() for w in re.findall(r"[A-Za-z]+", reader_form(text).replace("\n", " "))}
    return len(SOURCE_WORDS - seen)


def furniture_in_passages(text: str) -> int:
    from ingest.clean import clean

    blocks = clean(text).blocks
    joined = "\n".join(b.text for b in blocks)
    return (sum(joined.count(c) for c in docgen.CHROME)
            + sum(len(re.findall(rx, joined)) for rx in docgen.CHROME_PATTERNS))


def furniture_in_text(text: str) -> int:
    return sum(text.count(c) for c in docgen.CHROME) + sum(len(re.findall(rx, text)) for rx in docgen.CHROME_PATTERNS)


def compare(pdfs: dict[str, Path]) -> list[dict]:
    rows = []
    for name, path in pdfs.items():
        for lib, read in (("pypdf", _pypdf_text), ("pdfium", _pdfium_text)):
            t = time.perf_counter()
            text = read(path)
            s = time.perf_counter() - t
            pages = text.count("\f") + 1
            rows.append({"pdf": name, "library": lib, "ms_per_page": round(1000 * s / pages, 1),
                         "broken_words": broken_words(text),
                         "ligature_chars": len(re.findall("[\ufb00-\ufb06]", text)),
                         "furniture_in_text": furniture_in_text(text),
                         "furniture_in_passages": furniture_in_passages(text)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=0, help="also time reading a generated PDF of this many pages")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tipkg-pdfq-"))
    docs = docgen.make_documents(folder)
    pdfs = {"web page printed by Chromium": docs["web_pdf"], "report with running headers": docs["report_pdf"]}
    print("| PDF | library | ms/page | source words not whole | ligature chars | furniture lines in text | "
          "in passages |\n|---|---|---|---|---|---|---|")
    for r in compare(pdfs):
        print(f"| {r['pdf']} | {r['library']} | {r['ms_per_page']} | {r['broken_words']} | {r['ligature_chars']} | "
              f"{r['furniture_in_text']} | {r['furniture_in_passages']} |")
    if args.pages:
        long_pdf = docgen.make_long_report(folder / "long.pdf", args.pages)
        for lib, read in (("pypdf", _pypdf_text), ("pdfium", _pdfium_text)):
            t = time.perf_counter()
            read(long_pdf)
            print(f"{args.pages} pages, {lib}: {1000 * (time.perf_counter() - t) / args.pages:.1f} ms/page")


if __name__ == "__main__":
    main()
