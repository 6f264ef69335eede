"""``saveAnswers``: a batch upsert of answers, all or nothing, guarded by ``expectedVersion``."""

from __future__ import annotations

import strawberry

from service.api.context import Context
from service.api.errors import UserError, user_errors
from service.api.ids import decode_id
from service.api.types.assessment import AssessmentType
from service.assessment.answers import AnswerChange
from service.errors import DomainError, NotFound


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
    assessment: AssessmentType | None
    errors: list[UserError]


async def resolve(
    info: strawberry.Info[Context, None],
    input: SaveAnswersInput,
) -> SaveAnswersPayload:
    try:
        assessment_id = decode_id("Assessment", input.assessment_id)
        if assessment_id is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        view = await info.context.assessments.save_answers(
            assessment_id,
            input.expected_version,
            [AnswerChange(a.question_key, a.value, a.note) for a in input.answers],
        )
    except DomainError as error:
        return SaveAnswersPayload(assessment=None, errors=user_errors(error))
    return SaveAnswersPayload(assessment=AssessmentType.of(view), errors=[])
