"""Typed domain errors, raised below the API and mapped to ``UserError`` in one place.

Domain code never builds GraphQL errors: it raises one of these, and the API
layer turns it into a ``UserError`` in the mutation payload (or ``null`` for a
query), so every expected failure reads the same to clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

FieldPath = tuple[str | int, ...]


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


class Problem:
    """One thing wrong with a request: a code, the input path it concerns, and why."""

    __slots__ = ("code", "field", "message")

    def __init__(self, code: ErrorCode, message: str, field: FieldPath | None = None) -> None:
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"Problem({self.code}, {self.message!r}, {self.field!r})"


class DomainError(Exception):
    """An expected failure of an operation; carries one or more problems."""

    code: ErrorCode = ErrorCode.INVALID

    def __init_subclass__(cls, code: ErrorCode | None = None, **kwargs: object) -> None:
        """``class NotFound(DomainError, code=ErrorCode.NOT_FOUND)``; a subclass without
        ``code`` keeps its parent's."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, field: FieldPath | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = [Problem(self.code, message, field)]

    @classmethod
    def many(cls, problems: Sequence[Problem]) -> DomainError:
        error = cls(problems[0].message, problems[0].field)
        error.problems = list(problems)
        return error


class InvalidInput(DomainError, code=ErrorCode.INVALID):
    """The input breaks a rule (a value out of range, a malformed document); ``field`` says
    where, and nothing was changed."""


class NotFound(DomainError, code=ErrorCode.NOT_FOUND):
    """Nothing of that id exists for the caller: missing and hidden look the same."""


class Forbidden(DomainError, code=ErrorCode.FORBIDDEN):
    """The caller can see the object but its role does not allow the operation."""


class VersionConflict(DomainError, code=ErrorCode.VERSION_CONFLICT):
    """``expectedVersion`` is not the stored version: someone saved in between, so the
    caller reads again and retries."""


class InvalidState(DomainError, code=ErrorCode.INVALID_STATE):
    """The object is in a state that refuses the operation (a submitted assessment)."""


class LimitExceeded(DomainError, code=ErrorCode.LIMIT_EXCEEDED):
    """A size, count or budget limit; the message names the limit."""


class DatabaseUnavailable(Exception):
    """The database could not be reached, or failed an operation; the caller may retry.

    Not a ``DomainError``: nothing about the request was wrong. Storage raises it for
    every driver error, so no module above storage handles PyMongo's exceptions."""
