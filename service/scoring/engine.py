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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter

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


_RANK = itemgetter(0)  # a ranked gap's sort key


def _nothing(_answers: Mapping[str, str | None]) -> object:
    return ()


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
    # The visible questions the result depends on, and an id for that set (memo keys).
    input_keys: tuple[str, ...]
    signature: int
    # Reads the answers to ``input_keys`` from a dict holding every visible key (C speed).
    read: Callable[[Mapping[str, str | None]], object]

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
    # Visible questions of its controls, sorted: the candidates for "answers that drove it",
    # and all that its result depends on.
    question_keys: tuple[str, ...]
    signature: int
    control_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """All a report needs that depends only on the scope and the scoping answers."""

    in_scope_refs: frozenset[str]
    visible: frozenset[str]
    controls: tuple[_ControlPlan, ...]
    criteria: tuple[_CriterionPlan, ...]
    questions: tuple[EngineQuestion, ...]
    question_keys: frozenset[str]
    # Visible scored questions with the gap each raises while unanswered.
    unanswered: tuple[tuple[str, _Ranked], ...]


_PLAN_CACHE_SIZE = 512
_RESULTS_SIZE = 50_000  # about 400 bytes an entry: 20 MB at most per catalog version


def plan(model: EngineModel, scope: frozenset[str], answers: Mapping[str, str]) -> _Plan:
    """The plan for ``scope`` and the scoping answers in ``answers``, cached on the model."""
    scoping = {k: answers[k] for k in model.scoping_keys if k in answers}
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
            model,
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
        question_keys = tuple(sorted(keys))
        criteria_plans.append(
            _CriterionPlan(
                criterion,
                members,
                question_keys,
                _signature(model, ("criterion", criterion.ref, question_keys)),
                tuple(c.key for c in members),
            )
        )
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
        question_keys=frozenset(q.key for q in model.questions if q.key in visible),
        unanswered=tuple(unanswered),
    )


def _signature(model: EngineModel, inputs: tuple[object, ...]) -> int:
    """A small id for a set of inputs; distinct sets get distinct ids (never reused)."""
    return model.signatures.setdefault(inputs, len(model.signatures))


def _plan_control(
    model: EngineModel,
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
    design_keys = tuple(q.key for q in design)
    operating_keys = tuple(q.key for q in operating)
    ev_keys = tuple(q.key for q in evidence)
    input_keys = design_keys + operating_keys + ev_keys
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
        input_keys=input_keys,
        read=itemgetter(*input_keys) if input_keys else _nothing,
        signature=_signature(model, ("control", control.key, design_keys, operating_keys, ev_keys)),
    )


class _Run:
    """One evaluation over a plan; holds the answers so helpers stay small."""

    def __init__(self, plan: _Plan, answers: Mapping[str, str], params: Parameters) -> None:
        self.plan = plan
        self.params = params
        self.type2 = params.audit_type is AuditType.TYPE_2
        self.answers = {k: answers[k] for k in plan.visible & answers.keys()}

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

    def controls(self, model: EngineModel) -> _ControlPass:
        """Every in-scope control's result, and in the same pass the gaps it raises and
        what the timeline needs of it.

        A control's result depends only on the answers to its visible questions (and the
        audit type and window), so it is looked up in the model's memo by exactly those
        inputs: a save that changes a few answers recomputes a few controls. Each entry
        gets a serial number, never reused, that criteria are keyed by in turn."""
        memo = model.results.setdefault((self.type2, self.params.window_months), {})
        window = self.params.window_months
        # Every visible key, None where unanswered, so each control reads its inputs
        # with one itemgetter call.
        slots: dict[str, str | None] = dict.fromkeys(self.plan.visible)
        slots.update(self.answers)
        walk = _ControlPass()
        results, serials, found = walk.results, walk.serials, walk.found
        for planned in self.plan.controls:
            key = (planned.signature, planned.read(slots))
            entry = memo.get(key)
            if entry is None:
                entry = memo[key] = (self.control(planned), next(model.serials))
            result: ControlResult
            serial: int
            result, serial = entry  # type: ignore[misc]
            results[planned.control.key] = result
            serials[planned.control.key] = serial
            status = result.status
            if status is ControlStatus.IMPLEMENTED or status is ControlStatus.PARTIAL:
                months = result.months_operated
                if status is ControlStatus.PARTIAL:
                    found.append(planned.design_partial)
                    walk.design_weeks.append(planned.control.effort_weeks * PARTIAL_EFFORT_SHARE)
                    walk.held_to_design = True
                elif months is None:
                    walk.held_to_today = True
                elif walk.youngest is None or months < walk.youngest:
                    walk.youngest = months
                if self.type2 and months is not None and months < window:
                    found.append(planned.operating(months, window))
                if result.evidence is not None and result.evidence < IMPLEMENTED_AT:
                    found.append(planned.no_evidence)
            elif status is ControlStatus.MISSING:
                found.append(planned.design_missing)
                walk.design_weeks.append(float(planned.control.effort_weeks))
                walk.held_to_design = True
            elif status is ControlStatus.UNKNOWN:
                walk.held_to_design = True
        return walk

    def gaps(self, walk: _ControlPass) -> list[Gap]:
        answers = self.answers
        found = walk.found
        found.extend(ranked for key, ranked in self.plan.unanswered if key not in answers)
        found.sort(key=_RANK)
        return [gap for _, gap in found]

    def timeline(self, walk: _ControlPass) -> tuple[date | None, date | None]:
        today = self.params.today
        # Controls with a DESIGN gap need their effort (three work streams); they and the
        # unknown ones hold the window start until the design work is done.
        weeks = max(max(walk.design_weeks, default=0.0), sum(walk.design_weeks) / PARALLEL_STREAMS)
        designed_by = today + timedelta(days=math.ceil(weeks * 7))
        if not self.type2:
            return designed_by, designed_by + REPORTING_LAG
        window = self.params.window_months
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


@dataclass(slots=True)
class _ControlPass:
    """What one pass over the controls collects."""

    results: dict[str, ControlResult] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    found: list[_Ranked] = field(default_factory=list)
    design_weeks: list[float] = field(default_factory=list)
    held_to_design: bool = False
    held_to_today: bool = False
    youngest: int | None = None


def evaluate(model: EngineModel, answers: Mapping[str, str], params: Parameters) -> Report:
    """The readiness report for one assessment's answers."""
    planned = plan(model, params.scope, answers)
    run = _Run(planned, answers, params)
    # Results are memoised by their exact inputs (see ``_Run.controls``); the memo is
    # emptied when it reaches _RESULTS_SIZE entries, so it stays bounded.
    if sum(map(len, model.results.values())) >= _RESULTS_SIZE:
        model.results.clear()
    walk = run.controls(model)
    controls, serials = walk.results, walk.serials
    memo = model.results[(run.type2, params.window_months)]
    criteria: list[CriterionResult] = []
    for c in planned.criteria:
        # Equal serials of its controls mean equal answers to all its questions.
        inputs = (c.signature, tuple(map(serials.__getitem__, c.control_keys)))
        found = memo.get(inputs)
        if found is None:
            found = memo[inputs] = run.criterion(c, controls)
        criteria.append(found)  # type: ignore[arg-type]

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
    start, report_date = run.timeline(walk)
    gaps = run.gaps(walk)
    answered = len(planned.question_keys & run.answers.keys())
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
