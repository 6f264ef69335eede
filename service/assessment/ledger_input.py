"""What may be recorded in the evidence ledger, from GraphQL input or an uploaded CSV.

A batch is checked whole before anything is written: every row's every problem is
collected with its path (``["occurrences", "7", "controlKey"]``, or for a CSV
``["csv", "<line>", "controlKey"]``) and any problem refuses the batch.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from service.errors import InvalidInput, LimitExceeded, Problem

MAX_BATCH = 5_000
MAX_EVIDENCE_REF = 2_000
MAX_NOTE = 4_000
MAX_EXTERNAL_ID = 200
MAX_CONTROL_KEY = 100
# A CSV of 5,000 rows with long evidence references fits; the request body bounds it too.
MAX_CSV_BYTES = 2 * 1024 * 1024
EARLIEST = date(2000, 1, 1)


class OccurrenceResult(StrEnum):
    PASS = "PASS"  # noqa: S105 - a result, not a password
    # Performed late, without approval, or incompletely: a deviation in an auditor's sample.
    EXCEPTION = "EXCEPTION"


RESULTS = tuple(OccurrenceResult)
# Control characters: notes may hold tabs and line breaks, one-line fields nothing.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class OccurrenceIn:
    """One occurrence as a caller sent it (strings stripped by ``checked``)."""

    control_key: str
    performed_on: date | None
    result: str = "PASS"
    evidence_ref: str | None = None
    note: str | None = None
    external_id: str | None = None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _has_control(value: str, newlines: bool) -> bool:
    return (_CONTROL_IN_TEXT if newlines else _CONTROL_IN_LINE).search(value) is not None


def _row_problems(row: OccurrenceIn, known: Collection[str], today: date) -> list[tuple[str, str]]:
    """(field, message) for each problem of one row."""
    found: list[tuple[str, str]] = []
    if not row.control_key:
        found.append(("controlKey", "controlKey is required"))
    elif len(row.control_key) > MAX_CONTROL_KEY or row.control_key not in known:
        found.append(("controlKey", f"unknown control {row.control_key[:MAX_CONTROL_KEY]!r}"))
    if row.performed_on is None:
        found.append(("performedOn", "performedOn must be a date (YYYY-MM-DD)"))
    elif row.performed_on < EARLIEST:
        found.append(("performedOn", f"performedOn must be on or after {EARLIEST}"))
    elif row.performed_on > today:
        found.append(("performedOn", f"performedOn must not be in the future (today is {today})"))
    if row.result not in RESULTS:
        found.append(("result", "result must be PASS or EXCEPTION"))
    limits = (
        ("evidenceRef", row.evidence_ref, MAX_EVIDENCE_REF, False),
        ("note", row.note, MAX_NOTE, True),
        ("externalId", row.external_id, MAX_EXTERNAL_ID, False),
    )
    for name, value, limit, newlines in limits:
        if value is None:
            continue
        if len(value) > limit:
            found.append((name, f"{name} must be at most {limit} characters"))
        elif _has_control(value, newlines):
            found.append((name, f"{name} must not contain control characters"))
    return found


def checked(
    rows: Sequence[OccurrenceIn],
    known: Collection[str],
    today: date,
    where: Callable[[int], tuple[str, str]] = lambda i: ("occurrences", str(i)),
) -> list[OccurrenceIn]:
    """The rows with their strings stripped (blank ones None), or ``InvalidInput`` with
    every problem of every row; ``where`` names a row's path."""
    if len(rows) > MAX_BATCH:
        raise LimitExceeded(
            f"{len(rows)} occurrences in one batch; the limit is {MAX_BATCH}", (where(0)[0],)
        )
    if not rows:
        raise InvalidInput("no occurrences to record", (where(0)[0],))
    cleaned: list[OccurrenceIn] = []
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        clean = replace(
            row,
            control_key=row.control_key.strip(),
            evidence_ref=_text(row.evidence_ref),
            note=_text(row.note),
            external_id=_text(row.external_id),
        )
        for name, message in _row_problems(clean, known, today):
            problems.append(Problem(InvalidInput.code, message, (*where(index), name)))
        cleaned.append(clean)
    if problems:
        raise InvalidInput.many(problems)
    return cleaned


# CSV headers, compared without case, spaces, underscores or hyphens.
_COLUMNS = {
    "controlkey": "control_key",
    "control": "control_key",
    "performedon": "performed_on",
    "date": "performed_on",
    "performed": "performed_on",
    "result": "result",
    "status": "result",
    "evidenceref": "evidence_ref",
    "evidence": "evidence_ref",
    "note": "note",
    "notes": "note",
    "externalid": "external_id",
    "id": "external_id",
}
_FIELD_NAMES = {
    "control_key": "controlKey",
    "performed_on": "performedOn",
    "result": "result",
    "evidence_ref": "evidenceRef",
    "note": "note",
    "external_id": "externalId",
}


def _normal(header: str) -> str:
    return "".join(c for c in header.lower() if c.isalnum())


def _day(value: str) -> date | None:
    """An ISO day, or the day of an ISO timestamp as written (as ticket systems export
    them: the day in the exporter's own time zone, which is the day it was performed)."""
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.date()


@dataclass(frozen=True, slots=True)
class CsvBatch:
    rows: list[OccurrenceIn]
    lines: list[int]  # the file line each row starts on, for error paths


def parse_csv(text: str) -> CsvBatch:
    """The rows of a CSV export: a header line naming the columns (``controlKey``,
    ``performedOn``, ``result``, ``evidenceRef``, ``note``, ``externalId``, in any case
    and order, snake_case too), then one occurrence per line. Problems have the path
    ``["csv", "<line>", "<field>"]``."""
    if len(text.encode()) > MAX_CSV_BYTES:
        raise LimitExceeded(f"the CSV is over {MAX_CSV_BYTES} bytes", ("csv",))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvalidInput(f"the CSV cannot be read: {error}", ("csv",)) from None
    if header is None:
        raise InvalidInput("the CSV is empty", ("csv",))
    columns = [_COLUMNS.get(_normal(h)) for h in header]
    for needed in ("control_key", "performed_on"):
        if needed not in columns:
            raise InvalidInput(f"the CSV has no {_FIELD_NAMES[needed]} column", ("csv", "1"))
    rows: list[OccurrenceIn] = []
    lines: list[int] = []
    try:
        ended = reader.line_num  # the line the previous row ended on
        for values in reader:
            # A quoted value may run over several lines: a row starts after the last one.
            line, ended = ended + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_BATCH:
                raise LimitExceeded(f"more than {MAX_BATCH} rows; split the file", ("csv",))
            fields = {c: v for c, v in zip(columns, values, strict=False) if c is not None}
            rows.append(
                OccurrenceIn(
                    control_key=fields.get("control_key", ""),
                    performed_on=_day(fields.get("performed_on", "")),
                    result=(fields.get("result") or "PASS").strip().upper(),
                    evidence_ref=fields.get("evidence_ref"),
                    note=fields.get("note"),
                    external_id=fields.get("external_id"),
                )
            )
            lines.append(line)
    except csv.Error as error:
        raise InvalidInput(
            f"the CSV cannot be read at line {reader.line_num}: {error}", ("csv",)
        ) from None
    return CsvBatch(rows, lines)
