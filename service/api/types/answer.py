"""GraphQL types of answers: current values and the values saves replaced."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

import strawberry

from service.assessment.service import AssessmentView


@strawberry.type(description="The current answer to one question of an assessment.")
class Answer:
    question_key: str = strawberry.field(description="Key of the question answered.")
    value: str = strawberry.field(
        description="The answer as text: an option value (MULTI_CHOICE: values joined by "
        'commas), whole months, a YYYY-MM-DD date, free text, or "n/a".'
    )
    note: str | None = strawberry.field(
        description="The note saved with the answer (up to 4,000 characters); null when none."
    )
    answered_by: str | None = strawberry.field(
        default=None,
        description="Subject of the user or API key that saved it; null when not recorded.",
    )
    answered_at: datetime | None = strawberry.field(
        default=None,
        description="When it was saved (UTC); saving the same value and note again keeps it. "
        "Null when not recorded.",
    )


@strawberry.type(description="An answer as it was before a save replaced or cleared it.")
class AnswerRevision:
    question_key: str = strawberry.field(description="Key of the question answered.")
    value: str = strawberry.field(description="The value it had, in the form of Answer.value.")
    note: str | None = strawberry.field(description="The note it had; null when none.")
    answered_by: str | None = strawberry.field(
        description="Subject of the user or API key that saved it; null when not recorded."
    )
    answered_at: datetime | None = strawberry.field(
        description="When it was saved (UTC); null when not recorded."
    )
    replaced_by: str = strawberry.field(
        description="Subject of the user or API key whose save replaced or cleared it."
    )
    replaced_at: datetime = strawberry.field(description="When it was replaced or cleared (UTC).")


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
