"""``exportAssessment``: the readiness report as a file, in one of six formats."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import ExportFormat
from service.api.ids import decode_id
from service.api.mutations.base import payload_mutation
from service.api.mutations.payloads import ExportAssessmentPayload, ExportedFileType


@strawberry.input
class ExportAssessmentInput:
    assessment_id: strawberry.ID
    format: ExportFormat


@payload_mutation("The readiness report as a file: JSON, CSV, Markdown, HTML or OSCAL.")
async def mutation(info: Info, input: ExportAssessmentInput) -> ExportAssessmentPayload:
    exported = await info.context.reports.export(
        decode_id("Assessment", input.assessment_id), input.format
    )
    return ExportAssessmentPayload(export=ExportedFileType.of(exported))
