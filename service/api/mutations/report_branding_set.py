"""``setReportBranding``: the consultant's name and logo on an organisation's reports."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import SetReportBrandingPayload


@strawberry.input(
    description="The branding of an organisation's reports; both fields are replaced, so one "
    "left out is cleared."
)
class SetReportBrandingInput(OrganizationInput):
    consultant_name: str | None = strawberry.field(
        default=None, description="Who prepares the reports (200 characters); empty: none."
    )
    logo_png: str | None = strawberry.field(
        default=None, description="Their logo: a PNG of at most 256 KiB, base64; empty: none."
    )


@payload_mutation(
    "Put a consultant's name and logo on the organisation's HTML and PDF reports (OWNER)."
)
async def mutation(info: Info, input: SetReportBrandingInput) -> SetReportBrandingPayload:
    record = await info.context.organizations.set_branding(
        input.organization(), input.consultant_name, input.logo_png
    )
    return SetReportBrandingPayload.of(record)
