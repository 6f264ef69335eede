"""``saveAnswers``: a batch upsert of answers, all or nothing, guarded by ``expectedVersion``."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError
from service.api.mutations.base import assessment_id, mutate
from service.api.types.assessment import AssessmentType
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


@strawberry.type
class SaveAnswersPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: SaveAnswersInput,
) -> SaveAnswersPayload:
    async def run() -> SaveAnswersPayload:
        view = await info.context.assessments.save_answers(
            assessment_id(input),
            input.expected_version,
            [AnswerChange(a.question_key, a.value, a.note) for a in input.answers],
        )
        return SaveAnswersPayload(assessment=AssessmentType.of(view), errors=[])

    return await mutate(input, run, SaveAnswersPayload)


mutation = strawberry.mutation(
    resolver=resolve,
    description="Upsert a batch of answers atomically; expectedVersion guards the write.",
)
