"""Operating effectiveness from the evidence ledger: periods, runs, samples and odds.

An auditor testing a Type II control takes the population of its occurrences in the
observation window, draws a sample and reports every deviation in it. This module
does the same arithmetic on the ledger, before the auditor does (docs/scoring.md,
"The dry run"):

- ``periods``: a periodic control's population is the calendar periods of its
  frequency (day, ISO week, month, quarter, half-year, year) that end inside the
  window, plus the period in progress when it already has an occurrence; an
  occurrence counts for the period containing its day. CONTINUOUS and EVENT_DRIVEN
  controls have one period per occurrence.
- ``exception_probability``: the exact hypergeometric chance that a sample drawn
  without replacement holds at least one deviant period.
- ``history``: since when a control runs without a break, from its occurrences, for
  the readiness report (the ledger overrides the self-reported months).

Frequencies are the catalog's values as plain strings (this package imports nothing of
the catalog). Pure functions over plain data, like the rest of the engine.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from math import comb
from typing import NamedTuple

from service.scoring.model import Histories, History
from service.scoring.rules import add_months

PERIODIC = ("DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL")
PER_OCCURRENCE = ("CONTINUOUS", "EVENT_DRIVEN")
FREQUENCIES = (*PER_OCCURRENCE, *PERIODIC)

# Sample sizes for tests of controls by frequency, as audit firms commonly use them:
# the AICPA Audit Guide "Audit Sampling" (tests of controls) and the SOC guidance of
# firms built on it give annual 1, quarterly 2, monthly 2, weekly 5 (5-15) and daily 25
# (20-40) at a low risk of over-reliance; semi-annual controls are tested like annual
# ones. An organisation sets its own auditor's figures (``samplingProfile``).
DEFAULT_PROFILE: Mapping[str, int] = {
    "ANNUAL": 1,
    "SEMI_ANNUAL": 1,
    "QUARTERLY": 2,
    "MONTHLY": 2,
    "WEEKLY": 5,
    "DAILY": 25,
    # Per-occurrence controls: the size for a large population (the guide's "many times
    # a day" range is 25-60); smaller populations are sampled as the frequency they
    # resemble (``sample_size``).
    "EVENT_DRIVEN": 25,
    "CONTINUOUS": 25,
}
# Firms' largest sizes for tests of controls are around 60; a profile may go to this.
MAX_SAMPLE_SIZE = 100

# A per-occurrence population sampled as the periodic frequency of the same size:
# up to 1 (annual), 4 (quarterly), 12 (monthly), 52 (weekly), more (daily or more).
_POPULATION_BANDS = ((1, "ANNUAL"), (4, "QUARTERLY"), (12, "MONTHLY"), (52, "WEEKLY"))


class Verdict(StrEnum):
    EFFECTIVE = "EFFECTIVE"
    AT_RISK = "AT_RISK"
    EXCEPTIONS_LIKELY = "EXCEPTIONS_LIKELY"
    NOT_YET_TESTABLE = "NOT_YET_TESTABLE"
    NO_EVIDENCE = "NO_EVIDENCE"
    NOT_APPLICABLE = "NOT_APPLICABLE"


# A probability of a deviation in the sample from here on: exceptions are likely.
LIKELY_AT = 0.5


class Occurrence(NamedTuple):
    """One performance of a control: its day, whether it passed, whether it carries an
    evidence reference, and an opaque reference to the stored occurrence."""

    day: date
    passed: bool
    evidenced: bool = False
    ref: object = None


def _day(occurrence: Occurrence) -> date:
    return occurrence.day


class Period(NamedTuple):
    start: date
    end: date


def _quarter_start(month: int, months: int) -> int:
    return (month - 1) // months * months + 1


def period_of(day: date, frequency: str) -> Period:
    """The calendar period of ``frequency`` containing ``day`` (ISO weeks start Monday)."""
    if frequency == "DAILY":
        return Period(day, day)
    if frequency == "WEEKLY":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    months = {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}.get(frequency)
    if months is None:
        return Period(day, day)  # per occurrence
    start = date(day.year, _quarter_start(day.month, months), 1)
    return Period(start, add_months(start, months) - timedelta(days=1))


def _next(period: Period, frequency: str) -> Period:
    return period_of(period.end + timedelta(days=1), frequency)


def sample_size(profile: Mapping[str, int], frequency: str, population: int) -> int:
    """How many items the auditor tests: the profile's figure for a periodic control;
    for a per-occurrence one, the figure of the periodic frequency its population
    resembles, up to the profile's figure for large populations. Never more than the
    population."""
    if frequency in PER_OCCURRENCE:
        size = profile[frequency]
        for limit, like in _POPULATION_BANDS:
            if population <= limit:
                size = min(size, profile[like])
                break
    else:
        size = profile[frequency]
    return max(0, min(size, population))


def exception_probability(population: int, deviant: int, sample: int) -> float:
    """The chance that ``sample`` items drawn without replacement from ``population``
    include at least one of its ``deviant`` ones: 1 - C(N - b, n) / C(N, n), exactly."""
    if not 0 <= deviant <= population or not 0 <= sample <= population:
        raise ValueError("need 0 <= deviant, sample <= population")
    if sample == 0 or deviant == 0:
        return 0.0
    return float(1 - Fraction(comb(population - deviant, sample), comb(population, sample)))


@dataclass(frozen=True, slots=True)
class Tested:
    """One period of the population and the occurrences on file in it."""

    period: Period
    occurrences: tuple[Occurrence, ...]

    @property
    def deviant(self) -> bool:
        """Missed, or every occurrence in it an exception."""
        return not any(o.passed for o in self.occurrences)


@dataclass(frozen=True, slots=True)
class Operation:
    """A control's dry run over the window."""

    frequency: str
    population: tuple[Tested, ...]
    sample_size: int
    exception_probability: float
    verdict: Verdict

    @property
    def expected(self) -> int:
        return len(self.population)

    @property
    def performed(self) -> int:
        return sum(len(t.occurrences) for t in self.population)

    @property
    def exceptions(self) -> int:
        return sum(1 for t in self.population for o in t.occurrences if not o.passed)

    @property
    def missed(self) -> tuple[Period, ...]:
        return tuple(t.period for t in self.population if not t.occurrences)

    @property
    def deviant(self) -> int:
        return sum(1 for t in self.population if t.deviant)


@dataclass(frozen=True, slots=True)
class Window:
    """The observation window and the day the dry run is for."""

    start: date
    end: date
    as_of: date

    @property
    def upper(self) -> date:
        """The last day whose occurrences count: the report's day or the window's end."""
        return min(self.as_of, self.end)


def population(
    frequency: str, occurrences: Iterable[Occurrence], window: Window
) -> tuple[Tested, ...]:
    """The periods an auditor would test: those that end inside ``[window.start,
    window.upper]``, except that a period whose last day is the report's day (the window
    not being over) is still in progress, plus the period in progress once something is
    on file in it; and the occurrences on file in each (``occurrences`` may hold others:
    they are ignored)."""
    upper = window.upper
    if upper < window.start:
        return ()
    if frequency not in PERIODIC:
        return tuple(
            Tested(Period(o.day, o.day), (o,))
            for o in sorted(occurrences, key=_day)
            if window.start <= o.day <= upper
        )
    by_start: dict[date, list[Occurrence]] = {}
    for occurrence in occurrences:
        if occurrence.day <= upper:
            by_start.setdefault(period_of(occurrence.day, frequency).start, []).append(occurrence)
    tested: list[Tested] = []
    period = period_of(window.start, frequency)
    as_of = window.as_of
    open_day = upper == as_of  # the window is not over: the report's day is in progress
    while period.start <= upper:
        on_file = tuple(sorted(by_start.get(period.start, ()), key=_day))
        # A period whose last day is the report's day can still be performed that day:
        # it is in progress, and counts once something is on file in it.
        ended = period.end < as_of if open_day else period.end <= upper
        in_progress = open_day and period.start <= as_of <= period.end
        if ended or (in_progress and on_file):
            tested.append(Tested(period, on_file))
        period = _next(period, frequency)
    return tuple(tested)


def dry_run(
    frequency: str,
    occurrences: Sequence[Occurrence],
    window: Window,
    *,
    profile: Mapping[str, int],
    on_file: bool,
) -> Operation:
    """The control's population, sample size, chance of a deviation in the sample and
    verdict. ``on_file``: whether the ledger holds any occurrence of the control up to
    the window's last counted day, ``window.upper`` (NO_EVIDENCE when it holds none)."""
    tested = population(frequency, occurrences, window)
    size = sample_size(profile, frequency, len(tested))
    deviant = sum(1 for t in tested if t.deviant)
    probability = exception_probability(len(tested), deviant, size)
    if not on_file:
        verdict = Verdict.NO_EVIDENCE
    elif not tested:
        verdict = Verdict.NOT_YET_TESTABLE
    elif deviant == 0:
        verdict = Verdict.EFFECTIVE
    elif probability < LIKELY_AT:
        verdict = Verdict.AT_RISK
    else:
        verdict = Verdict.EXCEPTIONS_LIKELY
    return Operation(frequency, tested, size, probability, verdict)


def draw(operation: Operation, seed: int, control: str) -> tuple[Tested, ...]:
    """The sample an auditor would draw: ``sample_size`` periods of the population,
    uniformly without replacement, the same for the same seed and control (each control
    draws from its own stream, so adding a control changes no other's sample)."""
    stream = random.Random(f"{seed}:{control}")  # noqa: S311 - a reproducible mock audit
    chosen = sorted(stream.sample(range(len(operation.population)), operation.sample_size))
    return tuple(operation.population[i] for i in chosen)


def history(frequency: str, occurrences: Sequence[Occurrence], as_of: date) -> History | None:
    """Since when the control runs without a deviation, from its occurrences up to
    ``as_of`` (None when there are none).

    Periodic: walking back from the period in progress (when something is on file in
    it) or else the last one that ended, every period needs a passing occurrence; the
    run begins at the first occurrence of the earliest such period. Per occurrence: the
    run is the passing occurrences after the latest exception."""
    known = [o for o in occurrences if o.day <= as_of]
    if not known:
        return None
    evidence = sum(1 for o in known if o.evidenced) / len(known)
    return History(_run_start(frequency, known, as_of), round(evidence, 4))


def _run_start(frequency: str, known: Sequence[Occurrence], as_of: date) -> date:
    if frequency not in PERIODIC:
        ordered = sorted(known, key=_day)
        last_exception = max((o.day for o in ordered if not o.passed), default=None)
        passing = [
            o.day
            for o in ordered
            if o.passed and (last_exception is None or o.day > last_exception)
        ]
        return passing[0] if passing else as_of
    by_start: dict[date, list[Occurrence]] = {}
    for occurrence in known:
        by_start.setdefault(period_of(occurrence.day, frequency).start, []).append(occurrence)
    period = period_of(as_of, frequency)
    if period.start not in by_start:
        period = period_of(period.start - timedelta(days=1), frequency)  # not due yet
    first: date | None = None
    while True:
        passing = [o.day for o in by_start.get(period.start, ()) if o.passed]
        if not passing:
            break
        first = min(passing)
        period = period_of(period.start - timedelta(days=1), frequency)
    return first if first is not None else as_of


def histories(
    frequencies: Mapping[str, str],
    occurrences: Mapping[str, Sequence[Occurrence]],
    as_of: date,
) -> Histories:
    """Each control's history (controls without occurrences left out), by control key:
    the engine's ``Parameters.ledger``."""
    found = (
        (key, history(frequencies.get(key, "EVENT_DRIVEN"), rows, as_of))
        for key, rows in sorted(occurrences.items())
    )
    return tuple((key, h) for key, h in found if h is not None)


def grouped(
    rows: Iterable[tuple[str, Occurrence]],
) -> dict[str, list[Occurrence]]:
    """Occurrences by control key."""
    by_control: dict[str, list[Occurrence]] = {}
    for key, occurrence in rows:
        by_control.setdefault(key, []).append(occurrence)
    return by_control
