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

    def __init__(self, message: str, field: FieldPath | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = [Problem(self.code, message, field)]

    @classmethod
    def many(cls, problems: Sequence[Problem]) -> DomainError:
        error = cls(problems[0].message, problems[0].field)
        error.problems = list(problems)
        return error


class InvalidInput(DomainError):
    code = ErrorCode.INVALID


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class VersionConflict(DomainError):
    code = ErrorCode.VERSION_CONFLICT


class InvalidState(DomainError):
    code = ErrorCode.INVALID_STATE


class LimitExceeded(DomainError):
    code = ErrorCode.LIMIT_EXCEEDED


class DatabaseUnavailable(Exception):
    """The database could not be reached, or failed an operation; the caller may retry.

    Not a ``DomainError``: nothing about the request was wrong. Storage raises it for
    every driver error, so no module above storage handles PyMongo's exceptions."""
