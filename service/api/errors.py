"""The GraphQL shape of expected failures: ``UserError``, filled in by ``mutations.base``."""

from __future__ import annotations

import strawberry

from service.api.enums import ErrorCode


@strawberry.type(description="An expected failure of a mutation, with the input path it concerns.")
class UserError:
    code: ErrorCode = strawberry.field(description="What kind of failure it is.")
    field: list[str] | None = strawberry.field(
        description="Path of the offending input, e.g. ['answers', '3', 'value']."
    )
    message: str = strawberry.field(description="What was wrong, for a person to read.")
