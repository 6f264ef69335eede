"""``setSamplingProfile``: the sample sizes the organisation's auditor uses."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.enums import Frequency
from service.api.mutations.base import payload_mutation
from service.api.mutations.inputs import OrganizationInput
from service.api.mutations.payloads import SetSamplingProfilePayload
from service.api.types.ledger import SampleSize


@strawberry.input(description="How many occurrences the auditor samples for one frequency.")
class SampleSizeInput:
    frequency: Frequency = strawberry.field(
        description="The frequency of the controls it applies to; given twice, the last wins."
    )
    sample_size: int = strawberry.field(description="1 to 100.")


@strawberry.input(description="The sample sizes an organisation's auditor uses.")
class SetSamplingProfileInput(OrganizationInput):
    sizes: list[SampleSizeInput] = strawberry.field(
        description="The sizes that differ from ours; the whole profile (empty: ours)."
    )


@payload_mutation("Set the sample sizes the organisation's auditor uses (OWNER, ASSESSOR).")
async def mutation(info: Info, input: SetSamplingProfileInput) -> SetSamplingProfilePayload:
    profile = await info.context.ledger.set_sampling_profile(
        input.organization(), [(s.frequency.value, s.sample_size) for s in input.sizes]
    )
    return SetSamplingProfilePayload(sampling_profile=SampleSize.listed(profile))
