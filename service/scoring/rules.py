"""The scoring rules: thresholds, shares and severities, in one place.

Every number that decides a status, a score or a severity lives here, so
docs/scoring.md can cite one module. Pure data and small pure functions.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from service.scoring.model import GapKind, Severity

# "Documented and followed" (maturity 3, 0.7) is what an auditor accepts as in place;
# higher answers are refinements. A control's score counts design up to this level.
IMPLEMENTED_AT = 0.7
PARTIAL_AT = 0.35
MET_AT = 80.0
PARTIAL_CRITERION_AT = 40.0
# Type II: a control that is designed but has not run through the window, or
# leaves no evidence, cannot pass; design still carries most of the score.
DESIGN_SHARE, OPERATING_SHARE, EVIDENCE_SHARE = 0.7, 0.15, 0.15
KEY_CONTROL_WEIGHT = 2.0
# Remediation runs in parallel work streams; the longest control bounds it.
PARALLEL_STREAMS = 3
PARTIAL_EFFORT_SHARE = 0.5
# The timeline gives dates only when this share of the in-scope controls has a design
# answer (key controls count twice): below it, a date would reward leaving questions blank.
ANSWERED_ENOUGH = 0.8

SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}

CATEGORY_ORDER = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")


def gap_severity(
    kind: GapKind, *, key_control: bool, weight: int, missing: bool = False
) -> Severity:
    """What an auditor would make of the gap (docs/scoring.md, "Gaps and severity").

    CRITICAL is kept for a key control that is missing: it fails every criterion it
    addresses, and a report cannot be clean with it. Everything else is graded by the
    control's role and its criterion's weight (1 to 3, 3 where exceptions are common);
    an open question is not yet a finding, and time still to run is no failing."""
    if kind is GapKind.DESIGN and missing:
        if key_control:
            return Severity.CRITICAL
        return _BY_WEIGHT[weight]
    if kind is GapKind.DESIGN:
        return Severity.HIGH if key_control else _BY_WEIGHT[weight - 1]
    if kind is GapKind.EVIDENCE:
        return Severity.HIGH if key_control else _BY_WEIGHT[weight - 1]
    if kind is GapKind.OPERATING:
        return Severity.MEDIUM if key_control or weight >= 3 else Severity.LOW
    return Severity.MEDIUM if weight >= 3 else Severity.LOW  # UNANSWERED


# A finding's severity by its criterion's weight, for a control that is not key.
_BY_WEIGHT = {3: Severity.HIGH, 2: Severity.MEDIUM, 1: Severity.LOW, 0: Severity.LOW}


@lru_cache(maxsize=8192)
def running_since(value: str, today: date) -> date | None:
    """The day a MONTHS answer says the control started running: the answer is either
    that day (``2026-03-01``, how stored answers reach the engine: anchored when they
    were given) or a number of months before ``today``; None when it says neither."""
    if value.isdigit():
        return add_months(today, -int(value))
    if len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@lru_cache(maxsize=8192)
def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(0, months)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def category_order(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
