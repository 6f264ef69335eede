"""What closing one gap alone does to the earliest report date: the remediation plan's order.

For each open gap the report is computed again with that gap closed and nothing
else changed, and the earliest report date compared (docs/scoring.md, "The
remediation plan"):

- a DESIGN gap is closed by the control's visible design questions answered in
  place (their best option);
- an EVIDENCE gap by its evidence questions answered in place, or, for a control
  whose history comes from the evidence ledger, by an evidence reference on every
  occurrence;
- an UNANSWERED gap by its question's best answer (a months question: a full
  window of operation);
- an OPERATING gap only by time: it is a wait, not work, and moves nothing.

Every figure comes from the engine itself, so it holds exactly what the timeline
holds: closing a gap that does not hold the window's start brings nothing forward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from service.scoring.engine import evaluate
from service.scoring.model import (
    EngineModel,
    EngineQuestion,
    Gap,
    GapKind,
    History,
    OperatingSource,
    Parameters,
    Report,
)
from service.scoring.plan import ControlPlan, plan


def _best(question: EngineQuestion, window: int) -> str:
    if not question.scores:
        return str(window)  # a months question: a full window of operation
    if question.multiple:
        return ",".join(value for value, score in question.scores.items() if score > 0)
    return max(question.scores.items(), key=lambda item: item[1])[0]


def _closed(
    gap: Gap,
    *,
    controls: Mapping[str, ControlPlan],
    questions: Mapping[str, EngineQuestion],
    answers: Mapping[str, str],
    params: Parameters,
    report: Report,
) -> tuple[dict[str, str], Parameters] | None:
    """The answers and parameters with ``gap`` closed; None for a wait."""
    window = params.window_months
    changed = dict(answers)
    if gap.kind is GapKind.OPERATING:
        return None
    question = questions.get(gap.question or "")
    if gap.kind is GapKind.UNANSWERED and question is not None:
        changed[question.key] = _best(question, window)
        return changed, params
    planned = controls.get(gap.control or "")
    if planned is None:
        return None
    if gap.kind is GapKind.DESIGN:
        changed.update((q.key, _best(q, window)) for q in planned.design)
        return changed, params
    result = next((c for c in report.controls if c.key == planned.control.key), None)
    if result is not None and result.operating_source is OperatingSource.LEDGER:
        ledger = tuple(
            (key, History(h.since, 1.0) if key == planned.control.key else h)
            for key, h in params.ledger
        )
        return changed, replace(params, ledger=ledger)
    changed.update((q.key, _best(q, window)) for q in planned.evidence)
    return changed, params


def date_impacts(
    model: EngineModel,
    answers: Mapping[str, str],
    params: Parameters,
    report: Report,
    gaps: Sequence[Gap],
) -> list[int | None]:
    """For each of ``gaps`` (open gaps of ``report``), how many days the earliest report
    date comes forward when that gap alone is closed (0 when none, or when there is no
    date); None for an OPERATING gap, which only time closes."""
    planned = plan(model, params.scope, answers)
    controls = {c.control.key: c for c in planned.controls}
    questions = {q.key: q for q in planned.questions}
    baseline = report.timeline.earliest_report_date
    impacts: list[int | None] = []
    for gap in gaps:
        closed = _closed(
            gap,
            controls=controls,
            questions=questions,
            answers=answers,
            params=params,
            report=report,
        )
        if closed is None:
            impacts.append(None)
            continue
        if baseline is None:
            impacts.append(0)
            continue
        sooner = evaluate(model, closed[0], closed[1]).timeline.earliest_report_date
        impacts.append(max(0, (baseline - sooner).days) if sooner else 0)
    return impacts
