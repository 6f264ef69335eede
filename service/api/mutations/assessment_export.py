"""``exportAssessment``: the readiness report as a file, in one of six formats."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.enums import ExportFormat
from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.mutations.base import mutate
from service.reports.service import ExportedFile


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
    export: ExportedFileType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: ExportAssessmentInput,
) -> ExportAssessmentPayload:
    async def run() -> ExportAssessmentPayload:
        exported = await info.context.reports.export(
            decode_id("Assessment", input.assessment_id), input.format
        )
        return ExportAssessmentPayload(export=ExportedFileType.of(exported), errors=[])

    return await mutate(input, run, ExportAssessmentPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="The readiness report as a file: JSON, CSV, Markdown, HTML or OSCAL.",
)
