"""``saveAnswers``: a batch upsert of answers, all or nothing, guarded by ``expectedVersion``."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.mutations.base import assessment_id, payload_mutation
from service.api.mutations.payloads import SaveAnswersPayload
from service.assessment.answers import AnswerChange


@strawberry.input(description="One answer to save.")
class AnswerInput:
    question_key: str = strawberry.field(
        description="The question (Question.key) in the assessment's questionnaire."
    )
    value: str = strawberry.field(description='The answer; "n/a" where allowed; "" clears it.')
    note: str | None = strawberry.field(
        default=None,
        description="A remark kept with the answer (at most 4,000 characters); left out, the "
        "answer is saved without one.",
    )


@strawberry.input(description="Answers to save to one assessment, all or nothing.")
class SaveAnswersInput:
    assessment_id: strawberry.ID = strawberry.field(
        description="The assessment (Assessment.id); not a submitted or archived one."
    )
    expected_version: int = strawberry.field(
        description="Assessment.version as last read: if it has moved since, nothing is saved "
        "(VERSION_CONFLICT)."
    )
    answers: list[AnswerInput] = strawberry.field(
        description="1 to 500 answers, each question at most once; every problem is listed "
        'with its row, e.g. ["answers", "3", "value"].'
    )


@payload_mutation("Upsert a batch of answers atomically; expectedVersion guards the write.")
async def mutation(info: Info, input: SaveAnswersInput) -> SaveAnswersPayload:
    view = await info.context.assessments.save_answers(
        assessment_id(input),
        input.expected_version,
        [AnswerChange(a.question_key, a.value, a.note) for a in input.answers],
    )
    return SaveAnswersPayload.of(view)
