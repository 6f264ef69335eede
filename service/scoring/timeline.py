"""When the observation window can start, when the report can land, and what holds them.

The pass over the controls (``ControlPass``) notes, for each control, what
could hold the window's start: design work still to do, an operating history
shorter than the window, evidence answered "no", an age nobody gave. Once the
criteria are known, ``timeline`` keeps the holds that matter and dates them:

- design work (DESIGN_GAP, and UNANSWERED for a control with no design answer)
  holds the start only when it would fail the audit: the control is a key
  control, or one of its in-scope criteria is not MET. Otherwise the gap stays
  in the list as a recommendation. The work is scheduled longest first on
  ``PARALLEL_STREAMS`` work streams; each control holds the start until its
  stream finishes it;
- a running control holds the start until the day it started (OPERATING_HISTORY):
  the auditor tests it over the whole window;
- evidence answered "no" (NO_EVIDENCE) or an unknown age (UNANSWERED) holds it
  until the report's day: nothing before it can be tested.

The start is the latest hold, and never earlier than a full window before the
report's day. Every date is computed from the report's day and dated answers
only, so it moves when a fact moves, not when the clock does.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

from service.scoring.model import (
    Blocker,
    ControlResult,
    CriterionStatus,
    Hold,
    Parameters,
    Timeline,
    TimelineStatus,
)
from service.scoring.plan import Ranked
from service.scoring.rules import ANSWERED_ENOUGH, PARALLEL_STREAMS, add_months


@dataclass(slots=True)
class ControlPass:
    """What one pass over the controls collects: results, gaps and timeline inputs."""

    results: dict[str, ControlResult] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    found: list[Ranked] = field(default_factory=list)
    # Holds by design work (scheduled), and holds until a known day.
    design: list[Hold] = field(default_factory=list)
    dated: list[Hold] = field(default_factory=list)
    # In-scope applicable controls, and those with a design answer (key controls twice).
    weight_total: float = 0.0
    weight_answered: float = 0.0


_LONGEST_FIRST = attrgetter("rank")
_BY_CONTROL = attrgetter("control")
_BY_DAY = attrgetter("holds_start_until")


def _schedule(jobs: list[Hold], today: date) -> dict[str, date]:
    """Each design job's finishing day: longest first, each on the stream free soonest."""
    streams = [0.0] * PARALLEL_STREAMS
    finished: dict[str, date] = {}
    first = today.toordinal()
    for job in sorted(jobs, key=_LONGEST_FIRST):
        done = heapq.heappop(streams) + (job.weeks or 0.0)
        heapq.heappush(streams, done)
        finished[job.control] = date.fromordinal(first + math.ceil(done * 7))
    return finished


def timeline(
    walk: ControlPass, criteria: dict[str, CriterionStatus], params: Parameters, type2: bool
) -> Timeline:
    """The report's timeline (see the module's docstring for the rules)."""
    today = params.today
    target = params.target_date
    if walk.weight_total and walk.weight_answered < ANSWERED_ENOUGH * walk.weight_total:
        return Timeline(
            TimelineStatus.INSUFFICIENT_ANSWERS, None, None, None, None, (), target_date=target
        )
    # Design work holds the start only where it would fail the audit.
    unmet = {ref for ref, status in criteria.items() if status is not CriterionStatus.MET}
    design = [h for h in walk.design if h.key_control or not unmet.isdisjoint(h.criteria)]
    finished = _schedule(design, today)
    designed_by = max(finished.values(), default=today)
    # Each control once, with the hold that lasts longest.
    latest: dict[str, Blocker] = {
        h.control: Blocker(h.control, h.reason, finished[h.control], h.criteria) for h in design
    }
    if type2:
        window = params.window_months
        floor = add_months(today, -window)
        for hold in walk.dated:
            blocker = hold.blocker
            if blocker is None or blocker.holds_start_until <= floor:
                continue
            prior = latest.get(hold.control)
            if prior is None or blocker.holds_start_until > prior.holds_start_until:
                latest[hold.control] = blocker
        start = max(floor, max(map(_BY_DAY, latest.values()), default=floor))
        window_end = max(add_months(start, window), today)
    else:
        floor = today
        start = window_end = designed_by
    # Latest first, then by control (two stable sorts).
    ordered = sorted(latest.values(), key=_BY_CONTROL)
    ordered.sort(key=_BY_DAY, reverse=True)
    lag_min, lag_max = (timedelta(days=d) for d in params.report_lag_days)
    report = window_end + lag_min
    without_latest = None
    if ordered:
        held_until = ordered[0].holds_start_until
        sooner = next((b for b in ordered if b.holds_start_until < held_until), None)
        next_start = max(floor, sooner.holds_start_until if sooner else floor)
        next_end = max(add_months(next_start, params.window_months), today) if type2 else next_start
        without_latest = next_end + lag_min
    return Timeline(
        status=TimelineStatus.PLANNED if start > today else TimelineStatus.READY,
        earliest_observation_start=start,
        earliest_report_date=report,
        latest_report_date=window_end + lag_max,
        type1_report_date=designed_by + lag_min,
        blockers=tuple(ordered),
        target_date=target,
        meets_target=report <= target if target is not None else None,
        report_date_without_latest=without_latest,
    )
