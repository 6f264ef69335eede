"""Exporting an assessment's report, and comparing it with an earlier one.

Reading rules are the assessment's own: an assessment outside the caller's
organisations does not exist for them (NOT_FOUND), whatever the format.
Rendering is pure-Python CPU work that grows with the report; it runs in the
worker pool (``service.offload``), so a large export does not hold up other
requests, and a busy pool or an overlong render is LIMIT_EXCEEDED.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from service.assessment.ledger import LedgerService
from service.assessment.organizations import OrganizationService
from service.assessment.remediation import Remediation
from service.assessment.service import AssessmentService, AssessmentView
from service.errors import NotFound
from service.offload import worker_pool
from service.reports import documents, evidence, formats, oscal
from service.reports.content import (
    Comparison,
    answer_rows,
    compare,
    plan_rows,
    report_document,
)
from service.storage.repositories import AssessmentRepository
from service.storage.writes import audit_event, write


class ExportFormat(StrEnum):
    JSON = "JSON"
    CSV = "CSV"
    MARKDOWN = "MARKDOWN"
    HTML = "HTML"
    OSCAL_ASSESSMENT_RESULTS = "OSCAL_ASSESSMENT_RESULTS"
    OSCAL_POAM = "OSCAL_POAM"
    EVIDENCE_REQUESTS = "EVIDENCE_REQUESTS"
    PDF = "PDF"
    XLSX = "XLSX"


# format -> (file suffix, content type, renderer over the report content)
_RENDERERS: dict[ExportFormat, tuple[str, str, Callable[[dict[str, Any]], str | bytes]]] = {
    ExportFormat.JSON: ("json", "application/json", formats.to_json),
    ExportFormat.CSV: ("csv", "text/csv; charset=utf-8", formats.to_csv),
    ExportFormat.MARKDOWN: ("md", "text/markdown; charset=utf-8", formats.to_markdown),
    ExportFormat.HTML: ("html", "text/html; charset=utf-8", formats.to_html),
    ExportFormat.OSCAL_ASSESSMENT_RESULTS: (
        "oscal-ar.json",
        "application/json",
        lambda c: formats.to_json(oscal.assessment_results(c)),
    ),
    ExportFormat.OSCAL_POAM: (
        "oscal-poam.json",
        "application/json",
        lambda c: formats.to_json(oscal.poam(c)),
    ),
    ExportFormat.EVIDENCE_REQUESTS: (
        "evidence-requests.csv",
        "text/csv; charset=utf-8",
        evidence.to_evidence_requests,
    ),
    ExportFormat.PDF: ("pdf", "application/pdf", documents.to_pdf),
    ExportFormat.XLSX: (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        documents.to_xlsx,
    ),
}
# Formats whose content carries the remediation plan (one engine pass per open gap).
_PLANNED = {ExportFormat.JSON, ExportFormat.HTML, ExportFormat.PDF, ExportFormat.XLSX}
BROWSER_SUFFIXES = {
    "pdf": ExportFormat.PDF,
    "xlsx": ExportFormat.XLSX,
    "html": ExportFormat.HTML,
    "md": ExportFormat.MARKDOWN,
    "csv": ExportFormat.CSV,
    "json": ExportFormat.JSON,
}


@dataclass(frozen=True)
class ExportedFile:
    """A rendered report; binary formats (PDF, XLSX) carry their bytes base64-encoded."""

    filename: str
    content_type: str
    content: str
    encoding: str = "utf-8"

    @property
    def data(self) -> bytes:
        if self.encoding == "base64":
            return base64.b64decode(self.content)
        return self.content.encode()

    @classmethod
    def of(cls, filename: str, content_type: str, rendered: str | bytes) -> ExportedFile:
        if isinstance(rendered, bytes):
            encoded = base64.b64encode(rendered).decode()
            return cls(filename, content_type, encoded, "base64")
        return cls(filename, content_type, rendered)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "organization"


class ReportService:
    def __init__(
        self,
        assessments: AssessmentService,
        organizations: OrganizationService,
        ledger: LedgerService,
        remediation: Remediation,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.assessments = assessments
        self.organizations = organizations
        self.ledger = ledger
        self.remediation = remediation
        self.clock = clock

    async def _view(self, assessment_id: ObjectId | None, field: str) -> AssessmentView:
        view = await self.assessments.get(assessment_id) if assessment_id else None
        if view is None:
            raise NotFound("assessment not found", ("input", field))
        return view

    async def previous(self, view: AssessmentView) -> AssessmentView | None:
        """The organisation's assessment of the same framework created just before this one."""
        repository = await AssessmentRepository.of_access(self.assessments.access)
        record = await repository.previous(view.record)
        return await self.assessments.view(record) if record else None

    async def comparison(
        self,
        view: AssessmentView,
        previous_id: ObjectId | None = None,
        load: Callable[[ObjectId], Awaitable[AssessmentView | None]] | None = None,
    ) -> Comparison | None:
        """Progress since ``previous_id``, or by default since the assessment created just
        before this one (None when there is none). ``load`` reads the earlier assessment
        (the API passes its per-request DataLoader); one of another organisation is missing."""
        if previous_id is None:
            previous = await self.previous(view)
            return compare(view, previous) if previous else None
        found = await (load or self.assessments.get)(previous_id)
        if found is None or found.record.organization_id != view.record.organization_id:
            raise NotFound("assessment not found", ("input", "previousAssessmentId"))
        return compare(view, found)

    async def content(self, assessment_id: ObjectId | None) -> dict[str, Any]:
        return await self._content(await self._view(assessment_id, "assessmentId"))

    async def _content(
        self, view: AssessmentView, dry_run: bool = False, planned: bool = False
    ) -> dict[str, Any]:
        """The report's content; with the dry run over the evidence ledger when the
        organisation has one (or ``dry_run`` asks for it: the evidence request list), and
        with the remediation plan and the answers when ``planned``."""
        organization = await self.organizations.get(view.record.organization_id)
        content = report_document(
            view,
            organization.name if organization else "",
            await self.comparison(view),
            self.clock(),
            self.assessments.clock(),
        )
        content["branding"] = {
            "consultant": organization.report_consultant if organization else None,
            "logo": (
                f"data:image/png;base64,{organization.report_logo_png}"
                if organization and organization.report_logo_png
                else None
            ),
        }
        operating = None
        if dry_run or view.record.ledger_stamp:
            run = await self.ledger.operating_effectiveness(
                self.assessments.subject(view),
                None,
                self.assessments.report_day(view.record),
                whole=True,
            )
            operating = evidence.operating_document(run, view.framework)
        content["operating_effectiveness"] = operating
        if planned:
            content["plan"] = plan_rows(content, await self.remediation.plan(view))
            content["answers"] = answer_rows(view)
        return content

    async def export(
        self, assessment_id: ObjectId | None, fmt: ExportFormat, action: str = "exportAssessment"
    ) -> ExportedFile:
        """The report as a file; who exported which assessment, in which format, goes to the
        audit log (a readiness report maps a company's weaknesses)."""
        view = await self._view(assessment_id, "assessmentId")
        content = await self._content(
            view, dry_run=fmt is ExportFormat.EVIDENCE_REQUESTS, planned=fmt in _PLANNED
        )
        suffix, content_type, render = _RENDERERS[fmt]
        framework = content["assessment"]["framework"]["key"]
        name = (
            f"{framework}-readiness-{_slug(content['organization'])}-{content['assessment']['id']}"
        )
        rendered = await worker_pool().run(render, content)
        exported = ExportedFile.of(f"{name}.{suffix}", content_type, rendered)
        event = audit_event(
            self.assessments.access.principal,
            action,
            "Assessment",
            view.record.id,
            view.record.organization_id,
            format=fmt.value,
        )
        await write([], event)
        return exported
