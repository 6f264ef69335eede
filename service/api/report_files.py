"""``GET /reports/{assessmentId}.{html,pdf,xlsx,md,csv,json}``: the report for a browser.

Authentication and tenancy are the API's: the middleware has already
resolved the bearer token, and an assessment outside the caller's
organisations is a 404, the same answer as an id that never existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.ids import decode_id
from service.auth.responses import error_document
from service.errors import DatabaseUnavailable, LimitExceeded, NotFound
from service.reports.links import opened
from service.reports.service import BROWSER_SUFFIXES, ExportFormat, ReportService

if TYPE_CHECKING:
    from service.runtime import Services

LINK_OPENS_NOTHING = "this link does not open any report"
# The page carries its own styles and inline SVG; it needs nothing else.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_document(code, message), status_code=status)


async def _served(
    reports: ReportService,
    assessment_id: ObjectId,
    fmt: ExportFormat,
    *,
    missing: str,
    action: str = "exportAssessment",
    headers: dict[str, str] | None = None,
) -> Response:
    """The exported report as a response, or the error the export ended in (``missing``:
    what a 404 says)."""
    try:
        exported = await reports.export(assessment_id, fmt, action=action)
    except NotFound:
        return _error(404, "NOT_FOUND", missing)
    except DatabaseUnavailable:
        return _error(503, "SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly")
    except LimitExceeded as error:
        # The render pool is full or the render ran past its deadline: retry later.
        response = _error(503, "LIMIT_EXCEEDED", str(error))
        response.headers["Retry-After"] = "5"
        return response
    disposition = "attachment" if fmt in (ExportFormat.CSV, ExportFormat.XLSX) else "inline"
    sent = {
        "Content-Disposition": f'{disposition}; filename="{exported.filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        **(headers or {}),
    }
    if fmt is ExportFormat.HTML:
        sent["Content-Security-Policy"] = HTML_POLICY
    return Response(exported.data, media_type=exported.content_type, headers=sent)


async def report_file(request: Request) -> Response:
    services: Services = request.app.state.services
    fmt = BROWSER_SUFFIXES.get(request.path_params["suffix"])
    assessment_id = decode_id("Assessment", request.path_params["assessment_id"])
    if fmt is None or assessment_id is None:
        return _error(404, "NOT_FOUND", "report not found")
    reports = services.for_principal(request.scope["state"]["principal"]).reports
    return await _served(reports, assessment_id, fmt, missing="report not found")


async def shared_report(request: Request) -> Response:
    """``GET /shared/{token}`` (HTML) and ``/shared/{token}.pdf``: a report opened through a
    live share link, without an account. Unknown, expired and revoked links are one 404."""
    services: Services = request.app.state.services
    token = request.path_params["token"]
    fmt = ExportFormat.HTML
    if token.endswith(".pdf"):
        token, fmt = token[: -len(".pdf")], ExportFormat.PDF
    found = await opened(token)
    if found is None:
        return _error(404, "NOT_FOUND", LINK_OPENS_NOTHING)
    link, principal = found
    return await _served(
        services.for_principal(principal).reports,
        link.assessment_id,
        fmt,
        missing=LINK_OPENS_NOTHING,
        action="openReportLink",
        headers={"Referrer-Policy": "no-referrer"},
    )
