"""Load documents from disk: .txt/.md as text, .html via selectolax, .pdf via pypdf.

Every failure is a LoadError naming the file and the reason; the caller keeps going.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.models import RawDocument

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}


class LoadError(ValueError):
    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def discover(paths: list[Path]) -> tuple[list[Path], list[LoadError]]:
    """Expand folders; unsupported or missing files become errors, not silent skips."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_file() and f.name.lower() != "readme.md" and not f.name.startswith("."):
                    (files if f.suffix.lower() in SUPPORTED else errors).append(
                        f if f.suffix.lower() in SUPPORTED else LoadError(f, f"unsupported file type '{f.suffix}'")
                    )
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED:
                files.append(p)
            else:
                errors.append(LoadError(p, f"unsupported file type '{p.suffix}'"))
        else:
            errors.append(LoadError(p, "no such file or folder"))
    return files, errors


def load(path: Path, max_bytes: int) -> RawDocument:
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "the file is empty")
    if size > max_bytes:
        raise LoadError(path, f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(path, raw)
    else:
        if b"\x00" in raw[:8192]:
            raise LoadError(path, "the file is binary, not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"not UTF-8 (byte {exc.start}); re-save it as UTF-8") from exc
        if suffix in (".html", ".htm"):
            text = _html_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(path, "no text in the file")
    doc_id = "doc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RawDocument(path=path.resolve(), doc_id=doc_id, text=text, file=path.name)


def _html_text(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for tag in ("script", "style", "nav", "footer", "header", "aside", "form", "noscript"):
        for node in tree.css(tag):
            node.decompose()
    blocks = []
    title = tree.css_first("title")
    if title and title.text(strip=True):
        blocks.append(title.text(strip=True))
    body = tree.body or tree.root
    for node in body.css("h1, h2, h3, h4, p, li, blockquote"):
        t = " ".join(node.text(separator=" ").split())
        if t:
            blocks.append(t)
    return "\n\n".join(blocks)


def _pdf_text(path: Path, raw: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        return "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(path, f"unreadable PDF ({exc})") from exc
