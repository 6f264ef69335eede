"""``simulateAudit``: a seeded mock audit of an assessment's controls over the ledger."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import SimulateAuditPayload
from service.api.types.ledger import AuditSampleType
from service.errors import NotFound


@strawberry.input(description="A mock audit of one assessment's controls.")
class SimulateAuditInput:
    assessment_id: strawberry.ID = strawberry.field(
        description="The assessment (Assessment.id); any member may simulate."
    )
    seed: int = strawberry.field(description="The same seed draws the same sample.")
    window_start: date | None = strawberry.field(
        default=None, description="As for Assessment.operatingEffectiveness."
    )
    as_of: date | None = strawberry.field(
        default=None,
        description="The day to audit as of (ISO date, 2000-01-01 to five years ahead); default "
        "the report's day.",
    )


@payload_mutation(
    "Draw, per in-scope control, the sample an auditor would (seeded) and show what the ledger "
    "holds for it: the occurrences selected and the missed periods hit. Changes nothing."
)
async def mutation(info: Info, input: SimulateAuditInput) -> SimulateAuditPayload:
    view = await info.context.assessments.get(assessment_id(input))
    if view is None:
        raise NotFound("assessment not found", ("input", "assessmentId"))
    assessments = info.context.assessments
    day = assessments.dry_run_day(view, input.as_of)
    samples = await info.context.ledger.simulate(
        assessments.subject(view), input.seed, input.window_start, day
    )
    return SimulateAuditPayload(
        samples=[AuditSampleType(sample=s, framework=view.framework) for s in samples]
    )
