"""Criteria met through a carve-out subservice organisation (a cloud provider's data centres).

Under the carve-out method the provider's controls are outside the company's
description; the auditor relies on the provider's own SOC report and tests
that the company monitors the provider. So a criterion a carve-out provider
supports is MET only when:
- the company's monitoring control (``Parameters.monitoring_control``) is
  IMPLEMENTED (and, for Type II, has run at least a month), and
- every carve-out provider supporting it has a current SOC report
  (``CarveOut.report_current``: the assessment layer decides, from the
  report's period and any bridge letter).

A criterion with no applicable control of its own (physical security for a
company without offices) takes its status from that alone (MET, or NOT_MET);
one with controls of its own keeps its result, but cannot be MET while the
conditions fail. A provider whose report is not current holds the window's
start until the report's day, as missing evidence does (NO_EVIDENCE on the
monitoring control). Inclusive providers need nothing here: their controls
are in the description and answered like the company's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from service.scoring.model import (
    Blocker,
    BlockerReason,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    Hold,
    Parameters,
)


def _monitored(params: Parameters, controls: Mapping[str, ControlResult], type2: bool) -> bool:
    monitor = controls.get(params.monitoring_control or "")
    if monitor is None or monitor.status is not ControlStatus.IMPLEMENTED:
        return False
    return not type2 or bool(monitor.months_operated)


def through_providers(
    criteria: list[CriterionResult],
    controls: Mapping[str, ControlResult],
    params: Parameters,
    type2: bool,
) -> tuple[list[CriterionResult], list[Hold]]:
    """The criteria with the carve-out rule applied, and the holds it adds."""
    supported = {ref for carve in params.carve_outs for ref in carve.criteria}
    if not supported:
        return criteria, []
    monitored = _monitored(params, controls, type2)
    stale = {ref for c in params.carve_outs if not c.report_current for ref in c.criteria}
    recorded_stale = {
        ref for c in params.carve_outs if c.recorded and not c.report_current for ref in c.criteria
    }
    adjusted = [_through(r, monitored, stale) if r.ref in supported else r for r in criteria]
    holds: list[Hold] = []
    monitor = params.monitoring_control
    # A provider seeded from the answers, not yet confirmed, holds no date: its criteria
    # wait, but the start does not move day by day for a list nobody has recorded.
    if type2 and monitor is not None and monitor in controls and recorded_stale:
        refs = tuple(sorted(recorded_stale))
        blocker = Blocker(monitor, BlockerReason.NO_EVIDENCE, params.today, refs)
        holds.append(Hold(monitor, BlockerReason.NO_EVIDENCE, refs, True, None, blocker))
    return adjusted, holds


def _through(result: CriterionResult, monitored: bool, stale: set[str]) -> CriterionResult:
    met = monitored and result.ref not in stale
    if result.status is CriterionStatus.NOT_APPLICABLE:
        status = CriterionStatus.MET if met else CriterionStatus.NOT_MET
        return replace(result, status=status, score=100.0 if met else 0.0, operation_pending=False)
    if not met and (result.status is CriterionStatus.MET or result.operation_pending):
        # Not met through the provider: a reason of its own, not one time will remove.
        status = CriterionStatus.PARTIAL if result.status is CriterionStatus.MET else result.status
        return replace(result, status=status, operation_pending=False)
    return result
