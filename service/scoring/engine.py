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
from datetime import date, timedelta

from service.scoring.model import (
    NOT_APPLICABLE,
    AuditType,
    CategoryResult,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    EngineControl,
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


class _Run:
    """One evaluation; holds the per-report look-ups so helpers stay small."""

    def __init__(self, model: EngineModel, answers: Mapping[str, str], params: Parameters) -> None:
        self.model = model
        self.params = params
        self.type2 = params.audit_type is AuditType.TYPE_2
        self.criterion_of = {c.ref: c for c in model.criteria}
        self.in_scope_refs = {c.ref for c in model.criteria if c.category in params.scope}
        self.relevant_controls = {
            c.key for c in model.controls if any(r in self.in_scope_refs for r in c.criteria)
        }
        scoping = {
            q.key: answers[q.key]
            for q in model.questions
            if q.role is Role.SCOPING and q.key in answers
        }
        self.visible: set[str] = set()
        for question in model.questions:
            if question.visible_when is not None and not question.visible_when(scoping):
                continue
            if question.role is Role.SCOPING or any(
                k in self.relevant_controls for k in question.controls
            ):
                self.visible.add(question.key)
        self.answers = {k: v for k, v in answers.items() if k in self.visible}

    def _visible(self, questions: Iterable[EngineQuestion]) -> list[EngineQuestion]:
        return [q for q in questions if q.key in self.visible]

    def _mean(self, questions: list[EngineQuestion]) -> tuple[float, float, float, bool]:
        """(sum of weighted scores, weight incl. unanswered, weight answered, any n/a)."""
        total = weight_all = weight_answered = 0.0
        any_na = False
        for question in questions:
            value = self.answers.get(question.key)
            if value == NOT_APPLICABLE:
                any_na = True
                continue
            weight_all += question.weight
            if value is not None:
                weight_answered += question.weight
                total += question.weight * question.score(value)
        return total, weight_all, weight_answered, any_na

    def control(self, control: EngineControl) -> ControlResult:
        model = self.model
        design_qs = self._visible(model.design_questions.get(control.key, ()))
        operating_qs = self._visible(model.operating_questions.get(control.key, ()))
        evidence_qs = self._visible(model.evidence_questions.get(control.key, ()))

        months: int | None = None
        answered_months = [
            m for q in operating_qs if (m := _months(self.answers.get(q.key, ""))) is not None
        ]
        if answered_months:
            months = max(answered_months)
        evidence: float | None = None
        ev_total, ev_all, _, _ = self._mean(evidence_qs)
        if ev_all > 0:
            evidence = ev_total / ev_all

        total, weight_all, weight_answered, any_na = self._mean(design_qs)
        if weight_all == 0:
            if design_qs or any_na or not (operating_qs or evidence_qs):
                return ControlResult(
                    control.key, ControlStatus.NOT_APPLICABLE, 0.0, 0.0, months, evidence
                )
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
            evidence_factor = 1.0 if evidence is None else evidence
            score = design * (
                DESIGN_SHARE + OPERATING_SHARE * operating + EVIDENCE_SHARE * evidence_factor
            )
        else:
            score = design
        return ControlResult(control.key, status, round(100.0 * score, 2), design, months, evidence)

    def criterion(self, ref: str, controls: Mapping[str, ControlResult]) -> CriterionResult:
        criterion = self.criterion_of[ref]
        members = [
            (c, controls[c.key])
            for c in self.model.controls_by_criterion.get(ref, ())
            if controls[c.key].status is not ControlStatus.NOT_APPLICABLE
        ]
        drivers = sorted(
            {
                q.key
                for c in self.model.controls_by_criterion.get(ref, ())
                for role_index in (
                    self.model.design_questions,
                    self.model.operating_questions,
                    self.model.evidence_questions,
                )
                for q in role_index.get(c.key, ())
                if q.key in self.answers
            }
        )
        if not members:
            return CriterionResult(
                ref, criterion.category, CriterionStatus.NOT_APPLICABLE, 0.0, tuple(drivers)
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
        return CriterionResult(ref, criterion.category, status, score, tuple(drivers))

    def primary_criterion(self, control: EngineControl) -> str:
        in_scope = [r for r in control.criteria if r in self.in_scope_refs]
        return max(in_scope, key=lambda r: self.criterion_of[r].weight)

    def gaps(self, controls: Mapping[str, ControlResult]) -> list[Gap]:
        gaps: list[Gap] = []
        window = self.params.window_months
        for control in self.model.controls:
            if control.key not in self.relevant_controls:
                continue
            result = controls[control.key]
            criterion = self.primary_criterion(control)
            criteria = tuple(r for r in control.criteria if r in self.in_scope_refs)
            points = self.criterion_of[criterion].weight - 2 + (1 if control.key_control else 0)
            if result.status in (ControlStatus.MISSING, ControlStatus.PARTIAL):
                missing = result.status is ControlStatus.MISSING
                gaps.append(
                    Gap(
                        kind=GapKind.DESIGN,
                        severity=_severity(points + (5 if missing else 4)),
                        criterion=criterion,
                        criteria=criteria,
                        control=control.key,
                        question=None,
                        title=f"{control.name}: "
                        + ("not in place" if missing else "only partly in place"),
                        remediation=control.remediation,
                        effort_weeks=control.effort_weeks,
                    )
                )
            if result.status in (ControlStatus.IMPLEMENTED, ControlStatus.PARTIAL):
                months = result.months_operated
                if self.type2 and months is not None and months < window:
                    gaps.append(
                        Gap(
                            kind=GapKind.OPERATING,
                            severity=_severity(min(5, points + 4)),
                            criterion=criterion,
                            criteria=criteria,
                            control=control.key,
                            question=None,
                            title=(
                                f"{control.name}: operated {months} of the "
                                f"{window} months the window needs"
                            ),
                            remediation=(
                                "Keep the control running and retaining evidence for "
                                f"{window - months} more month(s). {control.remediation}"
                            ),
                            effort_weeks=0,
                        )
                    )
                if result.evidence is not None and result.evidence < IMPLEMENTED_AT:
                    gaps.append(
                        Gap(
                            kind=GapKind.EVIDENCE,
                            severity=_severity(min(5, points + 4)),
                            criterion=criterion,
                            criteria=criteria,
                            control=control.key,
                            question=None,
                            title=f"{control.name}: runs without evidence an auditor can sample",
                            remediation=(
                                "Record each run (tickets, logs, sign-offs) and keep the "
                                f"records for the whole window. {control.remediation}"
                            ),
                            effort_weeks=1,
                        )
                    )
        control_of = {c.key: c for c in self.model.controls}
        for question in self.model.questions:
            if question.role is Role.SCOPING or question.key not in self.visible:
                continue
            if question.key in self.answers:
                continue
            linked = [control_of[k] for k in question.controls if k in self.relevant_controls]
            if not linked:
                continue
            control = linked[0]
            criterion = self.primary_criterion(control)
            gaps.append(
                Gap(
                    kind=GapKind.UNANSWERED,
                    severity=_severity(min(4, 3 + self.criterion_of[criterion].weight - 2)),
                    criterion=criterion,
                    criteria=tuple(r for r in control.criteria if r in self.in_scope_refs),
                    control=control.key,
                    question=question.key,
                    title=f"Unanswered: {question.text}",
                    remediation="Answer this question so the assessment can judge the control.",
                    effort_weeks=0,
                )
            )
        order = {c.ref: i for i, c in enumerate(self.model.criteria)}
        gaps.sort(
            key=lambda g: (_SEVERITY_ORDER[g.severity], order[g.criterion], g.control or "", g.kind)
        )
        return gaps

    def timeline(
        self, controls: Mapping[str, ControlResult], gaps: list[Gap]
    ) -> tuple[date | None, date | None]:
        today = self.params.today
        control_of = {c.key: c for c in self.model.controls}
        design_weeks = [
            control_of[g.control].effort_weeks
            * (1.0 if controls[g.control].status is ControlStatus.MISSING else PARTIAL_EFFORT_SHARE)
            for g in gaps
            if g.kind is GapKind.DESIGN and g.control is not None
        ]
        weeks = max(max(design_weeks, default=0.0), sum(design_weeks) / PARALLEL_STREAMS)
        designed_by = today + timedelta(days=math.ceil(weeks * 7))
        if not self.type2:
            return designed_by, designed_by + REPORTING_LAG
        window = self.params.window_months
        # A control already running with evidence lets the window start in the
        # past, as far back as it has run; a young or new control holds it later.
        start = add_months(today, -window)
        for key in self.relevant_controls:
            result = controls[key]
            if result.status is ControlStatus.NOT_APPLICABLE:
                continue
            if result.status in (ControlStatus.MISSING, ControlStatus.UNKNOWN) or any(
                g.control == key and g.kind is GapKind.DESIGN for g in gaps
            ):
                ready = designed_by
            else:
                ready = (
                    add_months(today, -(result.months_operated or 0))
                    if result.months_operated is not None
                    else today
                )
            start = max(start, ready)
        report = max(add_months(start, window), today) + REPORTING_LAG
        return start, report


def evaluate(model: EngineModel, answers: Mapping[str, str], params: Parameters) -> Report:
    """The readiness report for one assessment's answers."""
    run = _Run(model, answers, params)
    controls = {c.key: run.control(c) for c in model.controls if c.key in run.relevant_controls}
    criteria = [
        run.criterion(c.ref, controls) for c in model.criteria if c.ref in run.in_scope_refs
    ]

    categories: list[CategoryResult] = []
    weight_of = {c.ref: c.weight for c in model.criteria}
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
    relevant_questions = [q for q in model.questions if q.key in run.visible]
    answered = sum(1 for q in relevant_questions if q.key in run.answers)
    total_questions = len(relevant_questions)
    return Report(
        readiness=round(pooled / pooled_weight, 2) if pooled_weight else 0.0,
        completeness=round(100.0 * answered / total_questions, 2) if total_questions else 100.0,
        categories=tuple(categories),
        criteria=tuple(criteria),
        controls=tuple(controls[c.key] for c in model.controls if c.key in controls),
        gaps=tuple(gaps),
        earliest_observation_start=start,
        earliest_report_date=report_date,
        answered=answered,
        total=total_questions,
    )


_CATEGORY_ORDER = ("SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY")


def _category_order(category: str) -> int:
    return _CATEGORY_ORDER.index(category) if category in _CATEGORY_ORDER else len(_CATEGORY_ORDER)
