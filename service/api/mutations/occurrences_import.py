"""``importOccurrences``: record the occurrences of a CSV export from a ticket system."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import ImportOccurrencesPayload


@strawberry.input(description="A CSV export of control occurrences to record.")
class ImportOccurrencesInput(OrganizationInput):
    csv: str = strawberry.field(
        description="A header line naming the columns (controlKey, performedOn, result, "
        "evidenceRef, note, externalId; any order, snake_case too), then one occurrence per "
        "line. At most 5,000 rows."
    )


@payload_mutation(
    "Record the occurrences of a CSV file, all or nothing (OWNER, ASSESSOR, CONTRIBUTOR). "
    'Problems name the file line: ["csv", "12", "performedOn"].'
)
async def mutation(info: Info, input: ImportOccurrencesInput) -> ImportOccurrencesPayload:
    recorded = await info.context.ledger.import_csv(input.organization(), input.csv)
    return ImportOccurrencesPayload(recorded=recorded.recorded, duplicates=recorded.duplicates)
