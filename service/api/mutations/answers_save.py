"""``saveAnswers``: a batch upsert of answers, all or nothing, guarded by ``expectedVersion``."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import SaveAnswersPayload
from service.assessment.answers import AnswerChange


@strawberry.input
class AnswerInput:
    question_key: str
    value: str = strawberry.field(description='The answer; "n/a" where allowed; "" clears it.')
    note: str | None = None


@strawberry.input
class SaveAnswersInput:
    assessment_id: strawberry.ID
    expected_version: int
    answers: list[AnswerInput]


@payload_mutation("Upsert a batch of answers atomically; expectedVersion guards the write.")
async def mutation(info: Info, input: SaveAnswersInput) -> SaveAnswersPayload:
    view = await info.context.assessments.save_answers(
        assessment_id(input),
        input.expected_version,
        [AnswerChange(a.question_key, a.value, a.note) for a in input.answers],
    )
    return SaveAnswersPayload.of(view)
