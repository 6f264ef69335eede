"""``exportAssessment``: the readiness report as a file, in one of six formats."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import ExportFormat
from service.api.ids import decode_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import ExportAssessmentPayload, ExportedFileType


@strawberry.input(description="An assessment's report to export, and the file format.")
class ExportAssessmentInput:
    assessment_id: strawberry.ID = strawberry.field(description="The assessment (Assessment.id).")
    format: ExportFormat = strawberry.field(description="The kind of file to render.")


@payload_mutation(
    "The readiness report as a file in the chosen format (JSON, CSV, Markdown, HTML, PDF, XLSX, "
    "the evidence request list or OSCAL); every export is written to the audit log (any member)."
)
async def mutation(info: Info, input: ExportAssessmentInput) -> ExportAssessmentPayload:
    exported = await info.context.reports.export(
        decode_id("Assessment", input.assessment_id), input.format
    )
    return ExportAssessmentPayload(export=ExportedFileType.of(exported))
