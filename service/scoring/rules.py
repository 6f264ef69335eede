"""The scoring rules: thresholds, shares and severities, in one place.

Every number that decides a status, a score or a severity lives here, so
docs/scoring.md can cite one module. Pure data and small pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from service.scoring.model import EngineModel, Severity

IMPLEMENTED_AT = 0.85
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
# Fieldwork and report writing after the window closes.
REPORTING_LAG = timedelta(weeks=6)

_SEVERITY_BY_POINTS = ((6, Severity.CRITICAL), (5, Severity.HIGH), (4, Severity.MEDIUM))
SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}

CATEGORY_ORDER = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")


def severity(points: int) -> Severity:
    for threshold, level in _SEVERITY_BY_POINTS:
        if points >= threshold:
            return level
    return Severity.LOW


def months(value: str) -> int | None:
    """The number of months a MONTHS answer states, or None when it states none."""
    return int(value) if value.isdigit() else None


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def category_order(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def suggested_scope(model: EngineModel, answers: Mapping[str, str]) -> list[str]:
    """Categories the scoping answers suggest, SECURITY always first."""
    suggested = ["SECURITY"]
    for category, rule in model.scope_rules:
        if category not in suggested and rule(answers):
            suggested.append(category)
    return suggested
