"""Checking answers against their questions: every value must fit its question's kind.

All problems of a batch are collected, each with its path in the input
(``["answers", 3, "value"]``), and the batch is refused whole.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.catalog.catalog import QuestionnaireVersion
from service.catalog.models import NOT_APPLICABLE, Question, QuestionKind
from service.errors import ErrorCode, InvalidInput, LimitExceeded, Problem
from service.scoring.rules import add_months

MAX_BATCH = 500
MAX_TEXT = 4000
# Twenty years: a longer history than any audit looks at is a typing slip.
MAX_MONTHS = 240
# The text all of an assessment's answers and notes may hold together: far above any
# real questionnaire (326 questions with 4,000-character notes are 1.3 MB), far below
# MongoDB's 16 MB document limit, so a save is refused before the database would be.
MAX_TOTAL_TEXT_BYTES = 4 * 1024 * 1024
CLEAR = ""


@dataclass(frozen=True, slots=True)
class AnswerChange:
    question_key: str
    value: str  # "" clears the answer
    note: str | None


def _normalise(question: Question, raw: str) -> tuple[str | None, str | None]:  # noqa: PLR0911
    """(normalised value, None) or (None, why it is refused)."""
    value = raw.strip()
    if value == CLEAR:
        return CLEAR, None
    if value == NOT_APPLICABLE:
        if question.allow_na:
            return value, None
        return None, "this question does not accept n/a"
    kind = question.kind
    options = [o.value for o in question.effective_options]
    if kind in (
        QuestionKind.YES_NO,
        QuestionKind.YES_PARTIAL_NO,
        QuestionKind.MATURITY,
        QuestionKind.CHOICE,
    ):
        if value in options:
            return value, None
        return None, f"must be one of {', '.join(options)}" + (
            " or n/a" if question.allow_na else ""
        )
    if kind is QuestionKind.MULTI_CHOICE:
        parts = [p.strip() for p in value.split(",")]
        unknown = [p for p in parts if p not in options]
        if unknown or not parts:
            return None, f"unknown option(s) {', '.join(unknown)}; choose from {', '.join(options)}"
        if len(set(parts)) != len(parts):
            return None, "an option is chosen twice"
        alone = [o.value for o in question.effective_options if o.stands_alone]
        if len(parts) > 1 and (chosen := [p for p in parts if p in alone]):
            return None, f"{chosen[0]!r} cannot be combined with other options"
        return ",".join(sorted(parts, key=options.index)), None
    if kind is QuestionKind.MONTHS:
        if value.isascii() and value.isdigit() and len(value) <= 3 and int(value) <= MAX_MONTHS:
            return str(int(value)), None
        return None, f"must be a whole number of months from 0 to {MAX_MONTHS}"
    if kind is QuestionKind.DATE:
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "must be a date as YYYY-MM-DD"
    if len(value) > MAX_TEXT:
        return None, f"must be at most {MAX_TEXT} characters"
    return value, None


def anchored(question: Question, value: str, day: date) -> str | None:
    """For a MONTHS answer given on ``day``, the ISO day the control started running
    (``day`` minus the months): what every later report counts from. None otherwise."""
    if question.kind is not QuestionKind.MONTHS or not value.isdigit():
        return None
    return add_months(day, -int(value)).isoformat()


def engine_answers(
    answers: list[dict[str, Any]], months_keys: Collection[str] = ()
) -> dict[str, str]:
    """The engine's view of stored answers: a MONTHS answer as the day it is anchored to
    (so months keep counting after it was given), every other answer as it is. A MONTHS
    answer (``months_keys``) saved before anchors were stored is anchored to the day it
    was answered."""
    values = {}
    for answer in answers:
        key, value = answer["question_key"], answer["value"]
        since = answer.get("operating_since")
        answered_at = answer.get("answered_at")
        if since is None and key in months_keys and value.isdigit() and answered_at:
            since = add_months(answered_at.date(), -int(value)).isoformat()
        values[key] = since or value
    return values


def check_answers(
    questionnaire: QuestionnaireVersion, changes: list[AnswerChange]
) -> list[AnswerChange]:
    """The normalised changes, or ``InvalidInput`` listing every problem."""
    problems: list[Problem] = []
    if not changes:
        problems.append(Problem(ErrorCode.INVALID, "give at least one answer", ("answers",)))
    if len(changes) > MAX_BATCH:
        problems.append(
            Problem(ErrorCode.LIMIT_EXCEEDED, f"at most {MAX_BATCH} answers per call", ("answers",))
        )
    seen: set[str] = set()
    normalised: list[AnswerChange] = []
    for index, change in enumerate(changes[:MAX_BATCH]):
        question = questionnaire.questions.get(change.question_key)
        if question is None:
            problems.append(
                Problem(
                    ErrorCode.INVALID,
                    f"unknown question {change.question_key[:80]!r}",
                    ("answers", index, "questionKey"),
                )
            )
            continue
        if change.question_key in seen:
            problems.append(
                Problem(
                    ErrorCode.INVALID,
                    "question answered twice in one call",
                    ("answers", index, "questionKey"),
                )
            )
            continue
        seen.add(change.question_key)
        value, why = _normalise(question, change.value)
        if why is not None or value is None:
            problems.append(
                Problem(ErrorCode.INVALID, why or "invalid value", ("answers", index, "value"))
            )
            continue
        note = change.note.strip() if change.note else None
        if note is not None and len(note) > MAX_TEXT:
            problems.append(
                Problem(
                    ErrorCode.INVALID,
                    f"note must be at most {MAX_TEXT} characters",
                    ("answers", index, "note"),
                )
            )
            continue
        normalised.append(AnswerChange(change.question_key, value, note or None))
    if problems:
        raise InvalidInput.many(problems)
    return normalised


def check_total_size(answers: list[dict[str, object]]) -> None:
    """Refuse a set of answers whose values and notes pass ``MAX_TOTAL_TEXT_BYTES``."""
    total = sum(
        len(str(a.get("value") or "").encode()) + len(str(a.get("note") or "").encode())
        for a in answers
    )
    if total > MAX_TOTAL_TEXT_BYTES:
        raise LimitExceeded(
            f"an assessment's answers and notes may hold at most {MAX_TOTAL_TEXT_BYTES:,} "
            f"bytes of text; this save would make {total:,}",
            ("answers",),
        )


def carried(
    questionnaire: QuestionnaireVersion,
    answers: list[dict[str, Any]],
    earlier_keys: Collection[str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """A follow-up's answers from an earlier assessment's, mapped by question key into
    ``questionnaire`` (a later version may have dropped, added or changed questions), and
    the keys that need a fresh answer: those whose earlier answer no longer fits the
    question, and questions the earlier version did not ask. Each carried answer keeps
    who gave it, when, and a MONTHS answer its anchor."""
    kept: list[dict[str, Any]] = []
    review: list[str] = []
    for answer in answers:
        question = questionnaire.questions.get(answer["question_key"])
        if question is None:
            continue  # no longer asked
        value, why = _normalise(question, str(answer.get("value", "")))
        if why is not None or not value:
            review.append(question.key)
            continue
        kept.append({**answer, "value": value})
    review += [key for key in questionnaire.questions if key not in earlier_keys]
    order = {key: i for i, key in enumerate(questionnaire.questions)}
    kept.sort(key=lambda a: order[a["question_key"]])
    return kept, sorted(set(review), key=order.__getitem__)
