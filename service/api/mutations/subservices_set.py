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


@strawberry.input(description="A subservice organisation the system relies on.")
class SubserviceOrganizationInput:
    name: str = strawberry.field(
        description="1 to 200 characters, unique in the list (ignoring case)."
    )
    treatment: Treatment = strawberry.field(
        description="Whether its controls are carved out of the audit or included in it."
    )
    criteria: list[str] = strawberry.field(description="Refs of the criteria it helps meet.")
    report_period_start: date | None = strawberry.field(
        default=None,
        description="The start of the period its own SOC 2 report covers (ISO date); needs "
        "reportPeriodEnd.",
    )
    report_period_end: date | None = strawberry.field(
        default=None,
        description="The end of the period its own SOC 2 report covers (ISO date, not in the "
        "future).",
    )
    bridge_letter: bool = strawberry.field(
        default=False,
        description="A bridge letter covers the time since that period: the report then counts "
        "as current for 12 months after its end instead of 3.",
    )
    complementary_user_entity_controls: list[str] = strawberry.field(
        default_factory=list,
        description="The controls its report expects of its customers (CUECs): at most 20, "
        "500 characters each.",
    )


@strawberry.input(description="The subservice organisations of an assessment.")
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
