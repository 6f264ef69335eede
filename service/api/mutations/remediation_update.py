"""``updateRemediation``: an owner, a due date, a status and a note for one open gap."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import RemediationStatus
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import UpdateRemediationPayload
from service.api.types.remediation import RemediationItem
from service.assessment.remediation import ItemChange
from service.errors import NotFound


@strawberry.input(
    description="Who fixes an open gap, by when, and how far it got; a field left out stays "
    "as it is."
)
class UpdateRemediationInput:
    assessment_id: strawberry.ID = strawberry.field(
        description="The assessment (Assessment.id) the gap is in; not an archived one."
    )
    gap_id: strawberry.ID = strawberry.field(description="Gap.id of an open gap.")
    owner: str | None = strawberry.field(default=None, description="At most 200 characters.")
    due_date: date | None = strawberry.field(default=None, description="Today or later.")
    status: RemediationStatus | None = strawberry.field(
        default=None, description="Where the work stands; a new item starts OPEN."
    )
    note: str | None = strawberry.field(default=None, description="At most 4,000 characters.")
    expected_version: int | None = strawberry.field(
        default=None, description="The item's version as read (0 or none for a new item)."
    )


@payload_mutation(
    "Attach an owner, a due date, a status and a note to an open gap; kept by the gap's id "
    "through saves (OWNER, ASSESSOR, CONTRIBUTOR)."
)
async def mutation(info: Info, input: UpdateRemediationInput) -> UpdateRemediationPayload:
    view = await info.context.assessments.get(assessment_id(input))
    if view is None:
        raise NotFound("assessment not found", ("input", "assessmentId"))
    change = ItemChange(
        owner=input.owner, due_date=input.due_date, status=input.status, note=input.note
    )
    item, status = await info.context.remediation.update(
        view, str(input.gap_id), change, input.expected_version
    )
    return UpdateRemediationPayload(item=RemediationItem.of(item, status))
