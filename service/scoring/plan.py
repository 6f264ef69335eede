"""What a report needs that depends only on the scope and the scoping answers.

A plan lists the visible questions, the in-scope controls and criteria, and
every gap each control can raise, built once and reused (see ``memo``) by
every report with the same scope and scoping answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from service.scoring import texts
from service.scoring.memo import EngineMemo, memo_of
from service.scoring.model import (
    Blocker,
    BlockerReason,
    EngineControl,
    EngineCriterion,
    EngineModel,
    EngineQuestion,
    Gap,
    GapKind,
    Hold,
    Role,
)
from service.scoring.rules import SEVERITY_ORDER, gap_severity

# A gap with its place in the report's order: (severity, criterion, control, kind, question).
Ranked = tuple[tuple[int, int, str, str, int], Gap]

RANK = itemgetter(0)  # a ranked gap's sort key


def _nothing(_answers: Mapping[str, str | None]) -> object:
    return ()


def ranked(gap: Gap, criterion_order: int, question_index: int = 0) -> Ranked:
    key = (SEVERITY_ORDER[gap.severity], criterion_order, gap.control or "", gap.kind)
    return (*key, question_index), gap


@dataclass(frozen=True, slots=True)
class ControlPlan:
    """One in-scope control: its visible questions and the gaps it can raise, built once."""

    control: EngineControl
    design: tuple[EngineQuestion, ...]
    operating_qs: tuple[EngineQuestion, ...]
    evidence: tuple[EngineQuestion, ...]
    # The in-scope criterion with the highest weight: where the control's gaps are filed.
    primary: str
    primary_order: int
    criteria: tuple[str, ...]
    # The primary criterion's weight: with the kind and key status, a gap's severity.
    weight: int
    design_missing: Ranked
    design_partial: Ranked
    no_evidence: Ranked
    _operating: dict[tuple[int, int], Ranked]
    # The visible questions the result depends on, and an id for that set (memo keys).
    input_keys: tuple[str, ...]
    signature: int
    # Reads the answers to ``input_keys`` from a dict holding every visible key (C speed).
    read: Callable[[Mapping[str, str | None]], object]

    def hold(
        self, reason: BlockerReason, weeks: float | None = None, until: date | None = None
    ) -> Hold:
        """What this control could hold the window's start with (see ``timeline``)."""
        control = self.control
        blocker = Blocker(control.key, reason, until, self.criteria) if until else None
        rank = (-(weeks or 0.0), control.key)
        return Hold(control.key, reason, self.criteria, control.key_control, weeks, blocker, rank)

    def operating(self, months: int, window: int) -> Ranked:
        """The OPERATING gap for ``months`` of ``window``; few distinct values, so cached."""
        cached = self._operating.get((months, window))
        if cached is None:
            control = self.control
            title, remediation = texts.operating(control, months, window)
            cached = ranked(
                Gap(
                    kind=GapKind.OPERATING,
                    severity=gap_severity(
                        GapKind.OPERATING, key_control=control.key_control, weight=self.weight
                    ),
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
class CriterionPlan:
    criterion: EngineCriterion
    controls: tuple[EngineControl, ...]
    # Visible questions of its controls, sorted: the candidates for "answers that drove it",
    # and all that its result depends on.
    question_keys: tuple[str, ...]
    signature: int
    control_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """All a report needs that depends only on the scope and the scoping answers."""

    in_scope_refs: frozenset[str]
    visible: frozenset[str]
    controls: tuple[ControlPlan, ...]
    criteria: tuple[CriterionPlan, ...]
    questions: tuple[EngineQuestion, ...]
    question_keys: frozenset[str]
    # Visible scored questions with the gap each raises while unanswered.
    unanswered: tuple[tuple[str, Ranked], ...]
    # Controls with a visible operating (MONTHS) question: their age is asked.
    timed: frozenset[str]


def plan(model: EngineModel, scope: frozenset[str], answers: Mapping[str, str]) -> Plan:
    """The plan for ``scope`` and the scoping answers in ``answers``, cached on the model."""
    scoping = {k: answers[k] for k in model.scoping_keys if k in answers}
    memo = memo_of(model)
    key = (scope, tuple(sorted(scoping.items())))
    return memo.plan(key, lambda: _build(model, memo, scope, scoping))


def _build(
    model: EngineModel, memo: EngineMemo, scope: frozenset[str], scoping: Mapping[str, str]
) -> Plan:
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

    controls: dict[str, ControlPlan] = {}
    for control in model.controls:
        if control.key not in relevant:
            continue
        controls[control.key] = _plan_control(
            memo,
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
            CriterionPlan(
                criterion,
                members,
                question_keys,
                memo.signature(("criterion", criterion.ref, question_keys)),
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
            severity=gap_severity(
                GapKind.UNANSWERED,
                key_control=planned.control.key_control,
                weight=criterion_of[planned.primary].weight,
            ),
            criterion=planned.primary,
            criteria=planned.criteria,
            control=planned.control.key,
            question=question.key,
            title=title,
            remediation=remediation,
            effort_weeks=0,
        )
        unanswered.append((question.key, ranked(gap, planned.primary_order, index)))
    return Plan(
        in_scope_refs=in_scope,
        visible=visible,
        controls=tuple(controls.values()),
        criteria=tuple(criteria_plans),
        questions=tuple(q for q in model.questions if q.key in visible),
        question_keys=frozenset(q.key for q in model.questions if q.key in visible),
        unanswered=tuple(unanswered),
        timed=frozenset(k for k, c in controls.items() if c.operating_qs),
    )


def _plan_control(
    memo: EngineMemo,
    control: EngineControl,
    *,
    criteria: tuple[str, ...],
    criterion_of: Mapping[str, EngineCriterion],
    order: Mapping[str, int],
    design: tuple[EngineQuestion, ...],
    operating: tuple[EngineQuestion, ...],
    evidence: tuple[EngineQuestion, ...],
) -> ControlPlan:
    primary = max(criteria, key=lambda r: criterion_of[r].weight)
    weight = criterion_of[primary].weight

    def gap(kind: GapKind, missing: bool, words: tuple[str, str], effort: int) -> Gap:
        return Gap(
            kind=kind,
            severity=gap_severity(
                kind, key_control=control.key_control, weight=weight, missing=missing
            ),
            criterion=primary,
            criteria=criteria,
            control=control.key,
            question=None,
            title=words[0],
            remediation=words[1],
            effort_weeks=effort,
        )

    missing = gap(GapKind.DESIGN, True, texts.design(control, partial=False), control.effort_weeks)
    partial = gap(GapKind.DESIGN, False, texts.design(control, partial=True), control.effort_weeks)
    no_evidence = gap(GapKind.EVIDENCE, False, texts.evidence(control), 1)
    rank = order[primary]
    design_keys = tuple(q.key for q in design)
    operating_keys = tuple(q.key for q in operating)
    ev_keys = tuple(q.key for q in evidence)
    input_keys = design_keys + operating_keys + ev_keys
    return ControlPlan(
        control=control,
        design=design,
        operating_qs=operating,
        evidence=evidence,
        primary=primary,
        primary_order=rank,
        criteria=criteria,
        weight=weight,
        design_missing=ranked(missing, rank),
        design_partial=ranked(partial, rank),
        no_evidence=ranked(no_evidence, rank),
        _operating={},
        input_keys=input_keys,
        read=itemgetter(*input_keys) if input_keys else _nothing,
        # The in-scope criteria are part of it: the gaps and holds kept with a result
        # name them (and the primary criterion), so another scope is another entry.
        signature=memo.signature(
            ("control", control.key, criteria, design_keys, operating_keys, ev_keys)
        ),
    )
