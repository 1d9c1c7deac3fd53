"""Load documents from disk: .txt/.md as text (UTF-8, or UTF-16/32 by their byte-order mark), .html via
selectolax (ingest.html), .pdf via PDFium (ingest.pdf).

Every failure is a LoadError naming the file and the reason; the caller keeps going.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ingest.models import RawDocument

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
# Longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


class LoadError(ValueError):
    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def _not_a_file(p: Path) -> LoadError | None:
    """Why a path that is not a readable regular file or folder is skipped, or None if it is one."""
    try:
        mode = os.stat(p).st_mode
    except RuntimeError:
        return LoadError(p, "a symbolic link loop")
    except OSError as exc:
        if p.is_symlink():
            if exc.errno == 40:  # ELOOP
                return LoadError(p, "a symbolic link loop")
            return LoadError(p, f"a dangling symbolic link (to {os.readlink(p)})")
        return LoadError(p, "no such file or folder")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return LoadError(p, f"{kind}, not a document")


def discover(paths: list[Path]) -> tuple[list[Path], list[LoadError]]:
    """Expand folders; unsupported, missing or special files (pipes, dangling links, link loops) become
    errors, not silent skips."""
    files: list[Path] = []
    errors: list[LoadError] = []

    def consider(f: Path, listed: bool) -> None:
        why = _not_a_file(f)
        if why is not None:
            errors.append(why)
        elif f.is_dir():
            if not listed:
                for g in sorted(f.iterdir()):
                    if g.name.lower() != "readme.md" and not g.name.startswith("."):
                        consider(g, True)
        elif f.suffix.lower() in SUPPORTED:
            files.append(f)
        else:
            errors.append(LoadError(f, f"unsupported file type '{f.suffix}'"))

    for p in paths:
        consider(Path(p), False)
    return files, errors


def decode(path: Path, raw: bytes) -> str:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(path, f"not valid {encoding.upper()} (byte {exc.start})") from exc
    if b"\x00" in raw[:8192]:
        raise LoadError(path, "the file is binary, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(path, f"not UTF-8 (byte {exc.start}); re-save it as UTF-8") from exc


def load(path: Path, max_bytes: int, max_pdf_bytes: int | None = None,
         on_page: Callable[[int, int], None] | None = None) -> RawDocument:
    """`on_page(done, total)` is called after each page of a PDF."""
    suffix = path.suffix.lower()
    limit = max_pdf_bytes or max_bytes if suffix == ".pdf" else max_bytes
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "the file is empty")
    if size > limit:
        raise LoadError(path, f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit"
                        + (" for PDFs (TIPKG_MAX_PDF_BYTES)" if suffix == ".pdf" else " (TIPKG_MAX_DOCUMENT_BYTES)"))
    title = outlet = date = ""
    pages = 0
    if suffix == ".pdf":
        from ingest.pdf import PdfError, read_pdf

        try:
            pdf = read_pdf(path, on_page)
        except PdfError as exc:
            raise LoadError(path, str(exc)) from exc
        text, pages, title, outlet, date = pdf.text, pdf.pages, pdf.title, pdf.author, pdf.date
    else:
        text = decode(path, path.read_bytes())
        if suffix in (".html", ".htm"):
            from ingest.html import read_html

            page = read_html(text)
            text, title, outlet, date = page.text, page.title, page.outlet, page.date
    if suffix == ".pdf":
        from ingest.html import strip_site_suffix

        title = strip_site_suffix(title)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(path, "no text in the file" + (" (a scanned PDF has none to extract)" if pages else ""))
    doc_id = "doc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RawDocument(path=path.resolve(), doc_id=doc_id, text=text, file=path.name,
                       meta_title=usable_title(title, path), meta_outlet=outlet, published=date, pages=pages)


def usable_title(title: str, path: Path) -> str:
    """A metadata title unless it is a file name or a word processor's placeholder."""
    t = " ".join((title or "").split())
    low = t.lower()
    if (not t or low in ("untitled", "title", "document") or low.startswith("microsoft word - ")
            or low.rsplit(".", 1)[-1] in ("doc", "docx", "pdf", "html", "htm", "txt", "indd")
            or low == path.stem.lower()):
        return ""
    return t
