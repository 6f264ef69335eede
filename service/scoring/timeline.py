"""When the observation window can start and the earliest report can land.

Inputs come from one pass over the controls (``ControlPass``): the design
work still to do, whether any control is of unknown age or not yet running,
and the youngest running control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from service.scoring.model import ControlResult, Parameters
from service.scoring.plan import Ranked
from service.scoring.rules import PARALLEL_STREAMS, REPORTING_LAG, add_months


@dataclass(slots=True)
class ControlPass:
    """What one pass over the controls collects: results, gaps and timeline inputs."""

    results: dict[str, ControlResult] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    found: list[Ranked] = field(default_factory=list)
    design_weeks: list[float] = field(default_factory=list)
    held_to_design: bool = False
    held_to_today: bool = False
    youngest: int | None = None


def timeline(walk: ControlPass, params: Parameters, type2: bool) -> tuple[date, date]:
    """(earliest observation start, earliest report date) for Type II; for Type I the
    day design work is done and the report date after it."""
    today = params.today
    # Controls with a DESIGN gap need their effort (three work streams); they and the
    # unknown ones hold the window start until the design work is done.
    weeks = max(max(walk.design_weeks, default=0.0), sum(walk.design_weeks) / PARALLEL_STREAMS)
    designed_by = today + timedelta(days=math.ceil(weeks * 7))
    if not type2:
        return designed_by, designed_by + REPORTING_LAG
    window = params.window_months
    # A control already running with evidence lets the window start in the
    # past, as far back as it has run; a young or new control holds it later.
    start = add_months(today, -window)
    if walk.youngest is not None:
        start = max(start, add_months(today, -walk.youngest))
    if walk.held_to_today:
        start = max(start, today)
    if walk.held_to_design:
        start = max(start, designed_by)
    report = max(add_months(start, window), today) + REPORTING_LAG
    return start, report
