"""Documents as users have them, generated: a country chapter saved from a document archive's web page
(navigation, cookie banner, archive header, related-documents box, footer), the same page printed to PDF
by Chromium (its print header and footer: date, title, file:// address, "n/m"), a report-style PDF with
running headers, page numbers, soft hyphens and a two-column page, and an N-page report for scale.

The text is written for the tests (fictional figures about a real country, in the report's style); every
piece of page furniture is listed in CHROME so a test or `python -m bench.pdf_quality` can count the ones
that survive into passages.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

TITLE = "2024 Trafficking in Persons Report: Nepal"
SITE = "ecoi.net"
NAV = "Home | Countries | Sources | Login | Deutsch"
COOKIE = "This website uses cookies to improve your experience."
ACCEPT = "Accept"
ARCHIVE_HEADER = "Document #2111693 | USDOS – US Department of State (Author)"
RELATED = ["Related documents", "Nepal: Country Report on Human Rights Practices 2023",
           "Freedom in the World 2024 – Nepal", "Nepal: Situation of domestic workers returning from the Gulf"]
FOOTER = ["© Austrian Red Cross / ACCORD 2024", "Imprint | Privacy policy | Contact",
          "ecoi.net is run by the Austrian Red Cross and funded by the European Union."]
RUNNING_HEADER = "2024 TRAFFICKING IN PERSONS REPORT"
# Lines of page furniture, as a reader would name them; `file://`, the print date and "n/m" are
# matched by pattern (they depend on where and when the page was printed).
CHROME = [NAV, COOKIE, ARCHIVE_HEADER, *RELATED, *FOOTER, RUNNING_HEADER, f"{TITLE} - {SITE}"]
CHROME_PATTERNS = [r"file://\S+", r"\b\d{1,2}/\d{1,2}/\d{2,4}, \d{1,2}:\d{2}\s*[AP]M\b", r"\bAccept\b(?! all)",
                   r"(?m)^\s*\d{1,3}\s*$", r"\b\d{1,3}/\d{1,3}\s*$"]

# The chapter's paragraphs. The page-2 fact and the ligature words are what the tests ask about.
PAGE_TWO_FACT = ("In 2023, the government identified 1,262 trafficking victims through the new referral "
                 "mechanism in Madhesh Province.")
PARAGRAPHS = [
    ("h2", "Nepal (Tier 2)"),
    ("p", "The Government of Nepal does not fully meet the minimum standards for the elimination of "
          "trafficking but is making significant efforts to do so. The government demonstrated overall "
          "increasing efforts compared with the previous reporting period; therefore Nepal remained on Tier 2."),
    ("p", "These efforts included investigating, prosecuting and convicting more traffickers, identifying more "
          "victims, and adopting a new national action plan. Officials from the Ministry of Women, Children and "
          "Senior Citizens trained local committees on victim identification in all seven provinces."),
    ("h3", "Prioritized Recommendations"),
    ("p", "Increase efforts to investigate and prosecute trafficking crimes, including those involving "
          "complicit officials, and seek adequate penalties for convicted traffickers, which should involve "
          "significant prison terms. Eliminate all recruitment fees charged to migrant workers."),
    ("p", "Amend the Human Trafficking and Transportation (Control) Act to criminalize all forms of sex "
          "trafficking and labor trafficking, and remove the requirement that a victim be moved for the crime "
          "to constitute trafficking. Increase the number of shelters for male victims of trafficking."),
    ("h3", "Prosecution"),
    ("p", "The government increased law enforcement efforts. Police investigated 205 cases of human "
          "trafficking in the fiscal year, compared with 188 in the previous fiscal year, and the government "
          "prosecuted 287 defendants. Courts convicted 137 traffickers and sentenced most of them to between "
          "ten and twenty years of imprisonment, an efficient outcome according to the judiciary."),
    ("p", "Officials reported that traffickers increasingly offered fraudulent overseas jobs through social "
          "media and messaging applications, and the Central Investigation Bureau opened an office for "
          "cybercrime investigations involving trafficking. Official complicity in trafficking crimes remained "
          "a significant concern, inhibiting law enforcement action during the year."),
    ("h3", "Protection"),
    ("p", "The government maintained efforts to identify and protect victims. " + PAGE_TWO_FACT + " The "
          "Ministry of Women, Children and Senior Citizens funded ten shelters for female victims run by "
          "non-governmental organizations, which offered counseling, legal aid and vocational training."),
    ("p", "Authorities did not proactively screen migrant workers returning from the Gulf for indicators of "
          "forced labor, and some victims who returned on a flight from abroad reported that officials at "
          "the airport asked them for bribes before allowing them to leave."),
    ("h3", "Prevention"),
    ("p", "The government increased prevention efforts. It adopted a national action plan for 2023-2028 and "
          "allocated a budget for its implementation. The Department of Foreign Employment conducted "
          "awareness campaigns in districts with high rates of labor migration and shut down 51 unlicensed "
          "recruitment agencies during the reporting period."),
    ("p", "The government did not make efforts to reduce the demand for commercial sex acts. It provided "
          "anti-trafficking training to its diplomatic personnel and to troops before their deployment on "
          "international peacekeeping missions, and offered a hotline staffed around the clock."),
    ("h3", "Trafficking Profile"),
    ("p", "As reported over the past five years, human traffickers exploit domestic and foreign victims in "
          "Nepal, and traffickers exploit victims from Nepal abroad. Traffickers exploit Nepali men, women and "
          "children in forced labor in agriculture, brick kilns, the embroidered textile industry and domestic "
          "work, and in sex trafficking in adult entertainment venues along the border with India."),
]
# Words hyphenated by the layout (soft hyphens): the tests check they come out whole.
SOFT_HYPHENATED = {"trafficking": "traf\u00adficking", "government": "gov\u00adernment",
                   "investigations": "investi\u00adgations", "organizations": "organi\u00adzations",
                   "implementation": "imple\u00admentation", "recruitment": "recruit\u00adment",
                   "entertainment": "entertain\u00adment", "international": "inter\u00adnational"}
LIGATURE_WORDS = ["officials", "efficient", "offered", "flight", "trafficking"]

PAGE_CSS = """
body { font-family: 'DejaVu Serif', serif; font-size: 15px; line-height: 1.45; margin: 0 24px; }
.topbar { font-family: sans-serif; font-size: 12px; padding: 6px 0; border-bottom: 1px solid #ccc; }
#cookie { background: #ffd; padding: 8px; font-size: 12px; }
.docmeta { color: #555; font-size: 12px; }
.related { border: 1px solid #aaa; padding: 6px; margin-top: 24px; font-size: 12px; }
.footer { font-size: 11px; color: #555; margin-top: 24px; }
"""


def _body_html(paragraphs=PARAGRAPHS, hyphenate: bool = False) -> str:
    out = []
    for tag, text in paragraphs:
        t = html.escape(text)
        if hyphenate:
            for word, soft in SOFT_HYPHENATED.items():
                t = t.replace(word, soft)
        out.append(f"<{tag}>{t}</{tag}>")
    return "\n".join(out)


def web_page() -> str:
    """The chapter as saved from the archive: its chrome in divs, as many sites have it (no <nav>/<footer>)."""
    related = "".join(f"<li><a href='#'>{html.escape(r)}</a></li>" for r in RELATED[1:])
    footer = "".join(f"<p>{html.escape(f)}</p>" for f in FOOTER)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(TITLE)} - {SITE}</title>
<meta property="og:site_name" content="{SITE}">
<meta property="og:title" content="{html.escape(TITLE)}">
<meta name="author" content="USDOS – US Department of State">
<meta property="article:published_time" content="2024-06-24T10:00:00+00:00">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Report",
 "headline": "{html.escape(TITLE)}", "datePublished": "2024-06-24",
 "publisher": {{"@type": "Organization", "name": "{SITE}"}}}}</script>
<style>{PAGE_CSS}</style></head><body>
<div class="topbar">{html.escape(NAV)}</div>
<div id="cookie"><p>{html.escape(COOKIE)}</p><button>{ACCEPT}</button></div>
<h1>{html.escape(TITLE)}</h1>
<p class="docmeta">{html.escape(ARCHIVE_HEADER)}</p>
{_body_html()}
<div class="related"><h3>{RELATED[0]}</h3><ul>{related}</ul></div>
<div class="footer">{footer}</div>
</body></html>"""


def report_page_html(pages: int = 3, two_column_page: int = 3) -> str:
    """A report laid out in pages: the chapter flows over `pages` pages (each ends with a page break), soft
    hyphens in long words, and page `two_column_page` set in two columns whose right one comes first in the
    page's source, so only a reader that looks at the layout reads it in column order."""
    chunks = [[] for _ in range(pages)]
    body = [p for p in PARAGRAPHS]
    per = max(1, len(body) // pages)
    for i, para in enumerate(body):
        chunks[min(i // per, pages - 1)].append(para)
    parts = []
    for n, paras in enumerate(chunks, start=1):
        if n == two_column_page and len(paras) >= 2:
            half = (len(paras) + 1) // 2
            left, right = _body_html(paras[:half], True), _body_html(paras[half:], True)
            parts.append("<section class='page cols'>"
                         f"<div class='right'>{right}</div><div class='left'>{left}</div></section>")
        else:
            parts.append(f"<section class='page'>{_body_html(paras, True)}</section>")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(TITLE)}</title>
<style>{PAGE_CSS}
.page {{ break-after: page; }}
.cols {{ display: grid; grid-template-columns: 1fr 1fr; column-gap: 36px; }}
.cols .left {{ grid-column: 1; grid-row: 1; }} .cols .right {{ grid-column: 2; grid-row: 1; }}
</style></head><body><h1>{html.escape(TITLE)}</h1>{"".join(parts)}</body></html>"""


def long_report_html(pages: int) -> str:
    """`pages` pages of chapter text, one chapter section per page (for the scale test and the bench)."""
    paras = [p for p in PARAGRAPHS if p[0] == "p"]
    parts = []
    for n in range(pages):
        body = "".join(f"<p>{html.escape(paras[(n + k) % len(paras)][1])} (Section {n + 1}.{k + 1}.)</p>"
                       for k in range(4))
        parts.append(f"<section class='page'><h3>Section {n + 1}</h3>{body}</section>")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(TITLE)}</title>
<style>{PAGE_CSS} .page {{ break-after: page; }}</style></head><body>{"".join(parts)}</body></html>"""


def print_with_chromium_defaults(html_path: Path, pdf_path: Path) -> Path:
    """Print as a user does with Chromium's own print header and footer (date, title, address, n/m)."""
    subprocess.run([CHROMIUM, *CHROMIUM_ARGS, f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return pdf_path


def print_report(html_path: Path, pdf_path: Path) -> Path:
    """Print with a report's running header and a page-number footer (Playwright's print templates)."""
    from playwright.sync_api import sync_playwright

    header = (f"<div style='font-size:8px;width:100%;text-align:center;font-family:sans-serif'>"
              f"{RUNNING_HEADER}</div>")
    footer = ("<div style='font-size:8px;width:100%;text-align:center;font-family:sans-serif'>"
              "<span class='pageNumber'></span></div>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html_path.resolve().as_uri())
        page.pdf(path=str(pdf_path), format="Letter", display_header_footer=True, header_template=header,
                 footer_template=footer, margin={"top": "60px", "bottom": "60px", "left": "50px", "right": "50px"})
        browser.close()
    return pdf_path


def make_documents(folder: Path) -> dict[str, Path]:
    """The saved web page, its Chromium print, and the report-style PDF, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    web = folder / "nepal_ecoi.html"
    web.write_text(web_page(), encoding="utf-8")
    report_html = Path(tempfile.mkdtemp()) / "report.html"
    report_html.write_text(report_page_html(), encoding="utf-8")
    return {"html": web, "web_pdf": print_with_chromium_defaults(web, folder / "nepal_ecoi_print.pdf"),
            "report_pdf": print_report(report_html, folder / "nepal_report.pdf")}


def make_long_report(pdf_path: Path, pages: int) -> Path:
    src = Path(tempfile.mkdtemp()) / "long.html"
    src.write_text(long_report_html(pages), encoding="utf-8")
    return print_report(src, pdf_path)
