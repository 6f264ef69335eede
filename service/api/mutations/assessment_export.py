"""``exportAssessment``: the readiness report as a file, in one of six formats."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.errors import DomainError
from service.reports.service import ExportedFile, ExportFormat, ReportService

strawberry.enum(
    ExportFormat,
    name="ExportFormat",
    description="JSON (full report), CSV (one row per gap), MARKDOWN, HTML (self-contained, "
    "printable), OSCAL_ASSESSMENT_RESULTS and OSCAL_POAM (OSCAL 1.2 JSON).",
)


@strawberry.input
class ExportAssessmentInput:
    assessment_id: strawberry.ID
    format: ExportFormat


@strawberry.type(name="ExportedFile")
class ExportedFileType:
    filename: str
    content_type: str
    content: str

    @classmethod
    def of(cls, exported: ExportedFile) -> ExportedFileType:
        return cls(
            filename=exported.filename,
            content_type=exported.content_type,
            content=exported.content,
        )


@strawberry.type
class ExportAssessmentPayload:
    export: ExportedFileType | None
    errors: list[UserError]


async def export(
    info: strawberry.Info[Context, None],
    input: ExportAssessmentInput,
) -> ExportAssessmentPayload:
    context = info.context
    reports = ReportService(context.assessments, context.organizations)
    try:
        exported = await reports.export(decode_id("Assessment", input.assessment_id), input.format)
    except DomainError as error:
        return ExportAssessmentPayload(export=None, errors=user_errors(error))
    return ExportAssessmentPayload(export=ExportedFileType.of(exported), errors=[])
