"""The rules for what a caller may write as an assessment's or an organisation's settings.

Names are cleaned one way everywhere (runs of whitespace collapse to one space)
and hold 1 to ``MAX_NAME_LENGTH`` characters; each check raises ``InvalidInput``
on the input field it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from service.errors import FieldPath, InvalidInput, Problem

CATEGORIES = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW = 3, 12, 6
MAX_NAME_LENGTH = 200

T = TypeVar("T")


def collapsed(name: str) -> str:
    return " ".join(name.split())


def organization_name(name: str, field: FieldPath = ("input", "name")) -> str:
    cleaned = collapsed(name)
    if not cleaned:
        raise InvalidInput("name must not be blank", field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must be at most {MAX_NAME_LENGTH} characters", field)
    return cleaned


def assessment_name(name: str) -> str:
    cleaned = collapsed(name)
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must be 1 to {MAX_NAME_LENGTH} characters", ("input", "name"))
    return cleaned


def window_months(months: int | None) -> int:
    window = DEFAULT_WINDOW if months is None else months
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        raise InvalidInput(
            f"the observation window is {MIN_WINDOW} to {MAX_WINDOW} months",
            ("input", "observationWindowMonths"),
        )
    return window


# A window shorter than this is accepted only for an organisation's first Type II
# report (the AICPA guide allows a shorter first period; later reports cover more).
MIN_WINDOW_AFTER_FIRST = 6


def later_report_window(window: int) -> None:
    """INVALID when ``window`` is too short for a report that is not the first."""
    if window < MIN_WINDOW_AFTER_FIRST:
        raise InvalidInput(
            f"a window under {MIN_WINDOW_AFTER_FIRST} months is accepted only for a first "
            "Type II report, and this organisation has submitted one",
            ("input", "observationWindowMonths"),
        )


def target_date(target: date, today: date) -> date:
    if target < today:
        raise InvalidInput("the target audit date is in the past", ("input", "targetDate"))
    return target


def scope_of(categories: Sequence[str]) -> list[str]:
    """The categories in canonical order; SECURITY is always in scope."""
    return [c for c in CATEGORIES if c in set(categories) | {"SECURITY"}]


class Problems:
    """Collects every failed check of one request, to refuse it once with all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def check(self, run: Callable[[], T]) -> T | None:
        try:
            return run()
        except InvalidInput as error:
            self.problems.extend(error.problems)
            return None

    def add(self, error: InvalidInput) -> None:
        self.problems.extend(error.problems)

    def raise_any(self) -> None:
        if self.problems:
            raise InvalidInput.many(self.problems)
