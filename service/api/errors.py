"""The GraphQL shape of expected failures (``UserError``) and of infrastructure faults."""

from __future__ import annotations

import strawberry

from service.api.enums import ErrorCode
from service.errors import DomainError


@strawberry.type(description="An expected failure of a mutation, with the input path it concerns.")
class UserError:
    code: ErrorCode
    field: list[str] | None = strawberry.field(
        description="Path of the offending input, e.g. ['answers', '3', 'value']."
    )
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(
            code=problem.code,
            field=[str(part) for part in problem.field] if problem.field is not None else None,
            message=problem.message,
        )
        for problem in error.problems
    ]
