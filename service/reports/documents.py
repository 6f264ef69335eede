"""The report as documents a client keeps: a PDF and a workbook.

The PDF is the HTML report's own template rendered for print (a cover, the
executive summary on its page, the appendix of answers, the method) by
WeasyPrint, which lays HTML and CSS out with Pango: one template for both, so
the two cannot disagree. It is given no way to fetch anything: the page carries
its styles and inline SVG, and any URL it might name is refused.

The workbook has a sheet of gaps and a sheet of the remediation plan, with
filters on and owners and dates as columns (openpyxl). A cell that would start
like a formula is written as text.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from service.reports.formats import remediation_plan, to_html

INLINE_PNG = "data:image/png;base64,"
GAP_COLUMNS = [
    ("number", "Gap"),
    ("id", "Gap id"),
    ("severity", "Severity"),
    ("kind", "Kind"),
    ("criterion", "Criterion"),
    ("control", "Control"),
    ("control_name", "Control name"),
    ("title", "Title"),
    ("remediation", "Remediation"),
    ("effort_weeks", "Effort (weeks)"),
]
PLAN_COLUMNS = [
    ("priority", "Priority"),
    ("title", "Action"),
    ("severity", "Severity"),
    ("date_impact_days", "Days sooner"),
    ("waiting", "Waiting"),
    ("effort_weeks", "Effort (weeks)"),
    ("owner", "Owner"),
    ("due_date", "Due date"),
    ("status", "Status"),
    ("item_note", "Note"),
    ("criterion", "Criterion"),
    ("control", "Control"),
    ("id", "Gap id"),
]


class _NothingFetched(URLFetcher):  # type: ignore[misc]
    """Refuses every URL but the logo's inline PNG: the page needs nothing else, and tenant
    text must not make the server fetch anything (file://, a cloud metadata address)."""

    def fetch(self, url: str, headers: object = None) -> Any:
        if url.startswith(INLINE_PNG):
            data = base64.b64decode(url[len(INLINE_PNG) :], validate=True)
            return URLFetcherResponse(url, data, {"Content-Type": "image/png"})
        raise ValueError(f"the report fetches nothing: {url[:80]}")


def to_pdf(content: dict[str, Any]) -> bytes:
    """The PDF report (A4), from the HTML report's template."""
    page = HTML(string=to_html(content, pdf=True), url_fetcher=_NothingFetched())
    pdf: bytes = page.write_pdf()
    return pdf


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # text, never a formula
    return value


def _sheet(book: Workbook, title: str, columns: list[tuple[str, str]], rows: list[Any]) -> None:
    sheet = book.create_sheet(title)
    sheet.append([label for _, label in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _ in columns])
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    sheet.freeze_panes = "A2"
    for index, (key, label) in enumerate(columns, start=1):
        widest = max([len(label), *(len(str(r.get(key) or "")) for r in rows[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, widest + 2)


def to_xlsx(content: dict[str, Any]) -> bytes:
    """A workbook: the gaps, and the remediation plan with owners and dates."""
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Gaps", GAP_COLUMNS, content["gaps"])
    _sheet(book, "Remediation plan", PLAN_COLUMNS, remediation_plan(content))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
