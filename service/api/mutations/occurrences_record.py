"""``recordOccurrences``: add dated control occurrences to an organisation's evidence ledger."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import OccurrenceResult
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import RecordOccurrencesPayload
from service.assessment.ledger_input import MAX_BATCH, OccurrenceIn


@strawberry.input(description="One performance of a control.")
class OccurrenceInput:
    control_key: str = strawberry.field(
        description="The control performed (Control.key), of a framework the organisation sees."
    )
    performed_on: date = strawberry.field(description="The day it was performed (2000 to today).")
    result: OccurrenceResult = strawberry.field(
        default=OccurrenceResult.PASS,
        description="EXCEPTION: performed late, without approval or incompletely.",
    )
    evidence_ref: str | None = strawberry.field(
        default=None, description="A ticket URL, a file hash, a log query (2,000 characters)."
    )
    note: str | None = strawberry.field(default=None, description="At most 4,000 characters.")
    external_id: str | None = strawberry.field(
        default=None,
        description="Your own id for it (a ticket key, 200 characters): an occurrence sent "
        "again with the same externalId counts as a duplicate and changes nothing.",
    )


@strawberry.input(description="Occurrences to add to an organisation's evidence ledger.")
class RecordOccurrencesInput(OrganizationInput):
    occurrences: list[OccurrenceInput] = strawberry.field(
        description=f"At most {MAX_BATCH:,}; one bad row refuses the whole batch."
    )


@payload_mutation(
    "Record occurrences of controls in the evidence ledger, all or nothing (OWNER, ASSESSOR, "
    "CONTRIBUTOR). Every problem is listed with its path, e.g. "
    '["occurrences", "7", "controlKey"].'
)
async def mutation(info: Info, input: RecordOccurrencesInput) -> RecordOccurrencesPayload:
    rows = [
        OccurrenceIn(
            control_key=o.control_key,
            performed_on=o.performed_on,
            result=o.result.value,
            evidence_ref=o.evidence_ref,
            note=o.note,
            external_id=o.external_id,
        )
        for o in input.occurrences
    ]
    recorded = await info.context.ledger.record(input.organization(), rows)
    return RecordOccurrencesPayload(recorded=recorded.recorded, duplicates=recorded.duplicates)
