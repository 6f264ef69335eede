"""GraphQL types of answers: current values and the values saves replaced."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

import strawberry

from service.assessment.service import AssessmentView


@strawberry.type
class Answer:
    question_key: str
    value: str
    note: str | None
    answered_by: str | None = None
    answered_at: datetime | None = None


@strawberry.type(description="An answer as it was before a save replaced or cleared it.")
class AnswerRevision:
    question_key: str
    value: str
    note: str | None
    answered_by: str | None
    answered_at: datetime | None
    replaced_by: str
    replaced_at: datetime


class AnswerIndex:
    """The assessment's answers as GraphQL objects, built on first use: only a query that
    asks for a criterion's drivers pays for it, and then once for all criteria."""

    def __init__(self, view: AssessmentView) -> None:
        self._view = view

    @cached_property
    def by_key(self) -> dict[str, Answer]:
        return {
            a["question_key"]: Answer(
                question_key=a["question_key"],
                value=a["value"],
                note=a.get("note"),
                answered_by=a.get("answered_by"),
                answered_at=a.get("answered_at"),
            )
            for a in self._view.record.answers
        }
