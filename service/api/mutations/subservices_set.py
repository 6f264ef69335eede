"""``setSubserviceOrganizations``: record the subservice organisations and their treatment."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import strawberry

from service.api.context import Info
from service.api.enums import Treatment
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.inputs import AssessmentVersionInput
from service.api.mutations.payloads import SetSubserviceOrganizationsPayload
from service.assessment.subservices import Subservice


@strawberry.input
class SubserviceOrganizationInput:
    name: str
    treatment: Treatment
    criteria: list[str] = strawberry.field(description="Refs of the criteria it helps meet.")
    report_period_start: date | None = None
    report_period_end: date | None = strawberry.field(
        default=None, description="The end of the period its own SOC 2 report covers."
    )
    bridge_letter: bool = False
    complementary_user_entity_controls: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class SetSubserviceOrganizationsInput(AssessmentVersionInput):
    organizations: list[SubserviceOrganizationInput] = strawberry.field(
        description="The whole list (at most 20); empty: none (the seeded cloud provider too)."
    )


@payload_mutation(
    "Record an assessment's subservice organisations, carve-out or inclusive (OWNER, ASSESSOR)."
)
async def mutation(
    info: Info, input: SetSubserviceOrganizationsInput
) -> SetSubserviceOrganizationsPayload:
    # The input's fields are the domain's; the service checks and normalises them.
    listed = [Subservice(**asdict(o)) for o in input.organizations]
    view = await info.context.assessments.set_subservices(
        assessment_id(input), input.expected_version, listed
    )
    return SetSubserviceOrganizationsPayload.of(view)
