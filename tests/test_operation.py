"""The ledger's arithmetic (``service.scoring.operation``) and the engine's use of it.

Periods, populations, sample sizes, the hypergeometric odds of a deviation in the
sample, the mock audit's draw and a control's operating history; then the engine's
``Parameters.ledger``: a history on file outweighs the answered months and evidence.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from itertools import combinations, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.scoring import evaluate
from service.scoring import operation as ops
from service.scoring.model import (
    AuditType,
    BlockerReason,
    ControlResult,
    ControlStatus,
    CriterionStatus,
    EngineControl,
    EngineCriterion,
    EngineModel,
    EngineQuestion,
    GapKind,
    History,
    OperatingSource,
    Parameters,
    Report,
    Role,
)
from service.scoring.operation import (
    DEFAULT_PROFILE,
    FREQUENCIES,
    LIKELY_AT,
    PER_OCCURRENCE,
    PERIODIC,
    Occurrence,
    Operation,
    Period,
    Verdict,
    Window,
    draw,
    dry_run,
    exception_probability,
    grouped,
    histories,
    history,
    period_of,
    population,
    sample_size,
)
from service.scoring.rules import add_months, months_between

D = date
DAY = timedelta(days=1)


def passed(day: date, *, evidenced: bool = False) -> Occurrence:
    return Occurrence(day, True, evidenced)


def failed(day: date, *, evidenced: bool = False) -> Occurrence:
    return Occurrence(day, False, evidenced)


# --- exception_probability ------------------------------------------------------------


def reference_probability(population: int, deviant: int, sample: int) -> Fraction:
    """1 - prod_{i<n} (N-b-i)/(N-i): the chance that no draw hits a deviant item, complemented."""
    none_deviant = Fraction(1)
    for i in range(sample):
        none_deviant *= Fraction(population - deviant - i, population - i)
    return 1 - none_deviant


def brute_force_probability(population: int, deviant: int, sample: int) -> Fraction:
    """Every ``sample``-subset of items 0..N-1, items below ``deviant`` being deviant."""
    subsets = list(combinations(range(population), sample))
    hit = sum(1 for subset in subsets if any(item < deviant for item in subset))
    return Fraction(hit, len(subsets))


@st.composite
def population_deviant_sample(draw_: st.DrawFn, max_population: int = 60) -> tuple[int, int, int]:
    population_ = draw_(st.integers(1, max_population))
    deviant = draw_(st.integers(0, population_))
    sample = draw_(st.integers(0, population_))
    return population_, deviant, sample


@settings(max_examples=400, deadline=None)
@given(population_deviant_sample())
def test_exception_probability_is_the_exact_hypergeometric_value(
    case: tuple[int, int, int],
) -> None:
    population_, deviant, sample = case
    expected = reference_probability(population_, deviant, sample)
    found = exception_probability(population_, deviant, sample)
    assert found == float(expected)
    assert abs(found - float(expected)) < 1e-12
    assert 0.0 <= found <= 1.0


@settings(max_examples=300, deadline=None)
@given(population_deviant_sample(max_population=10))
def test_exception_probability_matches_enumerating_every_sample(
    case: tuple[int, int, int],
) -> None:
    population_, deviant, sample = case
    expected = brute_force_probability(population_, deviant, sample)
    assert expected == reference_probability(population_, deviant, sample)
    assert exception_probability(population_, deviant, sample) == float(expected)


@settings(max_examples=300, deadline=None)
@given(population_deviant_sample())
def test_exception_probability_edges(case: tuple[int, int, int]) -> None:
    population_, deviant, sample = case
    assert exception_probability(population_, 0, sample) == 0.0
    assert exception_probability(population_, deviant, 0) == 0.0
    if sample > population_ - deviant and deviant > 0:
        # Every sample of that size must hold a deviant item.
        assert exception_probability(population_, deviant, sample) == 1.0
    elif deviant > 0 and sample > 0:
        # Some sample misses every deviant item (the float may still round up to 1.0).
        assert 0 < reference_probability(population_, deviant, sample) < 1
        assert 0.0 < exception_probability(population_, deviant, sample) <= 1.0


@settings(max_examples=300, deadline=None)
@given(population_deviant_sample())
def test_exception_probability_never_falls_with_more_deviants_or_a_bigger_sample(
    case: tuple[int, int, int],
) -> None:
    population_, deviant, sample = case
    here = exception_probability(population_, deviant, sample)
    if deviant < population_:
        assert exception_probability(population_, deviant + 1, sample) >= here
    if sample < population_:
        assert exception_probability(population_, deviant, sample + 1) >= here


def test_exception_probability_known_values() -> None:
    assert exception_probability(52, 1, 5) == pytest.approx(5 / 52)
    assert exception_probability(12, 4, 2) == pytest.approx(1 - 28 / 66)
    assert exception_probability(2, 1, 2) == 1.0
    assert exception_probability(1, 1, 1) == 1.0
    assert exception_probability(0, 0, 0) == 0.0


@pytest.mark.parametrize(
    ("population_", "deviant", "sample"),
    [(5, -1, 1), (5, 6, 1), (5, 1, -1), (5, 1, 6), (-1, 0, 0), (0, 1, 0), (0, 0, 1)],
)
def test_exception_probability_rejects_out_of_range(
    population_: int, deviant: int, sample: int
) -> None:
    with pytest.raises(ValueError, match="population"):
        exception_probability(population_, deviant, sample)


# --- period_of ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "frequency", "period"),
    [
        # ISO weeks start on Monday and cross years.
        (D(2026, 12, 31), "WEEKLY", Period(D(2026, 12, 28), D(2027, 1, 3))),
        (D(2027, 1, 3), "WEEKLY", Period(D(2026, 12, 28), D(2027, 1, 3))),
        (D(2027, 1, 4), "WEEKLY", Period(D(2027, 1, 4), D(2027, 1, 10))),
        (D(2021, 1, 1), "WEEKLY", Period(D(2020, 12, 28), D(2021, 1, 3))),
        (D(2026, 6, 15), "WEEKLY", Period(D(2026, 6, 15), D(2026, 6, 21))),
        (D(2026, 6, 21), "WEEKLY", Period(D(2026, 6, 15), D(2026, 6, 21))),
        # Months, leap February included.
        (D(2024, 2, 10), "MONTHLY", Period(D(2024, 2, 1), D(2024, 2, 29))),
        (D(2023, 2, 28), "MONTHLY", Period(D(2023, 2, 1), D(2023, 2, 28))),
        (D(2026, 12, 31), "MONTHLY", Period(D(2026, 12, 1), D(2026, 12, 31))),
        (D(2026, 4, 30), "MONTHLY", Period(D(2026, 4, 1), D(2026, 4, 30))),
        # Quarters.
        (D(2026, 3, 31), "QUARTERLY", Period(D(2026, 1, 1), D(2026, 3, 31))),
        (D(2026, 4, 1), "QUARTERLY", Period(D(2026, 4, 1), D(2026, 6, 30))),
        (D(2026, 8, 15), "QUARTERLY", Period(D(2026, 7, 1), D(2026, 9, 30))),
        (D(2026, 12, 31), "QUARTERLY", Period(D(2026, 10, 1), D(2026, 12, 31))),
        # Half-years: 1 July starts H2.
        (D(2026, 6, 30), "SEMI_ANNUAL", Period(D(2026, 1, 1), D(2026, 6, 30))),
        (D(2026, 7, 1), "SEMI_ANNUAL", Period(D(2026, 7, 1), D(2026, 12, 31))),
        (D(2024, 2, 29), "SEMI_ANNUAL", Period(D(2024, 1, 1), D(2024, 6, 30))),
        # Years.
        (D(2024, 2, 29), "ANNUAL", Period(D(2024, 1, 1), D(2024, 12, 31))),
        (D(2026, 12, 31), "ANNUAL", Period(D(2026, 1, 1), D(2026, 12, 31))),
        (D(2027, 1, 1), "ANNUAL", Period(D(2027, 1, 1), D(2027, 12, 31))),
        # Days, and per-occurrence controls: the day itself.
        (D(2024, 2, 29), "DAILY", Period(D(2024, 2, 29), D(2024, 2, 29))),
        (D(2024, 2, 29), "CONTINUOUS", Period(D(2024, 2, 29), D(2024, 2, 29))),
        (D(2024, 2, 29), "EVENT_DRIVEN", Period(D(2024, 2, 29), D(2024, 2, 29))),
    ],
)
def test_period_of_at_calendar_edges(day: date, frequency: str, period: Period) -> None:
    assert period_of(day, frequency) == period


def test_weeks_start_on_monday_and_last_seven_days() -> None:
    for offset in range(14):
        day = D(2026, 12, 21) + offset * DAY
        start, end = period_of(day, "WEEKLY")
        assert start.weekday() == 0
        assert end - start == 6 * DAY
        assert start <= day <= end


DATES = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=DATES, frequency=st.sampled_from(PERIODIC))
def test_a_period_contains_its_day_and_tiles_the_calendar(day: date, frequency: str) -> None:
    period = period_of(day, frequency)
    assert period.start <= day <= period.end
    assert period_of(period.start, frequency) == period
    assert period_of(period.end, frequency) == period
    following = period_of(period.end + DAY, frequency)
    assert following.start == period.end + DAY
    assert period_of(period.start - DAY, frequency).end == period.start - DAY
    if frequency not in ("DAILY", "WEEKLY"):
        # Calendar periods start on the first of a month and end on the last of one.
        assert period.start.day == 1
        assert (period.end + DAY).day == 1
        months = {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}[frequency]
        assert (period.start.month - 1) % months == 0
        assert add_months(period.start, months) == period.end + DAY


@settings(max_examples=200, deadline=None)
@given(day=DATES, frequency=st.sampled_from(PER_OCCURRENCE))
def test_a_per_occurrence_period_is_its_day(day: date, frequency: str) -> None:
    assert period_of(day, frequency) == Period(day, day)


# --- population -----------------------------------------------------------------------


def periods(tested: tuple[ops.Tested, ...]) -> list[Period]:
    return [t.period for t in tested]


def test_weekly_population_across_a_year_boundary() -> None:
    # Mondays to Wednesday 2027-01-13: four weeks ended, the fifth in progress.
    window = Window(D(2026, 12, 14), D(2027, 6, 13), D(2027, 1, 13))
    occurrences = [
        passed(D(2026, 12, 15)),
        # None in the week of 2026-12-21: missed.
        passed(D(2026, 12, 31)),  # Thursday, in the week starting 2026-12-28
        failed(D(2027, 1, 5)),
        passed(D(2027, 1, 12)),  # the week in progress, already on file
        passed(D(2027, 1, 14)),  # after as_of: ignored
    ]
    tested = population("WEEKLY", occurrences, window)
    assert periods(tested) == [
        Period(D(2026, 12, 14), D(2026, 12, 20)),
        Period(D(2026, 12, 21), D(2026, 12, 27)),
        Period(D(2026, 12, 28), D(2027, 1, 3)),
        Period(D(2027, 1, 4), D(2027, 1, 10)),
        Period(D(2027, 1, 11), D(2027, 1, 17)),
    ]
    assert [t.occurrences for t in tested] == [
        (occurrences[0],),
        (),
        (occurrences[1],),
        (occurrences[2],),
        (occurrences[3],),
    ]
    assert [t.deviant for t in tested] == [False, True, False, True, False]


def test_the_period_in_progress_counts_only_once_something_is_on_file() -> None:
    window = Window(D(2026, 12, 14), D(2027, 6, 13), D(2027, 1, 13))
    occurrences = [passed(D(2026, 12, 15)), passed(D(2026, 12, 22))]
    tested = population("WEEKLY", occurrences, window)
    # Weeks to 2027-01-10 ended; the one of 2027-01-11 is due but empty: left out.
    assert periods(tested)[-1] == Period(D(2027, 1, 4), D(2027, 1, 10))
    assert len(tested) == 4
    assert [len(t.occurrences) for t in tested] == [1, 1, 0, 0]


def test_monthly_population_with_a_missed_month_and_later_occurrences_ignored() -> None:
    window = Window(D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 30))
    occurrences = [
        passed(D(2026, 1, 5)),
        passed(D(2026, 2, 3)),
        # March missed.
        passed(D(2026, 4, 2)),
        passed(D(2026, 5, 4)),
        passed(D(2026, 6, 30)),  # as_of itself: June ended on it
        passed(D(2026, 7, 1)),  # after as_of
        passed(D(2026, 9, 1)),  # after as_of
    ]
    tested = population("MONTHLY", occurrences, window)
    assert periods(tested) == [period_of(D(2026, m, 1), "MONTHLY") for m in range(1, 7)]
    assert [len(t.occurrences) for t in tested] == [1, 1, 0, 1, 1, 1]
    operation = dry_run("MONTHLY", occurrences, window, profile=DEFAULT_PROFILE, on_file=True)
    assert operation.missed == (Period(D(2026, 3, 1), D(2026, 3, 31)),)
    assert operation.performed == 5


def test_a_window_starting_mid_quarter_counts_that_quarter_with_earlier_occurrences() -> None:
    window = Window(D(2026, 2, 15), D(2026, 8, 14), D(2026, 7, 20))
    occurrences = [
        passed(D(2025, 12, 20)),  # Q4 2025: before the population
        passed(D(2026, 1, 20)),  # before the window's start, in its first quarter
        passed(D(2026, 5, 5)),
        passed(D(2026, 7, 5)),  # Q3, in progress on as_of
    ]
    tested = population("QUARTERLY", occurrences, window)
    assert periods(tested) == [
        Period(D(2026, 1, 1), D(2026, 3, 31)),
        Period(D(2026, 4, 1), D(2026, 6, 30)),
        Period(D(2026, 7, 1), D(2026, 9, 30)),
    ]
    assert [t.occurrences for t in tested] == [
        (occurrences[1],),
        (occurrences[2],),
        (occurrences[3],),
    ]


def test_after_the_window_ends_a_straddling_period_never_counts() -> None:
    # as_of after the window's end: only periods ending by the window's end count, and the
    # period straddling the end is not "in progress" on as_of.
    window = Window(D(2026, 1, 1), D(2026, 3, 15), D(2026, 4, 10))
    occurrences = [passed(D(2026, 1, 2)), passed(D(2026, 2, 2)), passed(D(2026, 3, 10))]
    tested = population("MONTHLY", occurrences, window)
    assert periods(tested) == [
        Period(D(2026, 1, 1), D(2026, 1, 31)),
        Period(D(2026, 2, 1), D(2026, 2, 28)),
    ]
    # as_of on the window's end: the period in progress counts with something on file.
    on_end = Window(D(2026, 1, 1), D(2026, 3, 15), D(2026, 3, 15))
    tested = population("MONTHLY", occurrences, on_end)
    assert periods(tested)[-1] == Period(D(2026, 3, 1), D(2026, 3, 31))
    assert tested[-1].occurrences == (occurrences[2],)


@pytest.mark.parametrize("frequency", PER_OCCURRENCE)
def test_per_occurrence_population_is_one_period_per_occurrence_in_the_window(
    frequency: str,
) -> None:
    window = Window(D(2026, 3, 1), D(2026, 8, 31), D(2026, 6, 10))
    occurrences = [
        passed(D(2026, 5, 2)),
        passed(D(2026, 2, 28)),  # before the window
        failed(D(2026, 3, 1)),  # on its first day
        passed(D(2026, 6, 10)),  # on as_of
        passed(D(2026, 6, 11)),  # after as_of
        passed(D(2026, 5, 2), evidenced=True),  # a second one the same day
    ]
    tested = population(frequency, occurrences, window)
    assert [t.occurrences for t in tested] == [
        (occurrences[2],),
        (occurrences[0],),
        (occurrences[5],),
        (occurrences[3],),
    ]
    assert all(t.period == Period(t.occurrences[0].day, t.occurrences[0].day) for t in tested)
    # The window's end bounds it when as_of is later.
    later = Window(D(2026, 3, 1), D(2026, 5, 31), D(2026, 12, 1))
    assert [t.occurrences[0].day for t in population(frequency, occurrences, later)] == [
        D(2026, 3, 1),
        D(2026, 5, 2),
        D(2026, 5, 2),
    ]


def reference_population(
    frequency: str, occurrences: list[Occurrence], window: Window
) -> list[tuple[Period, tuple[Occurrence, ...]]]:
    """Day by day: every period touching [start, upper] that has ended (before as_of while
    the window is open, by its end once it is over), and the one in progress on as_of
    (as_of not after the window's end; a period ending on as_of is in progress) when it
    holds an occurrence."""
    upper = min(window.as_of, window.end)
    candidates: list[Period] = []
    day = window.start
    while day <= upper:
        period = period_of(day, frequency)
        if not candidates or candidates[-1] != period:
            candidates.append(period)
        day += DAY
    found = []
    for period in candidates:
        inside = tuple(
            sorted(
                (o for o in occurrences if period.start <= o.day <= min(period.end, upper)),
                key=lambda o: o.day,
            )
        )
        window_open = window.as_of <= window.end
        ended = period.end < window.as_of if window_open else period.end <= upper
        in_progress = window_open and period.start <= window.as_of <= period.end
        if ended or (in_progress and inside):
            found.append((period, inside))
    return found


def occurrence_on(days: st.SearchStrategy[date]) -> st.SearchStrategy[Occurrence]:
    """An occurrence on one of ``days``, passed or not, evidenced or not."""
    return st.builds(Occurrence, days, st.booleans(), st.booleans(), st.none())


@st.composite
def window_and_occurrences(draw_: st.DrawFn) -> tuple[Window, list[Occurrence]]:
    start = draw_(st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)))
    end = start + draw_(st.integers(0, 400)) * DAY
    as_of = start + draw_(st.integers(0, 450)) * DAY
    days = st.dates(min_value=start - 200 * DAY, max_value=as_of + 60 * DAY)
    occurrences = draw_(st.lists(occurrence_on(days), max_size=25))
    return Window(start, end, as_of), occurrences


@settings(max_examples=150, deadline=None)
@given(case=window_and_occurrences(), frequency=st.sampled_from(PERIODIC))
def test_periodic_population_matches_a_day_by_day_reference(
    case: tuple[Window, list[Occurrence]], frequency: str
) -> None:
    window, occurrences = case
    tested = population(frequency, occurrences, window)
    expected = reference_population(frequency, occurrences, window)
    assert [(t.period, t.occurrences) for t in tested] == expected
    # Consecutive periods, none after the window's upper day unless in progress on as_of.
    for before, after in pairwise(tested):
        assert after.period.start == before.period.end + DAY
    for t in tested:
        assert all(o.day <= window.upper for o in t.occurrences)
        assert t.deviant == (not any(o.passed for o in t.occurrences))


@settings(max_examples=100, deadline=None)
@given(case=window_and_occurrences(), frequency=st.sampled_from(PER_OCCURRENCE))
def test_per_occurrence_population_keeps_exactly_the_occurrences_in_the_window(
    case: tuple[Window, list[Occurrence]], frequency: str
) -> None:
    window, occurrences = case
    tested = population(frequency, occurrences, window)
    inside = [o for o in occurrences if window.start <= o.day <= window.upper]
    assert sorted(t.occurrences[0] for t in tested) == sorted(inside)
    assert all(len(t.occurrences) == 1 for t in tested)
    assert [t.period.start for t in tested] == sorted(o.day for o in inside)


# --- dry_run --------------------------------------------------------------------------

# Read the day after it ends: the window is over, so December has ended too.
YEAR_2026 = Window(D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 1))


def monthly(missing: tuple[int, ...] = (), failing: tuple[int, ...] = ()) -> list[Occurrence]:
    """One occurrence on the 10th of each month of 2026; ``failing`` months an exception,
    ``missing`` months none."""
    return [
        Occurrence(D(2026, m, 10), m not in failing, evidenced=True)
        for m in range(1, 13)
        if m not in missing
    ]


def run(
    frequency: str,
    occurrences: list[Occurrence],
    window: Window = YEAR_2026,
    *,
    on_file: bool = True,
) -> Operation:
    return dry_run(frequency, occurrences, window, profile=DEFAULT_PROFILE, on_file=on_file)


def test_no_evidence_when_nothing_is_on_file() -> None:
    operation = run("MONTHLY", [], on_file=False)
    assert operation.verdict is Verdict.NO_EVIDENCE
    assert operation.expected == 12
    assert operation.performed == 0
    assert operation.deviant == 12
    assert len(operation.missed) == 12
    assert operation.sample_size == 2
    assert operation.exception_probability == 1.0
    # Also before anything is due.
    early = Window(D(2026, 1, 15), D(2026, 12, 31), D(2026, 1, 20))
    assert run("MONTHLY", [], early, on_file=False).verdict is Verdict.NO_EVIDENCE


def test_not_yet_testable_when_on_file_but_nothing_is_due() -> None:
    early = Window(D(2026, 1, 15), D(2027, 1, 14), D(2026, 1, 20))
    # On file before the window: January is in progress and empty, nothing ended yet.
    operation = run("MONTHLY", [passed(D(2025, 12, 5))], early)
    assert operation.verdict is Verdict.NOT_YET_TESTABLE
    assert operation.population == ()
    assert operation.expected == 0
    assert operation.sample_size == 0
    assert operation.exception_probability == 0.0
    assert operation.missed == ()
    assert operation.exceptions == 0


def test_effective_when_no_period_deviates() -> None:
    operation = run("MONTHLY", monthly())
    assert operation.verdict is Verdict.EFFECTIVE
    assert (operation.expected, operation.performed, operation.exceptions) == (12, 12, 0)
    assert operation.missed == ()
    assert operation.deviant == 0
    assert operation.sample_size == 2
    assert operation.exception_probability == 0.0
    assert operation.frequency == "MONTHLY"


def test_at_risk_below_an_even_chance_of_a_deviation_in_the_sample() -> None:
    mondays = [passed(D(2025, 12, 29) + 7 * i * DAY) for i in range(53)]
    window = Window(D(2025, 12, 29), D(2026, 12, 27), D(2026, 12, 27))
    operation = run("WEEKLY", [m for m in mondays if m.day != D(2026, 3, 2)], window)
    assert operation.expected == 52
    assert operation.deviant == 1
    assert operation.missed == (Period(D(2026, 3, 2), D(2026, 3, 8)),)
    assert operation.sample_size == 5
    assert operation.exception_probability == pytest.approx(5 / 52)
    assert 0 < operation.exception_probability < LIKELY_AT
    assert operation.verdict is Verdict.AT_RISK


def test_exceptions_likely_from_an_even_chance_on() -> None:
    operation = run("MONTHLY", monthly(missing=(2, 5), failing=(8, 11)))
    assert operation.expected == 12
    assert operation.performed == 10
    assert operation.exceptions == 2
    assert operation.deviant == 4
    assert operation.missed == (
        Period(D(2026, 2, 1), D(2026, 2, 28)),
        Period(D(2026, 5, 1), D(2026, 5, 31)),
    )
    assert operation.exception_probability == pytest.approx(1 - 28 / 66)
    assert operation.exception_probability >= LIKELY_AT
    assert operation.verdict is Verdict.EXCEPTIONS_LIKELY
    # Exactly at a sure deviation: two quarters, one deviant, both sampled.
    half = Window(D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 1))
    sure = run("QUARTERLY", [passed(D(2026, 2, 1))], half)
    assert (sure.expected, sure.sample_size, sure.deviant) == (2, 2, 1)
    assert sure.exception_probability == 1.0
    assert sure.verdict is Verdict.EXCEPTIONS_LIKELY


def test_a_period_of_only_exceptions_deviates_and_a_mixed_one_does_not() -> None:
    half = Window(D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 1))
    occurrences = [
        failed(D(2026, 1, 10)),
        failed(D(2026, 2, 10)),  # Q1: exceptions only
        failed(D(2026, 4, 10)),
        passed(D(2026, 5, 10)),  # Q2: one exception, one pass
    ]
    operation = run("QUARTERLY", occurrences, half)
    assert [t.deviant for t in operation.population] == [True, False]
    assert operation.deviant == 1
    assert operation.exceptions == 3
    assert operation.performed == 4
    assert operation.missed == ()
    # Only the mixed quarter: no deviation, one exception on record.
    mixed = run("QUARTERLY", occurrences[2:], Window(D(2026, 4, 1), D(2026, 6, 30), D(2026, 6, 30)))
    assert mixed.deviant == 0
    assert mixed.exceptions == 1
    assert mixed.verdict is Verdict.EFFECTIVE


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_sample_size_and_probability_follow_the_population(frequency: str) -> None:
    occurrences = [passed(D(2026, 1, 1) + 3 * i * DAY) for i in range(100)]
    operation = run(frequency, occurrences)
    assert operation.sample_size == sample_size(DEFAULT_PROFILE, frequency, operation.expected)
    assert operation.exception_probability == exception_probability(
        operation.expected, operation.deviant, operation.sample_size
    )
    assert operation.sample_size <= operation.expected


# --- sample_size ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "size"),
    [
        ("ANNUAL", 1),
        ("SEMI_ANNUAL", 1),
        ("QUARTERLY", 2),
        ("MONTHLY", 2),
        ("WEEKLY", 5),
        ("DAILY", 25),
    ],
)
def test_periodic_sample_sizes(frequency: str, size: int) -> None:
    assert sample_size(DEFAULT_PROFILE, frequency, 1000) == size
    assert sample_size(DEFAULT_PROFILE, frequency, size) == size
    assert sample_size(DEFAULT_PROFILE, frequency, 1) == 1
    assert sample_size(DEFAULT_PROFILE, frequency, 0) == 0


@pytest.mark.parametrize("frequency", PER_OCCURRENCE)
@pytest.mark.parametrize(
    ("population_", "size"),
    [
        (0, 0),
        (1, 1),
        (2, 2),
        (4, 2),
        (5, 2),
        (12, 2),
        (13, 5),
        (52, 5),
        (53, 25),
        (250, 25),
        (10_000, 25),
    ],
)
def test_per_occurrence_sample_sizes_by_population_band(
    frequency: str, population_: int, size: int
) -> None:
    assert sample_size(DEFAULT_PROFILE, frequency, population_) == size


@settings(max_examples=300, deadline=None)
@given(frequency=st.sampled_from(FREQUENCIES), population_=st.integers(0, 500))
def test_a_sample_never_exceeds_its_population(frequency: str, population_: int) -> None:
    size = sample_size(DEFAULT_PROFILE, frequency, population_)
    assert 0 <= size <= population_
    assert size <= DEFAULT_PROFILE[frequency]
    if population_ > 0:
        assert size >= 1


def test_a_custom_profile_is_used() -> None:
    profile = {
        **DEFAULT_PROFILE,
        "QUARTERLY": 3,
        "MONTHLY": 4,
        "WEEKLY": 10,
        "DAILY": 40,
        "EVENT_DRIVEN": 60,
        "CONTINUOUS": 8,
    }
    assert sample_size(profile, "QUARTERLY", 4) == 3
    assert sample_size(profile, "QUARTERLY", 2) == 2
    assert sample_size(profile, "MONTHLY", 12) == 4
    assert sample_size(profile, "WEEKLY", 52) == 10
    assert sample_size(profile, "DAILY", 365) == 40
    # Per occurrence: the band's figure of the custom profile, up to its own figure.
    assert sample_size(profile, "EVENT_DRIVEN", 3) == 3  # like QUARTERLY
    assert sample_size(profile, "EVENT_DRIVEN", 10) == 4  # like MONTHLY
    assert sample_size(profile, "EVENT_DRIVEN", 40) == 10  # like WEEKLY
    assert sample_size(profile, "EVENT_DRIVEN", 1000) == 60
    assert sample_size(profile, "CONTINUOUS", 40) == 8  # its own figure is lower
    assert sample_size(profile, "CONTINUOUS", 1000) == 8
    operation = dry_run("MONTHLY", monthly(), YEAR_2026, profile=profile, on_file=True)
    assert operation.sample_size == 4


# --- draw -----------------------------------------------------------------------------


def daily_year() -> Operation:
    occurrences = [passed(D(2026, 1, 1) + i * DAY) for i in range(365)]
    return run("DAILY", occurrences)


def test_the_draw_is_reproducible_distinct_and_from_the_population() -> None:
    operation = daily_year()
    assert operation.expected == 365
    assert operation.sample_size == 25
    sample = draw(operation, 7, "IAM-01")
    assert sample == draw(operation, 7, "IAM-01")
    assert len(sample) == operation.sample_size
    assert len({t.period for t in sample}) == len(sample)
    assert all(t in operation.population for t in sample)
    # In the population's order.
    assert [t.period.start for t in sample] == sorted(t.period.start for t in sample)


def test_different_seeds_or_controls_draw_different_samples() -> None:
    operation = daily_year()
    assert draw(operation, 1, "IAM-01") != draw(operation, 2, "IAM-01")
    assert draw(operation, 1, "IAM-01") != draw(operation, 1, "LOG-01")


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(),
    control=st.text(min_size=1, max_size=10),
    frequency=st.sampled_from(FREQUENCIES),
    count=st.integers(0, 120),
)
def test_every_draw_is_a_sample_of_the_population(
    seed: int, control: str, frequency: str, count: int
) -> None:
    occurrences = [Occurrence(D(2026, 1, 1) + 3 * i * DAY, i % 7 != 0) for i in range(count)]
    operation = run(frequency, occurrences)
    sample = draw(operation, seed, control)
    assert sample == draw(operation, seed, control)
    assert len(sample) == operation.sample_size
    indexes = [operation.population.index(t) for t in sample]
    assert indexes == sorted(set(indexes))


# --- history --------------------------------------------------------------------------


def test_a_periodic_run_walks_back_from_the_current_period_when_it_has_an_occurrence() -> None:
    occurrences = [
        passed(D(2026, 1, 20)),
        passed(D(2026, 2, 5)),
        passed(D(2026, 3, 9)),
        passed(D(2026, 4, 7)),
    ]
    # As of 2026-04-15: April is on file, the run reaches back to January.
    assert history("MONTHLY", occurrences, D(2026, 4, 15)) == History(D(2026, 1, 20), 0.0)
    # As of 2026-05-15, nothing in May yet: the walk starts from April, the last ended.
    assert history("MONTHLY", occurrences, D(2026, 5, 15)) == History(D(2026, 1, 20), 0.0)


def test_a_missed_period_breaks_the_run() -> None:
    occurrences = [
        passed(D(2026, 1, 20)),
        # February missed.
        passed(D(2026, 3, 9)),
        passed(D(2026, 4, 7)),
    ]
    assert history("MONTHLY", occurrences, D(2026, 4, 30)).since == D(2026, 3, 9)
    # The last ended month missed: no run at all.
    assert history("MONTHLY", occurrences, D(2026, 6, 1)).since == D(2026, 6, 1)


def test_a_period_of_exceptions_breaks_the_run_and_a_mixed_one_does_not() -> None:
    occurrences = [
        passed(D(2026, 1, 20)),
        failed(D(2026, 2, 5)),  # February: only an exception
        failed(D(2026, 3, 2)),
        passed(D(2026, 3, 20)),  # March: exception then pass
        passed(D(2026, 4, 7)),
    ]
    # The run begins at March's first passing occurrence, not its exception.
    assert history("MONTHLY", occurrences, D(2026, 4, 30)).since == D(2026, 3, 20)
    # A current period holding only an exception breaks the run on the report's day.
    broken = [*occurrences, failed(D(2026, 5, 4))]
    assert history("MONTHLY", broken, D(2026, 5, 20)).since == D(2026, 5, 20)


def test_the_run_starts_at_the_first_pass_of_its_earliest_period() -> None:
    occurrences = [
        passed(D(2026, 2, 20)),
        passed(D(2026, 1, 3)),  # Q1's earliest, out of order
        passed(D(2026, 5, 1)),
    ]
    assert history("QUARTERLY", occurrences, D(2026, 6, 30)).since == D(2026, 1, 3)
    weekly = [passed(D(2026, 12, 31)), passed(D(2027, 1, 6)), passed(D(2027, 1, 11))]
    assert history("WEEKLY", weekly, D(2027, 1, 12)).since == D(2026, 12, 31)


def test_per_occurrence_run_is_the_passes_after_the_latest_exception() -> None:
    occurrences = [
        passed(D(2026, 1, 1)),
        failed(D(2026, 2, 1)),
        passed(D(2026, 3, 1)),
        failed(D(2026, 4, 1)),
        passed(D(2026, 6, 1)),
        passed(D(2026, 5, 1)),
    ]
    for frequency in PER_OCCURRENCE:
        assert history(frequency, occurrences, D(2026, 6, 30)).since == D(2026, 5, 1)
        # Up to 2026-04-15 the latest occurrence is an exception: no run.
        assert history(frequency, occurrences, D(2026, 4, 15)).since == D(2026, 4, 15)
        assert history(frequency, occurrences, D(2026, 1, 31)).since == D(2026, 1, 1)
        # No exception at all: from the first pass (long gaps do not matter).
        assert history(
            frequency, [passed(D(2020, 1, 1)), passed(D(2026, 1, 1))], D(2026, 2, 1)
        ) == History(D(2020, 1, 1), 0.0)


def test_evidence_is_the_share_of_evidenced_occurrences_up_to_as_of() -> None:
    occurrences = [
        passed(D(2026, 1, 5), evidenced=True),
        passed(D(2026, 2, 5), evidenced=False),
        passed(D(2026, 3, 5), evidenced=True),
        passed(D(2026, 4, 5), evidenced=False),  # after as_of
        passed(D(2026, 4, 6), evidenced=False),  # after as_of
    ]
    found = history("MONTHLY", occurrences, D(2026, 3, 31))
    assert found == History(D(2026, 1, 5), 0.6667)
    assert history("MONTHLY", occurrences[:1], D(2026, 1, 5)) == History(D(2026, 1, 5), 1.0)
    assert history("MONTHLY", occurrences[1:2], D(2026, 2, 5)) == History(D(2026, 2, 5), 0.0)
    seven = [passed(D(2026, 1, 1) + i * DAY, evidenced=i < 1) for i in range(7)]
    assert history("DAILY", seven, D(2026, 1, 7)).evidence == round(1 / 7, 4)


def test_occurrences_after_as_of_are_ignored_and_none_means_no_history() -> None:
    occurrences = [failed(D(2026, 5, 1)), passed(D(2026, 6, 1))]
    for frequency in FREQUENCIES:
        assert history(frequency, occurrences, D(2026, 4, 30)) is None
        assert history(frequency, [], D(2026, 4, 30)) is None
    # The exception after as_of does not break a run that ends before it.
    earlier = [passed(D(2026, 4, 1)), *occurrences]
    assert history("EVENT_DRIVEN", earlier, D(2026, 4, 30)).since == D(2026, 4, 1)
    assert history("MONTHLY", earlier, D(2026, 4, 30)).since == D(2026, 4, 1)


@st.composite
def periodic_history_case(draw_: st.DrawFn) -> tuple[str, list[Occurrence], date]:
    frequency = draw_(st.sampled_from(PERIODIC))
    as_of = draw_(st.dates(min_value=D(2022, 1, 1), max_value=D(2030, 12, 31)))
    span = {"DAILY": 20, "WEEKLY": 120, "MONTHLY": 400}.get(frequency, 1500)
    days = st.dates(min_value=as_of - span * DAY, max_value=as_of + 30 * DAY)
    occurrences = draw_(st.lists(occurrence_on(days), max_size=30))
    return frequency, occurrences, as_of


@settings(max_examples=150, deadline=None)
@given(periodic_history_case())
def test_a_periodic_history_is_an_unbroken_run_of_passing_periods(
    case: tuple[str, list[Occurrence], date],
) -> None:
    frequency, occurrences, as_of = case
    known = [o for o in occurrences if o.day <= as_of]
    found = history(frequency, occurrences, as_of)
    if not known:
        assert found is None
        return
    assert found is not None
    assert found.evidence == round(sum(o.evidenced for o in known) / len(known), 4)

    def passes_in(period: Period) -> list[date]:
        return [o.day for o in known if o.passed and period.start <= o.day <= period.end]

    # Independently: the latest due period, then back while each has a pass.
    current = period_of(as_of, frequency)
    if not any(current.start <= o.day <= current.end for o in known):
        current = period_of(current.start - DAY, frequency)
    run_periods: list[Period] = []
    period = current
    while passes_in(period):
        run_periods.append(period)
        period = period_of(period.start - DAY, frequency)
    if run_periods:
        assert found.since == min(passes_in(run_periods[-1]))
    else:
        assert found.since == as_of
    assert found.since <= as_of


@settings(max_examples=100, deadline=None)
@given(
    frequency=st.sampled_from(PER_OCCURRENCE),
    occurrences=st.lists(
        occurrence_on(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31))),
        max_size=30,
    ),
    as_of=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)),
)
def test_a_per_occurrence_history_starts_after_the_latest_exception(
    frequency: str, occurrences: list[Occurrence], as_of: date
) -> None:
    known = [o for o in occurrences if o.day <= as_of]
    found = history(frequency, occurrences, as_of)
    if not known:
        assert found is None
        return
    assert found is not None
    exceptions = [o.day for o in known if not o.passed]
    after = [o.day for o in known if o.passed and (not exceptions or o.day > max(exceptions))]
    assert found.since == (min(after) if after else as_of)


def test_histories_by_control_skip_controls_without_occurrences() -> None:
    rows = [
        ("LOG-01", passed(D(2026, 3, 3), evidenced=True)),
        ("IAM-01", passed(D(2026, 2, 1))),
        ("PRV-01", passed(D(2026, 9, 1))),  # after as_of only
        ("IAM-01", passed(D(2026, 5, 1), evidenced=True)),
        ("OPS-01", failed(D(2026, 1, 5))),  # unknown frequency: per occurrence
        ("OPS-01", passed(D(2026, 1, 6))),
    ]
    by_control = grouped(rows)
    assert by_control["IAM-01"] == [rows[1][1], rows[3][1]]
    assert set(by_control) == {"LOG-01", "IAM-01", "PRV-01", "OPS-01"}
    found = histories(
        {"IAM-01": "QUARTERLY", "LOG-01": "CONTINUOUS", "PRV-01": "ANNUAL"},
        by_control,
        D(2026, 6, 30),
    )
    assert found == (
        ("IAM-01", History(D(2026, 2, 1), 0.5)),
        ("LOG-01", History(D(2026, 3, 3), 1.0)),
        ("OPS-01", History(D(2026, 1, 6), 0.0)),
    )


# --- the engine's ledger --------------------------------------------------------------

TODAY = D(2026, 6, 15)
SECURITY = frozenset({"SECURITY"})


def tiny_model() -> EngineModel:
    """One key control with a design question and a MONTHS operating question."""
    return EngineModel(
        criteria=(EngineCriterion("CC1.1", "SECURITY", 3),),
        controls=(
            EngineControl(
                key="IAM-01",
                name="Access reviews",
                criteria=("CC1.1",),
                key_control=True,
                effort_weeks=2,
                remediation="Schedule quarterly reviews.",
                frequency="QUARTERLY",
            ),
        ),
        questions=(
            EngineQuestion(
                key="iam.reviews",
                text="Do you review access quarterly?",
                role=Role.DESIGN,
                weight=1.0,
                controls=("IAM-01",),
                scores={"yes": 1.0, "partial": 0.5, "no": 0.0},
            ),
            EngineQuestion(
                key="iam.months",
                text="For how many months have reviews run?",
                role=Role.OPERATING,
                weight=1.0,
                controls=("IAM-01",),
                scores={},
            ),
        ),
    )


def params(ledger: tuple[tuple[str, History], ...] = (), window: int = 6) -> Parameters:
    return Parameters(SECURITY, AuditType.TYPE_2, window, TODAY, ledger=ledger)


def iam(report: Report) -> ControlResult:
    (result,) = [c for c in report.controls if c.key == "IAM-01"]
    return result


def test_a_ledger_history_outweighs_the_answered_months() -> None:
    model = tiny_model()
    since = D(2026, 1, 10)
    ledger = (("IAM-01", History(since, 1.0)),)
    report = evaluate(model, {"iam.reviews": "yes", "iam.months": "12"}, params(ledger))
    result = iam(report)
    assert result.operating_source is OperatingSource.LEDGER
    assert result.operating_since == since
    assert result.months_operated == months_between(since, TODAY) == 5
    assert result.evidence == 1.0
    assert result.status is ControlStatus.IMPLEMENTED
    # The answered months change nothing while the ledger speaks.
    for months in ("0", "3", "24", "2020-01-01"):
        other = evaluate(model, {"iam.reviews": "yes", "iam.months": months}, params(ledger))
        assert iam(other) == result
    unanswered = evaluate(model, {"iam.reviews": "yes"}, params(ledger))
    assert iam(unanswered) == result
    # Five months of a six-month window: an OPERATING gap, held until the run's start.
    assert any(g.kind is GapKind.OPERATING and g.control == "IAM-01" for g in report.gaps)
    assert not any(g.kind is GapKind.EVIDENCE for g in report.gaps)
    blockers = [b for b in report.timeline.blockers if b.control == "IAM-01"]
    assert [(b.reason, b.holds_start_until) for b in blockers] == [
        (BlockerReason.OPERATING_HISTORY, since)
    ]


def test_without_a_ledger_the_answers_give_the_history() -> None:
    model = tiny_model()
    result = iam(evaluate(model, {"iam.reviews": "yes", "iam.months": "12"}, params()))
    assert result.operating_source is OperatingSource.ANSWERS
    assert result.operating_since == add_months(TODAY, -12)
    assert result.months_operated == 12
    assert result.evidence is None
    # Another control's history on file changes nothing for this one.
    elsewhere = params((("LOG-01", History(D(2026, 6, 1), 0.0)),))
    assert iam(evaluate(model, {"iam.reviews": "yes", "iam.months": "12"}, elsewhere)) == result
    # No months answered and no ledger: no source at all.
    bare = iam(evaluate(model, {"iam.reviews": "yes"}, params()))
    assert bare.operating_source is None
    assert bare.operating_since is None
    assert bare.months_operated is None


def test_a_ledger_without_enough_evidence_raises_an_evidence_gap_and_blocks_the_start() -> None:
    model = tiny_model()
    answers = {"iam.reviews": "yes", "iam.months": "12"}
    report = evaluate(model, answers, params((("IAM-01", History(D(2025, 1, 1), 0.5)),)))
    result = iam(report)
    assert result.evidence == 0.5
    assert result.months_operated == 17
    evidence_gaps = [g for g in report.gaps if g.kind is GapKind.EVIDENCE]
    assert [g.control for g in evidence_gaps] == ["IAM-01"]
    blockers = [b for b in report.timeline.blockers if b.control == "IAM-01"]
    assert [(b.reason, b.holds_start_until) for b in blockers] == [
        (BlockerReason.NO_EVIDENCE, TODAY)
    ]
    assert report.timeline.earliest_observation_start == TODAY
    # At the threshold the evidence suffices.
    enough = evaluate(model, answers, params((("IAM-01", History(D(2025, 1, 1), 0.7)),)))
    assert not any(g.kind is GapKind.EVIDENCE for g in enough.gaps)
    assert not any(b.reason is BlockerReason.NO_EVIDENCE for b in enough.timeline.blockers)
    # The evidence share feeds the Type II score: less evidence, lower score.
    assert iam(enough).score > result.score


def test_a_ledger_run_starting_today_is_not_yet_operated() -> None:
    model = tiny_model()
    report = evaluate(
        model,
        {"iam.reviews": "yes", "iam.months": "24"},
        params((("IAM-01", History(TODAY, 1.0)),)),
    )
    result = iam(report)
    assert result.operating_source is OperatingSource.LEDGER
    assert result.months_operated == 0
    # Met by design, waiting for operation: the 24 answered months do not count.
    (criterion,) = report.criteria
    assert criterion.operation_pending
    assert criterion.status is not CriterionStatus.MET
    blockers = [b for b in report.timeline.blockers if b.control == "IAM-01"]
    assert [(b.reason, b.holds_start_until) for b in blockers] == [
        (BlockerReason.OPERATING_HISTORY, TODAY)
    ]
    answered = evaluate(model, {"iam.reviews": "yes", "iam.months": "24"}, params())
    assert answered.criteria[0].status is CriterionStatus.MET


def test_the_memo_keys_on_the_ledger() -> None:
    model = tiny_model()
    answers = {"iam.reviews": "yes", "iam.months": "12"}
    first_ledger = (("IAM-01", History(D(2026, 1, 10), 1.0)),)
    second_ledger = (("IAM-01", History(D(2026, 4, 1), 0.25)),)
    first = evaluate(model, answers, params(first_ledger))
    second = evaluate(model, answers, params(second_ledger))
    assert first != second
    assert iam(first) != iam(second)
    assert iam(second).operating_since == D(2026, 4, 1)
    assert iam(second).months_operated == 2
    assert iam(second).evidence == 0.25
    assert first.timeline != second.timeline
    # The memo gives back what a fresh model computes, in either order.
    assert evaluate(model, answers, params(first_ledger)) == first
    assert evaluate(tiny_model(), answers, params(second_ledger)) == second
    assert evaluate(tiny_model(), answers, params(first_ledger)) == first
    without = evaluate(model, answers, params())
    assert iam(without).operating_source is OperatingSource.ANSWERS


def test_operation_histories_feed_the_engine() -> None:
    occurrences = {
        "IAM-01": [
            passed(D(2025, 11, 20), evidenced=True),
            passed(D(2026, 2, 2), evidenced=True),
            passed(D(2026, 5, 5), evidenced=True),
        ]
    }
    ledger = histories({"IAM-01": "QUARTERLY"}, occurrences, TODAY)
    assert ledger == (("IAM-01", History(D(2025, 11, 20), 1.0)),)
    result = iam(evaluate(tiny_model(), {"iam.reviews": "yes", "iam.months": "1"}, params(ledger)))
    assert result.operating_source is OperatingSource.LEDGER
    assert result.operating_since == D(2025, 11, 20)
    assert result.months_operated == 6


def test_a_period_ending_on_as_of_is_still_in_progress_while_the_window_is_open() -> None:
    daily = [passed(D(2026, 6, 1) + timedelta(days=d)) for d in range(29)]  # to 29 June
    open_window = Window(D(2026, 6, 1), D(2026, 11, 30), D(2026, 6, 30))
    today = run("DAILY", daily, open_window)
    # 30 June can still be performed on 30 June: not missed, not counted yet.
    assert (today.expected, today.deviant, today.verdict) == (29, 0, Verdict.EFFECTIVE)
    done = run("DAILY", [*daily, passed(D(2026, 6, 30))], open_window)
    assert (done.expected, done.deviant) == (30, 0)
    # Once the window is over, its last period has ended: missed if nothing is on file.
    closed = Window(D(2026, 6, 1), D(2026, 6, 30), D(2026, 7, 3))
    over = run("DAILY", daily, closed)
    assert (over.expected, over.missed) == (30, (Period(D(2026, 6, 30), D(2026, 6, 30)),))
