"""Checking ledger batches and CSV files: properties over arbitrary input."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.assessment.ledger_input import (
    EARLIEST,
    MAX_BATCH,
    MAX_EVIDENCE_REF,
    MAX_EXTERNAL_ID,
    MAX_NOTE,
    OccurrenceIn,
    checked,
    parse_csv,
)
from service.errors import DomainError, ErrorCode, InvalidInput, LimitExceeded

TODAY = date(2026, 12, 2)
KNOWN = frozenset({"IAM-01", "LOG-08", "HR-01"})
FIELDS = ("controlKey", "performedOn", "result", "evidenceRef", "note", "externalId")

rows = st.builds(
    OccurrenceIn,
    control_key=st.one_of(st.sampled_from(sorted(KNOWN)), st.text(max_size=120)),
    performed_on=st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2030, 12, 31))),
    result=st.one_of(st.sampled_from(["PASS", "EXCEPTION"]), st.text(max_size=10)),
    evidence_ref=st.one_of(st.none(), st.text(max_size=40), st.just("x" * (MAX_EVIDENCE_REF + 1))),
    note=st.one_of(st.none(), st.text(max_size=40), st.just("n" * (MAX_NOTE + 1))),
    external_id=st.one_of(st.none(), st.text(max_size=20), st.just("e" * (MAX_EXTERNAL_ID + 1))),
)


def valid(row: OccurrenceIn) -> bool:
    """The rules, written again from the documentation (docs/evidence.md)."""

    def line(value: str | None, limit: int, newlines: bool = False) -> bool:
        if value is None or not value.strip():
            return True
        text = value.strip()
        allowed = "\t\n\r" if newlines else ""
        return len(text) <= limit and not any(
            (ord(c) < 32 or ord(c) == 127) and c not in allowed for c in text
        )

    return (
        row.control_key.strip() in KNOWN
        and row.performed_on is not None
        and EARLIEST <= row.performed_on <= TODAY
        and row.result in ("PASS", "EXCEPTION")
        and line(row.evidence_ref, MAX_EVIDENCE_REF)
        and line(row.note, MAX_NOTE, newlines=True)
        and line(row.external_id, MAX_EXTERNAL_ID)
    )


@settings(max_examples=300)
@given(batch=st.lists(rows, min_size=1, max_size=12))
def test_a_batch_is_accepted_whole_or_refused_with_a_path_per_problem(
    batch: list[OccurrenceIn],
) -> None:
    bad = {i for i, row in enumerate(batch) if not valid(row)}
    if bad:
        with pytest.raises(InvalidInput) as refused:
            checked(batch, KNOWN, TODAY)
        problems = refused.value.problems
        paths = [p.field for p in problems]
        assert all(p is not None and len(p) == 3 for p in paths)
        assert {int(p[1]) for p in paths if p} == bad  # exactly the bad rows, each named
        assert all(p[0] == "occurrences" and p[2] in FIELDS for p in paths if p)
        assert all(p.code is ErrorCode.INVALID for p in problems)
        return
    cleaned = checked(batch, KNOWN, TODAY)
    assert len(cleaned) == len(batch)
    for row in cleaned:
        assert row.control_key in KNOWN
        for value in (row.evidence_ref, row.note, row.external_id):
            assert value is None or (value == value.strip() and value)


def test_batch_size_is_bounded_before_rows_are_checked() -> None:
    row = OccurrenceIn("IAM-01", TODAY)
    assert len(checked([row] * MAX_BATCH, KNOWN, TODAY)) == MAX_BATCH
    with pytest.raises(LimitExceeded) as over:
        checked([row] * (MAX_BATCH + 1), KNOWN, TODAY)
    assert over.value.problems[0].field == ("occurrences",)
    with pytest.raises(InvalidInput) as empty:
        checked([], KNOWN, TODAY)
    assert empty.value.problems[0].field == ("occurrences",)


def test_future_and_ancient_days_are_refused_with_their_paths() -> None:
    batch = [
        OccurrenceIn("IAM-01", TODAY),
        OccurrenceIn("IAM-01", TODAY + timedelta(days=1)),
        OccurrenceIn("IAM-01", EARLIEST - timedelta(days=1)),
        OccurrenceIn("IAM-01", EARLIEST),
    ]
    with pytest.raises(InvalidInput) as refused:
        checked(batch, KNOWN, TODAY)
    assert [p.field for p in refused.value.problems] == [
        ("occurrences", "1", "performedOn"),
        ("occurrences", "2", "performedOn"),
    ]


@settings(max_examples=300)
@given(text=st.text(max_size=400))
def test_any_text_as_a_csv_is_rows_or_a_clear_refusal(text: str) -> None:
    refusal: DomainError | None = None
    try:
        batch = parse_csv(text)
    except DomainError as error:
        refusal = error
    if refusal is not None:
        assert all(p.field and p.field[0] == "csv" for p in refusal.problems)
        return
    assert len(batch.rows) == len(batch.lines)
    assert batch.lines == sorted(batch.lines)


@settings(max_examples=200)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(sorted(KNOWN)),
            st.dates(EARLIEST, TODAY),
            st.sampled_from(["PASS", "pass", "EXCEPTION", "Exception", ""]),
            st.text(alphabet=st.characters(categories=["L", "N"]), max_size=30),
        ),
        min_size=1,
        max_size=20,
    ),
    snake=st.booleans(),
)
def test_a_written_csv_reads_back_as_the_same_occurrences(
    data: list[tuple[str, date, str, str]], snake: bool
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = (
        ["control_key", "performed_on", "result", "evidence_ref"]
        if snake
        else ["controlKey", "performedOn", "Result", "evidenceRef"]
    )
    writer.writerow(header)
    for key, day, result, ref in data:
        writer.writerow([key, day.isoformat(), result, ref])
    batch = parse_csv(buffer.getvalue())
    cleaned = checked(batch.rows, KNOWN, TODAY)
    assert [(r.control_key, r.performed_on, r.result, r.evidence_ref) for r in cleaned] == [
        (key, day, (result or "PASS").upper(), ref or None) for key, day, result, ref in data
    ]
    assert batch.lines == list(range(2, len(data) + 2))
