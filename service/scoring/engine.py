"""The gap engine: answers in, a traceable Type I/II readiness report out.

This module walks a plan (``plan``) over the answers; the thresholds are in
``rules``, the window and report date in ``timeline``, the caches in ``memo``.

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

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date

from service.scoring.memo import ControlEntry, memo_of
from service.scoring.model import (
    NOT_APPLICABLE,
    AuditType,
    BlockerReason,
    CategoryResult,
    ControlResult,
    ControlStatus,
    CriterionResult,
    CriterionStatus,
    EngineControl,
    EngineModel,
    EngineQuestion,
    Gap,
    History,
    Hold,
    OperatingSource,
    Parameters,
    Report,
)
from service.scoring.plan import RANK, ControlPlan, CriterionPlan, Plan, Ranked, plan
from service.scoring.rules import (
    DESIGN_SHARE,
    EVIDENCE_SHARE,
    IMPLEMENTED_AT,
    KEY_CONTROL_WEIGHT,
    MET_AT,
    OPERATING_SHARE,
    PARTIAL_AT,
    PARTIAL_CRITERION_AT,
    PARTIAL_EFFORT_SHARE,
    category_order,
    months_between,
    running_since,
)
from service.scoring.subservice import through_providers
from service.scoring.timeline import ControlPass, timeline


class _Run:
    """One evaluation over a plan; holds the answers so helpers stay small."""

    def __init__(self, plan: Plan, answers: Mapping[str, str], params: Parameters) -> None:
        self.plan = plan
        self.params = params
        self.type2 = params.audit_type is AuditType.TYPE_2
        self.answers = {k: answers[k] for k in plan.visible & answers.keys()}
        self.ledger: dict[str, History] = dict(params.ledger)

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

    def control(self, planned: ControlPlan) -> ControlResult:
        key = planned.control.key
        design_qs, operating_qs, evidence_qs = (
            planned.design,
            planned.operating_qs,
            planned.evidence,
        )

        today = self.params.today
        ledgered = self.ledger.get(key)
        source: OperatingSource | None = None
        evidence: float | None = None
        evidence_factor = 1.0
        if ledgered is not None:
            # Occurrences on file outweigh what was said: the run and its evidence.
            since: date | None = ledgered.since
            source = OperatingSource.LEDGER
            evidence = evidence_factor = ledgered.evidence
        else:
            # The longest-running of its operating answers says since when it runs.
            started = [
                since
                for q in operating_qs
                if (value := self.answers.get(q.key)) is not None
                and (since := running_since(value, today)) is not None
            ]
            since = min(started) if started else None
            source = OperatingSource.ANSWERS if since is not None else None
            # Evidence as answered decides the EVIDENCE gap (an unanswered question is an
            # UNANSWERED gap, never a silent "no"); the score counts unanswered as 0 weight
            # earned, as for design, so answering can only raise it.
            if evidence_qs:
                ev_total, ev_all, ev_answered, _ = self._mean(evidence_qs)
                if ev_all > 0:
                    evidence_factor = ev_total / ev_all
                if ev_answered > 0:
                    evidence = ev_total / ev_answered
        operated = months_between(since, today) if since is not None else None
        timed = bool(operating_qs) or ledgered is not None

        total, weight_all, weight_answered, any_na = self._mean(design_qs)
        if weight_all == 0:
            # A ledger alone never makes a control applicable: one whose questions are all
            # hidden by scoping stays out of scope whatever is on file for it.
            if design_qs or any_na or not (operating_qs or evidence_qs):
                if ledgered is not None:
                    return ControlResult(key, ControlStatus.NOT_APPLICABLE, 0.0, 0.0, None, None)
                return ControlResult(
                    key, ControlStatus.NOT_APPLICABLE, 0.0, 0.0, operated, evidence, since, source
                )
            # No design question: a control known only by its operation.
            design = 1.0 if (operated or 0) > 0 else 0.0
            known = design if operated is not None else None
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

        # Design counts up to what an auditor accepts; refinements beyond it add nothing.
        score = min(1.0, design / IMPLEMENTED_AT)
        if self.type2:
            operating = min(1.0, (operated or 0) / self.params.window_months) if timed else 1.0
            score *= DESIGN_SHARE + OPERATING_SHARE * operating + EVIDENCE_SHARE * evidence_factor
        return ControlResult(
            key, status, round(100.0 * score, 2), design, operated, evidence, since, source
        )

    def criterion(
        self, planned: CriterionPlan, controls: Mapping[str, ControlResult]
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
        designed = score >= MET_AT and not any(
            c.key_control and r.status is ControlStatus.MISSING for c, r in members
        )
        # Met by design but not yet by operation: whether design work holds the window
        # must not change as months of operation accrue (see ``timeline``).
        pending = designed and self.type2 and not self._operated(members)
        if designed and not pending:
            status = CriterionStatus.MET
        elif score >= PARTIAL_CRITERION_AT:
            status = CriterionStatus.PARTIAL
        else:
            status = CriterionStatus.NOT_MET
        return CriterionResult(
            criterion.ref, criterion.category, status, score, drivers, operation_pending=pending
        )

    def _operated(self, members: list[tuple[EngineControl, ControlResult]]) -> bool:
        """Type II: every running member has a month of operation on record, and no key
        member's evidence was answered "no" (zero months can never read as MET)."""
        timed = self.plan.timed
        for control, result in members:
            if result.status is not ControlStatus.IMPLEMENTED and (
                result.status is not ControlStatus.PARTIAL
            ):
                continue
            ledgered = result.operating_source is OperatingSource.LEDGER
            if (control.key in timed or ledgered) and not result.months_operated:
                return False
            evidence = result.evidence
            if control.key_control and evidence is not None and evidence < IMPLEMENTED_AT:
                return False
        return True

    def consequences(self, planned: ControlPlan, result: ControlResult) -> ControlEntry:
        """What a control's result means for the report: the gaps it raises, what it could
        hold the window's start with, and its weight in the answered share (total, answered).
        Computed once per memo entry, like the result (the serial is filled in by the
        caller)."""
        control = planned.control
        status = result.status
        if status is ControlStatus.NOT_APPLICABLE:
            return (result, -1, (), (), (), 0.0, 0.0)
        weight = KEY_CONTROL_WEIGHT if control.key_control else 1.0
        if status is ControlStatus.UNKNOWN:
            # Pessimistic: a control nobody described is one to build.
            hold = planned.hold(BlockerReason.UNANSWERED, float(control.effort_weeks))
            return (result, -1, (), (hold,), (), weight, 0.0)
        if status is ControlStatus.MISSING:
            hold = planned.hold(BlockerReason.DESIGN_GAP, float(control.effort_weeks))
            return (result, -1, (planned.design_missing,), (hold,), (), weight, weight)
        gaps: list[Ranked] = []
        holds: list[Hold] = []
        if status is ControlStatus.PARTIAL:
            gaps.append(planned.design_partial)
            weeks = control.effort_weeks * PARTIAL_EFFORT_SHARE
            holds.append(planned.hold(BlockerReason.DESIGN_GAP, weeks))
        operated = result.months_operated
        no_evidence = result.evidence is not None and result.evidence < IMPLEMENTED_AT
        if no_evidence:
            gaps.append(planned.no_evidence)
        window = self.params.window_months
        if self.type2:
            if operated is not None and operated < window:
                gaps.append(planned.operating(operated, window))
            if planned.operating_qs or result.operating_source is OperatingSource.LEDGER:
                today = self.params.today
                if no_evidence:
                    # Runs without evidence cannot be tested: no back-dating for this control.
                    holds.append(planned.hold(BlockerReason.NO_EVIDENCE, until=today))
                elif result.operating_since is None:
                    holds.append(planned.hold(BlockerReason.UNANSWERED, until=today))
                else:
                    since = result.operating_since
                    holds.append(planned.hold(BlockerReason.OPERATING_HISTORY, until=since))
        by_design = tuple(h for h in holds if h.blocker is None)
        by_day = tuple(h for h in holds if h.blocker is not None)
        return (result, -1, tuple(gaps), by_design, by_day, weight, weight)

    def controls(
        self, memo: dict[Hashable, ControlEntry], serial: Callable[[], int]
    ) -> ControlPass:
        """Every in-scope control's result, and in the same pass the gaps it raises and
        what the timeline needs of it.

        A control's result depends only on the answers to its visible questions (and the
        audit type, window and day), so it is looked up in the model's memo by exactly
        those inputs, with its consequences: a save that changes a few answers recomputes
        a few controls. Each entry gets a serial number, never reused, that criteria are
        keyed by in turn."""
        # Every visible key, None where unanswered, so each control reads its inputs
        # with one itemgetter call.
        slots: dict[str, str | None] = dict.fromkeys(self.plan.visible)
        slots.update(self.answers)
        ledger = self.ledger
        walk = ControlPass()
        results, serials, found = walk.results, walk.serials, walk.found
        design, dated = walk.design, walk.dated
        weight_total = weight_answered = 0.0
        for planned in self.plan.controls:
            key = (planned.signature, planned.read(slots), ledger.get(planned.control.key))
            entry = memo.get(key)
            if entry is None:
                entry = self.consequences(planned, self.control(planned))
                entry = memo[key] = (entry[0], serial(), *entry[2:])
            result, number, gaps, by_design, by_day, total, answered = entry
            control_key = planned.control.key
            serials[control_key] = number
            results[control_key] = result
            if gaps:
                found.extend(gaps)
            if by_design:
                design.extend(by_design)
            if by_day:
                dated.extend(by_day)
            weight_total += total
            weight_answered += answered
        walk.weight_total, walk.weight_answered = weight_total, weight_answered
        return walk

    def gaps(self, walk: ControlPass) -> list[Gap]:
        answers = self.answers
        found = walk.found
        found.extend(ranked for key, ranked in self.plan.unanswered if key not in answers)
        found.sort(key=RANK)
        return [gap for _, gap in found]


def design_statuses(criteria: Iterable[CriterionResult]) -> dict[str, CriterionStatus]:
    """Each criterion's status as design alone decides it: a criterion waiting only for
    months of operation counts as MET, so that design work holds the window the same
    whatever day the report is read."""
    return {r.ref: CriterionStatus.MET if r.operation_pending else r.status for r in criteria}


def evaluate(model: EngineModel, answers: Mapping[str, str], params: Parameters) -> Report:
    """The readiness report for one assessment's answers."""
    planned = plan(model, params.scope, answers)
    run = _Run(planned, answers, params)
    # Results are memoised by their exact inputs (see ``_Run.controls``), bounded.
    memo = memo_of(model)
    control_memo, criterion_memo = memo.results_for(run.type2, params.window_months, params.today)
    walk = run.controls(control_memo, memo.serial)
    controls, serials = walk.results, walk.serials
    criteria: list[CriterionResult] = []
    for c in planned.criteria:
        # Equal serials of its controls mean equal answers to all its questions.
        inputs = (c.signature, tuple(map(serials.__getitem__, c.control_keys)))
        found = criterion_memo.get(inputs)
        if found is None:
            found = criterion_memo[inputs] = run.criterion(c, controls)
        criteria.append(found)
    if params.carve_outs:
        criteria, holds = through_providers(criteria, controls, params, run.type2)
        walk.dated.extend(holds)

    categories: list[CategoryResult] = []
    weight_of = {c.criterion.ref: c.criterion.weight for c in planned.criteria}
    pooled = pooled_weight = 0.0
    for category in sorted(params.scope, key=category_order):
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
    # The timeline depends on the holds and criterion results (memo entries, so the same
    # objects for the same inputs) and the parameters.
    held = (walk.design, walk.dated, criteria, params)
    identity = (tuple(map(id, walk.design)), tuple(map(id, walk.dated)), tuple(map(id, criteria)))
    dates = memo.timeline_for(
        held,
        (*identity, params),
        lambda: timeline(walk, design_statuses(criteria), params, run.type2),
    )
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
        earliest_observation_start=dates.earliest_observation_start,
        earliest_report_date=dates.earliest_report_date,
        answered=answered,
        total=total_questions,
        as_of=params.today,
        timeline=dates,
    )
