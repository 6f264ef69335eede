"""The gap engine: answers in, a traceable Type I/II readiness report out.

Pure functions over plain data (see docs/scoring.md for the method and a
worked example). The chain is answer -> control -> criterion -> category ->
readiness, and every number can be traced back to the answers that drove it.

Rules that make the properties hold:
- only scoping questions decide visibility, so changing a scored answer
  never shows or hides another question;
- a "n/a" answer leaves its question out of every sum (never a failure);
- an unanswered question counts as 0 toward scores, is reported as an
  UNANSWERED gap (never as a design gap) and lowers completeness;
- every score is a weighted mean of non-negative terms that rise with the
  answers, so a better answer never lowers any score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from service.scoring import texts
from service.scoring.model import (
    NOT_APPLICABLE,
    AuditType,
    CategoryResult,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    EngineControl,
    EngineCriterion,
    EngineModel,
    EngineQuestion,
    Gap,
    GapKind,
    Parameters,
    Report,
    Role,
    Severity,
)

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
_SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def suggested_scope(model: EngineModel, answers: Mapping[str, str]) -> list[str]:
    """Categories the scoping answers suggest, SECURITY always first."""
    suggested = ["SECURITY"]
    for category, rule in model.scope_rules:
        if category not in suggested and rule(answers):
            suggested.append(category)
    return suggested


def _months(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _severity(points: int) -> Severity:
    for threshold, severity in _SEVERITY_BY_POINTS:
        if points >= threshold:
            return severity
    return Severity.LOW


# A gap with its place in the report's order: (severity, criterion, control, kind, question).
_Ranked = tuple[tuple[int, int, str, str, int], Gap]


def _rank(ranked: _Ranked) -> tuple[int, int, str, str, int]:
    return ranked[0]


def _ranked(gap: Gap, criterion_order: int, question_index: int = 0) -> _Ranked:
    key = (_SEVERITY_ORDER[gap.severity], criterion_order, gap.control or "", gap.kind)
    return (*key, question_index), gap


@dataclass(frozen=True, slots=True)
class _ControlPlan:
    """One in-scope control: its visible questions and the gaps it can raise, built once."""

    control: EngineControl
    design: tuple[EngineQuestion, ...]
    operating_qs: tuple[EngineQuestion, ...]
    evidence: tuple[EngineQuestion, ...]
    # The in-scope criterion with the highest weight: where the control's gaps are filed.
    primary: str
    primary_order: int
    criteria: tuple[str, ...]
    # Severity points before the gap kind adds its own.
    points: int
    design_missing: _Ranked
    design_partial: _Ranked
    no_evidence: _Ranked
    _operating: dict[tuple[int, int], _Ranked]

    def operating(self, months: int, window: int) -> _Ranked:
        """The OPERATING gap for ``months`` of ``window``; few distinct values, so cached."""
        cached = self._operating.get((months, window))
        if cached is None:
            control = self.control
            title, remediation = texts.operating(control, months, window)
            cached = _ranked(
                Gap(
                    kind=GapKind.OPERATING,
                    severity=_severity(min(5, self.points + 4)),
                    criterion=self.primary,
                    criteria=self.criteria,
                    control=control.key,
                    question=None,
                    title=title,
                    remediation=remediation,
                    effort_weeks=0,
                ),
                self.primary_order,
            )
            self._operating[(months, window)] = cached
        return cached


@dataclass(frozen=True, slots=True)
class _CriterionPlan:
    criterion: EngineCriterion
    controls: tuple[EngineControl, ...]
    # Visible questions of its controls, sorted: the candidates for "answers that drove it".
    question_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """All a report needs that depends only on the scope and the scoping answers."""

    in_scope_refs: frozenset[str]
    visible: frozenset[str]
    controls: tuple[_ControlPlan, ...]
    criteria: tuple[_CriterionPlan, ...]
    questions: tuple[EngineQuestion, ...]
    # Visible scored questions with the gap each raises while unanswered.
    unanswered: tuple[tuple[str, _Ranked], ...]


_PLAN_CACHE_SIZE = 512


def plan(model: EngineModel, scope: frozenset[str], answers: Mapping[str, str]) -> _Plan:
    """The plan for ``scope`` and the scoping answers in ``answers``, cached on the model."""
    scoping = {
        q.key: answers[q.key]
        for q in model.questions
        if q.role is Role.SCOPING and q.key in answers
    }
    cache_key = (scope, tuple(sorted(scoping.items())))
    cached = model.plans.get(cache_key)
    if isinstance(cached, _Plan):
        return cached
    built = _build_plan(model, scope, scoping)
    if len(model.plans) >= _PLAN_CACHE_SIZE:
        model.plans.clear()
    model.plans[cache_key] = built
    return built


def _build_plan(model: EngineModel, scope: frozenset[str], scoping: Mapping[str, str]) -> _Plan:
    criterion_of = {c.ref: c for c in model.criteria}
    order = {c.ref: i for i, c in enumerate(model.criteria)}
    in_scope = frozenset(c.ref for c in model.criteria if c.category in scope)
    relevant = {c.key for c in model.controls if any(r in in_scope for r in c.criteria)}
    visible = frozenset(
        q.key
        for q in model.questions
        if (q.visible_when is None or q.visible_when(scoping))
        and (q.role is Role.SCOPING or any(k in relevant for k in q.controls))
    )

    def shown(questions: Iterable[EngineQuestion]) -> tuple[EngineQuestion, ...]:
        return tuple(q for q in questions if q.key in visible)

    controls: dict[str, _ControlPlan] = {}
    for control in model.controls:
        if control.key not in relevant:
            continue
        controls[control.key] = _plan_control(
            control,
            criteria=tuple(r for r in control.criteria if r in in_scope),
            criterion_of=criterion_of,
            order=order,
            design=shown(model.design_questions.get(control.key, ())),
            operating=shown(model.operating_questions.get(control.key, ())),
            evidence=shown(model.evidence_questions.get(control.key, ())),
        )
    criteria_plans = []
    for criterion in model.criteria:
        if criterion.ref not in in_scope:
            continue
        members = model.controls_by_criterion.get(criterion.ref, ())
        keys = {
            q.key
            for c in members
            for index in (
                model.design_questions,
                model.operating_questions,
                model.evidence_questions,
            )
            for q in index.get(c.key, ())
            if q.key in visible
        }
        criteria_plans.append(_CriterionPlan(criterion, members, tuple(sorted(keys))))
    unanswered = []
    for index, question in enumerate(model.questions):
        if question.role is Role.SCOPING or question.key not in visible:
            continue
        linked = [controls[k] for k in question.controls if k in controls]
        if not linked:
            continue
        planned = linked[0]
        title, remediation = texts.unanswered(question)
        gap = Gap(
            kind=GapKind.UNANSWERED,
            severity=_severity(min(4, 3 + criterion_of[planned.primary].weight - 2)),
            criterion=planned.primary,
            criteria=planned.criteria,
            control=planned.control.key,
            question=question.key,
            title=title,
            remediation=remediation,
            effort_weeks=0,
        )
        unanswered.append((question.key, _ranked(gap, planned.primary_order, index)))
    return _Plan(
        in_scope_refs=in_scope,
        visible=visible,
        controls=tuple(controls.values()),
        criteria=tuple(criteria_plans),
        questions=tuple(q for q in model.questions if q.key in visible),
        unanswered=tuple(unanswered),
    )


def _plan_control(
    control: EngineControl,
    *,
    criteria: tuple[str, ...],
    criterion_of: Mapping[str, EngineCriterion],
    order: Mapping[str, int],
    design: tuple[EngineQuestion, ...],
    operating: tuple[EngineQuestion, ...],
    evidence: tuple[EngineQuestion, ...],
) -> _ControlPlan:
    primary = max(criteria, key=lambda r: criterion_of[r].weight)
    points = criterion_of[primary].weight - 2 + (1 if control.key_control else 0)

    def gap(kind: GapKind, points: int, words: tuple[str, str], effort: int) -> Gap:
        return Gap(
            kind=kind,
            severity=_severity(points),
            criterion=primary,
            criteria=criteria,
            control=control.key,
            question=None,
            title=words[0],
            remediation=words[1],
            effort_weeks=effort,
        )

    missing = gap(
        GapKind.DESIGN,
        points + 5,
        texts.design(control, partial=False),
        control.effort_weeks,
    )
    partial = gap(
        GapKind.DESIGN, points + 4, texts.design(control, partial=True), control.effort_weeks
    )
    no_evidence = gap(GapKind.EVIDENCE, min(5, points + 4), texts.evidence(control), 1)
    rank = order[primary]
    return _ControlPlan(
        control=control,
        design=design,
        operating_qs=operating,
        evidence=evidence,
        primary=primary,
        primary_order=rank,
        criteria=criteria,
        points=points,
        design_missing=_ranked(missing, rank),
        design_partial=_ranked(partial, rank),
        no_evidence=_ranked(no_evidence, rank),
        _operating={},
    )


class _Run:
    """One evaluation over a plan; holds the answers so helpers stay small."""

    def __init__(self, plan: _Plan, answers: Mapping[str, str], params: Parameters) -> None:
        self.plan = plan
        self.params = params
        self.type2 = params.audit_type is AuditType.TYPE_2
        self.answers = {k: v for k, v in answers.items() if k in plan.visible}

    def _mean(self, questions: Iterable[EngineQuestion]) -> tuple[float, float, float, bool]:
        """(sum of weighted scores, weight incl. unanswered, weight answered, any n/a)."""
        total = weight_all = weight_answered = 0.0
        any_na = False
        answers = self.answers
        for question in questions:
            value = answers.get(question.key)
            if value == NOT_APPLICABLE:
                any_na = True
                continue
            weight_all += question.weight
            if value is not None:
                weight_answered += question.weight
                total += question.weight * question.score(value)
        return total, weight_all, weight_answered, any_na

    def control(self, planned: _ControlPlan) -> ControlResult:
        key = planned.control.key
        design_qs, operating_qs, evidence_qs = (
            planned.design,
            planned.operating_qs,
            planned.evidence,
        )

        months: int | None = None
        answered_months = [
            m for q in operating_qs if (m := _months(self.answers.get(q.key, ""))) is not None
        ]
        if answered_months:
            months = max(answered_months)
        # Evidence as answered decides the EVIDENCE gap (an unanswered question is an
        # UNANSWERED gap, never a silent "no"); the score counts unanswered as 0 weight
        # earned, as for design, so answering can only raise it.
        evidence: float | None = None
        evidence_factor = 1.0
        if evidence_qs:
            ev_total, ev_all, ev_answered, _ = self._mean(evidence_qs)
            if ev_all > 0:
                evidence_factor = ev_total / ev_all
            if ev_answered > 0:
                evidence = ev_total / ev_answered

        total, weight_all, weight_answered, any_na = self._mean(design_qs)
        if weight_all == 0:
            if design_qs or any_na or not (operating_qs or evidence_qs):
                return ControlResult(key, ControlStatus.NOT_APPLICABLE, 0.0, 0.0, months, evidence)
            # No design question: a control known only by its operation.
            design = 1.0 if (months or 0) > 0 else 0.0
            known = design if months is not None else None
        else:
            design = total / weight_all
            known = total / weight_answered if weight_answered > 0 else None

        if known is None:
            status = ControlStatus.UNKNOWN
        elif known >= IMPLEMENTED_AT:
            status = ControlStatus.IMPLEMENTED
        elif known >= PARTIAL_AT:
            status = ControlStatus.PARTIAL
        else:
            status = ControlStatus.MISSING

        if self.type2:
            operating = (
                1.0 if not operating_qs else min(1.0, (months or 0) / self.params.window_months)
            )
            score = design * (
                DESIGN_SHARE + OPERATING_SHARE * operating + EVIDENCE_SHARE * evidence_factor
            )
        else:
            score = design
        return ControlResult(key, status, round(100.0 * score, 2), design, months, evidence)

    def criterion(
        self, planned: _CriterionPlan, controls: Mapping[str, ControlResult]
    ) -> CriterionResult:
        criterion = planned.criterion
        members = [
            (c, controls[c.key])
            for c in planned.controls
            if controls[c.key].status is not ControlStatus.NOT_APPLICABLE
        ]
        drivers = tuple(k for k in planned.question_keys if k in self.answers)
        if not members:
            return CriterionResult(
                criterion.ref, criterion.category, CriterionStatus.NOT_APPLICABLE, 0.0, drivers
            )
        weight = sum(KEY_CONTROL_WEIGHT if c.key_control else 1.0 for c, _ in members)
        score = (
            sum((KEY_CONTROL_WEIGHT if c.key_control else 1.0) * r.score for c, r in members)
            / weight
        )
        score = round(score, 2)
        if all(r.status is ControlStatus.UNKNOWN for _, r in members):
            status = CriterionStatus.NOT_ASSESSED
        elif score >= MET_AT and not any(
            c.key_control and r.status is ControlStatus.MISSING for c, r in members
        ):
            status = CriterionStatus.MET
        elif score >= PARTIAL_CRITERION_AT:
            status = CriterionStatus.PARTIAL
        else:
            status = CriterionStatus.NOT_MET
        return CriterionResult(criterion.ref, criterion.category, status, score, drivers)

    def gaps(self, controls: Mapping[str, ControlResult]) -> list[Gap]:
        found: list[_Ranked] = []
        window = self.params.window_months
        for planned in self.plan.controls:
            result = controls[planned.control.key]
            status = result.status
            if status is ControlStatus.MISSING:
                found.append(planned.design_missing)
            elif status is ControlStatus.PARTIAL:
                found.append(planned.design_partial)
            if status is ControlStatus.IMPLEMENTED or status is ControlStatus.PARTIAL:
                months = result.months_operated
                if self.type2 and months is not None and months < window:
                    found.append(planned.operating(months, window))
                if result.evidence is not None and result.evidence < IMPLEMENTED_AT:
                    found.append(planned.no_evidence)
        answers = self.answers
        found.extend(ranked for key, ranked in self.plan.unanswered if key not in answers)
        found.sort(key=_rank)
        return [gap for _, gap in found]

    def timeline(
        self, controls: Mapping[str, ControlResult], gaps: list[Gap]
    ) -> tuple[date | None, date | None]:
        today = self.params.today
        planned_of = {p.control.key: p for p in self.plan.controls}
        design_weeks = [
            planned_of[g.control].control.effort_weeks
            * (1.0 if controls[g.control].status is ControlStatus.MISSING else PARTIAL_EFFORT_SHARE)
            for g in gaps
            if g.kind is GapKind.DESIGN and g.control is not None
        ]
        weeks = max(max(design_weeks, default=0.0), sum(design_weeks) / PARALLEL_STREAMS)
        designed_by = today + timedelta(days=math.ceil(weeks * 7))
        if not self.type2:
            return designed_by, designed_by + REPORTING_LAG
        window = self.params.window_months
        redesigned = {g.control for g in gaps if g.kind is GapKind.DESIGN}
        # A control already running with evidence lets the window start in the
        # past, as far back as it has run; a young or new control holds it later.
        start = add_months(today, -window)
        for key, result in controls.items():
            if result.status is ControlStatus.NOT_APPLICABLE:
                continue
            if result.status in (ControlStatus.MISSING, ControlStatus.UNKNOWN) or key in redesigned:
                ready = designed_by
            elif result.months_operated is not None:
                ready = add_months(today, -result.months_operated)
            else:
                ready = today
            start = max(start, ready)
        report = max(add_months(start, window), today) + REPORTING_LAG
        return start, report


def evaluate(model: EngineModel, answers: Mapping[str, str], params: Parameters) -> Report:
    """The readiness report for one assessment's answers."""
    planned = plan(model, params.scope, answers)
    run = _Run(planned, answers, params)
    controls = {p.control.key: run.control(p) for p in planned.controls}
    criteria = [run.criterion(c, controls) for c in planned.criteria]

    categories: list[CategoryResult] = []
    weight_of = {c.criterion.ref: c.criterion.weight for c in planned.criteria}
    pooled = pooled_weight = 0.0
    for category in sorted(params.scope, key=_category_order):
        members = [
            r
            for r in criteria
            if r.category == category and r.status is not CriterionStatus.NOT_APPLICABLE
        ]
        weight = sum(weight_of[r.ref] for r in members)
        total = sum(weight_of[r.ref] * r.score for r in members)
        pooled += total
        pooled_weight += weight
        categories.append(
            CategoryResult(
                category=category,
                score=round(total / weight, 2) if weight else 100.0,
                criteria_met=sum(1 for r in members if r.status is CriterionStatus.MET),
                criteria_total=len(members),
            )
        )
    gaps = run.gaps(controls)
    start, report_date = run.timeline(controls, gaps)
    answered = sum(1 for q in planned.questions if q.key in run.answers)
    total_questions = len(planned.questions)
    return Report(
        readiness=round(pooled / pooled_weight, 2) if pooled_weight else 0.0,
        completeness=round(100.0 * answered / total_questions, 2) if total_questions else 100.0,
        categories=tuple(categories),
        criteria=tuple(criteria),
        controls=tuple(controls.values()),
        gaps=tuple(gaps),
        earliest_observation_start=start,
        earliest_report_date=report_date,
        answered=answered,
        total=total_questions,
    )


_CATEGORY_ORDER = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")


def _category_order(category: str) -> int:
    return _CATEGORY_ORDER.index(category) if category in _CATEGORY_ORDER else len(_CATEGORY_ORDER)
