"""Documents as users have them (issue 25) and the loader's edge cases (issue 20, item 11): a chapter saved
from a web page with its chrome, the same page printed to PDF by Chromium, a report-style PDF with running
headers, soft hyphens and a two-column page; UTF-16 files, special files, damaged PDFs, zero-width spaces.
Every document is generated here (bench.docgen)."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
from pathlib import Path

import pytest

from bench import docgen
from ingest.build import run_ingest
from ingest.chunk import chunk
from ingest.clean import clean
from ingest.load import LoadError, discover, load
from text.normalize import reader_form
from text.offsets import offset_at

NEPAL = "2024 Trafficking in Persons Report: Nepal"


def _need_chromium():
    if not Path(docgen.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI although `make setup` installs it as root")
        pytest.skip("Debian's chromium is not installed (make setup installs it as root)")


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    _need_chromium()
    return docgen.make_documents(tmp_path_factory.mktemp("documents"))


def boilerplate_in(text: str) -> list[str]:
    """The pieces of page furniture (bench.docgen.CHROME and its patterns) found in `text`."""
    found = [c for c in docgen.CHROME if c in text]
    return found + [m.group(0) for rx in docgen.CHROME_PATTERNS for m in re.finditer(rx, text)]


def _passages(path: Path):
    doc = load(path, 5_000_000, 200_000_000)
    return doc, chunk(doc, clean(doc.text).blocks)


# -- the loader's edge cases (issue 20, item 11) ---------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_files_are_decoded_by_their_bom(tmp_path, encoding):
    text = "Myanmar’s government did not meet the minimum standards for the elimination of trafficking.\n"
    raw = text.encode(encoding)
    if encoding != "utf-16":  # the explicit-endian codecs write no BOM: add the one a text editor would
        raw = ("\ufeff" + text).encode(encoding)
    (tmp_path / "u16.txt").write_bytes(raw)
    assert load(tmp_path / "u16.txt", 10**6).text == text


def test_a_utf16_file_without_bom_is_still_refused_by_name(tmp_path):
    (tmp_path / "nobom.txt").write_bytes("plain words".encode("utf-16-le"))
    with pytest.raises(LoadError, match=r"nobom\.txt: the file is binary"):
        load(tmp_path / "nobom.txt", 10**6)


def test_special_files_are_named_not_silently_skipped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A passage about trafficking.\n")
    os.mkfifo(folder / "pipe.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (folder / "loop_a.txt").symlink_to(folder / "loop_b.txt")
    (folder / "loop_b.txt").symlink_to(folder / "loop_a.txt")
    files, errors = discover([folder, tmp_path / "nowhere.md"])
    assert [f.name for f in files] == ["good.txt"]
    said = {e.path.name: e.reason for e in errors}
    assert "named pipe" in said["pipe.txt"]
    assert "dangling symbolic link" in said["dangling.txt"]
    assert "loop" in said["loop_a.txt"] and "loop" in said["loop_b.txt"]
    assert "no such file" in said["nowhere.md"]
    # named one by one on the command line, the same
    _, errors = discover([folder / "pipe.txt", folder / "dangling.txt"])
    assert [e.path.name for e in errors] == ["pipe.txt", "dangling.txt"]


@pytest.mark.parametrize("content", [b"%PDF-1.4\n1 0 obj <<>> endobj\n", b"%PDF-1.7\n" + b"x" * 5000])
def test_a_pdf_without_eof_marker_is_an_error_naming_the_file(tmp_path, caplog, capfd, content):
    (tmp_path / "cut.pdf").write_bytes(content)
    with caplog.at_level(logging.DEBUG), pytest.raises(LoadError) as err:
        load(tmp_path / "cut.pdf", 10**6)
    assert str(err.value).startswith("cut.pdf: damaged or incomplete PDF")
    out, errs = capfd.readouterr()
    # nothing that speaks of the failure without naming the file (pypdf logged "EOF marker not found")
    assert "EOF marker" not in out + errs + caplog.text


def test_a_zero_width_space_inside_a_word_is_removed_and_offsets_still_map():
    original = "The government of My\u200banmar did not meet the minimum standards for traf\u00adficking.\n"
    result = clean(original)
    text = result.blocks[0].text
    assert "Myanmar" in text and "trafficking" in text and "\u200b" not in text
    for ch, off in zip(text, result.blocks[0].offsets):
        assert ch == " " or reader_form(original[off]) == ch


def test_ligatures_are_folded_and_each_character_maps_back():
    original = "Traﬃcking in Persons\n\nThe oﬃcials oﬀered eﬃcient help to victims of traﬃcking on the ﬂight home.\n"
    result = clean(original)
    body = result.blocks[1]
    assert body.text == "The officials offered efficient help to victims of trafficking on the flight home."
    assert result.title == "Trafficking in Persons"
    for ch, off in zip(body.text, body.offsets):
        assert ch in reader_form(original[off])


@pytest.mark.parametrize("lines, joined", [
    ("Police arrested traf-\nfickers in the capital and elsewhere.", "arrested traffickers in"),
    ("It runs anti-\ntrafficking training, as its anti-trafficking unit does.", "runs anti-trafficking training"),
    ("It adopted a plan for 2023-\n2028 and funded it.", "plan for 2023-2028 and"),
    ("Shelters for traf‐\nficking victims opened.", "Shelters for trafficking victims"),
])
def test_words_hyphenated_at_a_line_break_are_joined(lines, joined):
    assert joined in clean(lines + "\n").blocks[0].text


def test_one_rule_set_for_text_too():
    """The web page's chrome, pasted as plain text, goes by the same rules as in its print."""
    text = "\n\n".join([docgen.NAV, docgen.COOKIE, docgen.ACCEPT, NEPAL, docgen.ARCHIVE_HEADER,
                       docgen.PARAGRAPHS[1][1], *docgen.RELATED, *docgen.FOOTER])
    kept = "\n".join(b.text for b in clean(text).blocks)
    assert boilerplate_in(kept) == [] and "minimum standards" in kept


# -- generated web pages and PDFs, without stores -------------------------------------------------------

def test_pdf_pages_titles_and_reading_order(documents):
    doc, ps = _passages(documents["report_pdf"])
    assert doc.pages == 3 and doc.text.count("\f") == 2 and doc.meta_title == NEPAL
    fact = next(p for p in ps if "1,262" in p.text)
    assert fact.pages == [3]
    # page 3 is set in two columns whose right one comes first in the file: read left, then right
    order = [p.ordinal for p in ps]
    left = next(p.ordinal for p in ps if "The government maintained efforts" in p.text)
    right = next(p.ordinal for p in ps if "did not make efforts to reduce" in p.text)
    assert left < right and order == sorted(order)
    # a paragraph broken over pages 1 and 2 is one passage spanning both
    assert any(p.pages == [1, 2] or p.pages == [2] for p in ps)
    for p in ps:
        for i, ch in enumerate(p.text):
            if not ch.isspace():
                assert ch in reader_form(doc.text[offset_at(p.char_runs, i)])


@pytest.mark.parametrize("kind", ["html", "web_pdf", "report_pdf"])
def test_no_boilerplate_line_survives_and_words_are_whole(documents, kind):
    doc, ps = _passages(documents[kind])
    if kind != "html":
        assert boilerplate_in(doc.text)  # the extracted text has the furniture the test is about
    assert ps
    text = "\n".join(p.text for p in ps)
    assert boilerplate_in(text) == []
    assert "Nepal does not fully meet the minimum standards" in text
    assert not re.search(r"traf[-‐\u00ad ]+ficking|gov[-‐\u00ad ]+ernment|organi[-‐\u00ad ]+zations", text)
    for word in docgen.SOFT_HYPHENATED:
        if word in " ".join(t for _, t in docgen.PARAGRAPHS):
            assert word in text, word


# -- against the real stores ----------------------------------------------------------------------------

def test_documents_ingest_clean_titled_and_searchable(documents, scratch, embedder, nlp, graph, tmp_path):
    from retrieval.graph_tools import GraphTools
    from retrieval.retrievers import KeywordRetriever

    corpus = tmp_path / "docs"
    corpus.mkdir()
    for p in documents.values():
        shutil.copy(p, corpus / p.name)
    # text as pypdf or pdftotext leave it: ligature characters, a page break, a zero-width space
    (corpus / "ligatures.txt").write_text(
        "Oﬃcials in Burma\n\nThe oﬃcials of My\u200banmar oﬀered no eﬃcient help to victims of traﬃcking in scam "
        "compounds, the NGO said, and the ﬂight home was paid by the families of those held.\n", encoding="utf-8")
    summary = run_ingest(scratch, [corpus], tiers_csv=None, embedder=embedder, nlp=nlp)
    assert summary.documents == 4 and not summary.errors, summary.errors

    rows = graph.read("MATCH (d:Document)-[:HAS_PASSAGE]->(p:Passage) RETURN d.file AS file, p.text AS text, "
                      "p.pages AS pages")
    bad = {(r["file"], b) for r in rows for b in boilerplate_in(r["text"])}
    assert bad == set()
    docs = {r["file"]: r for r in graph.read("MATCH (d:Document) RETURN d.file AS file, d.title AS title, "
                                             "d.outlet AS outlet, d.published AS published, d.kind AS kind, "
                                             "d.pages AS pages")}
    for name in ("nepal_ecoi.html", "nepal_ecoi_print.pdf", "nepal_report.pdf"):
        assert docs[name]["title"] == NEPAL and docs[name]["kind"] == "chapter"
    assert docs["nepal_ecoi.html"]["outlet"] == "ecoi.net" and docs["nepal_ecoi.html"]["published"] == "2024-06-24"
    assert docs["nepal_ecoi_print.pdf"]["pages"] == 3 and docs["ligatures.txt"]["title"] == "Officials in Burma"
    assert all(r["pages"] for r in rows if r["file"].endswith(".pdf"))
    assert not any(r["pages"] for r in rows if not r["file"].endswith(".pdf"))

    # ligature words are found by keyword search, and the zero-width space no longer splits Myanmar
    keyword = KeywordRetriever(GraphTools(graph))
    lig = {r["id"] for r in graph.read("MATCH (d:Document {file: 'ligatures.txt'})-[:HAS_PASSAGE]->(p) "
                                       "RETURN p.passage_id AS id")}
    for word in ("officials", "efficient", "offered", "flight", "Myanmar"):
        assert lig & {h.passage_id for h in keyword.search(word, 20)}, word
    mentions = graph.read("MATCH (d:Document {file: 'ligatures.txt'})-[:HAS_PASSAGE]->(:Passage)-[:MENTIONS]->"
                          "(c:Country) RETURN collect(c.iso3) AS c")[0]["c"]
    assert "MMR" in mentions


def test_a_fact_on_page_two_is_cited_as_page_two(documents, scratch, embedder, nlp, graph, tmp_path):
    from retrieval.agent import Agent
    from retrieval.models import Answer
    from ui.citing import citation_label, passage_head, to_csv, to_markdown
    from ui.render import print_answer

    run_ingest(scratch, [documents["web_pdf"]], tiers_csv=scratch.tiers_csv, embedder=embedder, nlp=nlp)
    agent = Agent(scratch, embedder=embedder)
    try:
        a = agent.ask("How many trafficking victims did the government of Nepal identify in 2023?")
    finally:
        agent.close()
    assert not a.abstained and "1,262" in a.answer, a.answer
    cite = next(c for c in a.citations if c.passage_id and "1,262" in c.quote)
    assert cite.document == "nepal_ecoi_print.pdf" and cite.pages == [2]
    # the quote maps back to its span of the text the offsets count in, character by character
    original = load(documents["web_pdf"], 10**7, 10**8).text
    assert cite.start < cite.end <= len(original)
    squash = "".join(reader_form(original[cite.start:cite.end]).split())
    assert squash == "".join(cite.quote.split())
    assert original.count("\f", 0, cite.start) + 1 == 2
    # the CLI, the UI's citation list and view, and the Markdown and CSV exports all say where
    assert ", p. 2" in citation_label(a, cite)
    assert "<span class='cite-page'>p. 2</span>" in passage_head(cite)
    assert ", p. 2, characters" in to_markdown([a])
    rows = list(csv.reader(io.StringIO(to_csv(a))))
    assert any("1,262" in " ".join(r) and any(x.endswith("p. 2") for x in r) for r in rows[1:]), rows
    from rich.console import Console

    console = Console(record=True, width=200)
    print_answer(console, Answer.model_validate(a.model_dump()))
    assert "nepal_ecoi_print.pdf, p. 2" in console.export_text()


def test_a_pdfs_outlet_and_date_come_from_its_metadata(documents, tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=documents["report_pdf"])
    w.add_metadata({"/Title": f"{NEPAL} - ecoi.net", "/Author": "Office to Monitor and Combat Trafficking",
                    "/CreationDate": "D:20240624101500+00'00'"})
    path = tmp_path / "with_metadata.pdf"
    with path.open("wb") as f:
        w.write(f)
    doc = load(path, 10**7, 10**8)
    assert (doc.meta_title, doc.meta_outlet, doc.published) == (
        NEPAL, "Office to Monitor and Combat Trafficking", "2024-06-24")


_HEAD = {
    # each page says its title, outlet and date in one way only, so each way is checked on its own
    "title tag": ("<title>Nepal: a country narrative - ecoi.net</title>", ("Nepal: a country narrative", "", "")),
    "meta tags": ('<meta property="og:title" content="Nepal: a country narrative">'
                  '<meta property="og:site_name" content="Refworld">'
                  '<meta property="article:published_time" content="2024-06-24T09:00:00Z">',
                  ("Nepal: a country narrative", "Refworld", "2024-06-24")),
    "json-ld": ('<script type="application/ld+json">{"@type": "Report", "headline": "Nepal: a country narrative",'
                ' "datePublished": "2024-06-24", "publisher": {"@type": "Organization", "name": "USDOS"}}</script>',
                ("Nepal: a country narrative", "USDOS", "2024-06-24")),
}


@pytest.mark.parametrize("way", list(_HEAD))
def test_a_web_pages_title_outlet_and_date_each_from_its_own_source(tmp_path, way):
    head, expected = _HEAD[way]
    page = tmp_path / "nepal.html"
    page.write_text(f"<!DOCTYPE html><html><head>{head}</head><body><p>The Government of Nepal does not fully "
                    "meet the minimum standards for the elimination of trafficking.</p></body></html>")
    doc = load(page, 10**6)
    assert (doc.meta_title, doc.meta_outlet, doc.published) == expected


def test_a_pdf_over_the_text_limit_ingests_under_the_pdf_limit(documents, tmp_path):
    pdf = documents["web_pdf"]
    size = pdf.stat().st_size
    with pytest.raises(LoadError, match="over the .* limit for PDFs"):
        load(pdf, size // 2, size // 2)
    assert load(pdf, size // 2, size * 2).pages == 3  # the text limit does not apply to PDFs


# -- a long PDF -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory) -> Path:
    _need_chromium()
    return docgen.make_long_report(tmp_path_factory.mktemp("long") / "report_500.pdf", 500)


def test_a_500_page_pdf_is_read_page_by_page_in_bounded_memory(long_pdf):
    from bench.pdf_pages import read_cost

    cost = read_cost(long_pdf)
    assert cost["pages"] == 500 and cost["progress_calls"] == 500
    # a page at a time: the process grows by little more than the text itself (0.7 MB; 4.4 MB measured)
    assert cost["read_rss_growth_mb"] < 60, cost
    doc = load(long_pdf, 5_000_000, 10**9)
    ps = chunk(doc, clean(doc.text).blocks)
    assert {n for p in ps for n in p.pages} == set(range(1, 501))
    assert boilerplate_in("\n".join(p.text for p in ps)) == []


@pytest.mark.slow
def test_a_500_page_pdf_ingests_with_every_page_cited(long_pdf, scratch, embedder, nlp, graph):
    """About 140 s here (2,000 passages to embed): hence slow. `make bench` records the time per page."""
    import time

    from rich.console import Console

    console = Console(record=True, width=120, force_terminal=False)
    t = time.perf_counter()
    summary = run_ingest(scratch, [long_pdf], tiers_csv=None, embedder=embedder, nlp=nlp, console=console)
    per_page = (time.perf_counter() - t) / 500
    assert summary.documents == 1 and not summary.errors
    pages = graph.read("MATCH (p:Passage) UNWIND p.pages AS n RETURN count(DISTINCT n) AS n")[0]["n"]
    assert pages == 500
    print(f"500-page PDF: {per_page:.3f} s/page, {summary.passages} passages")
