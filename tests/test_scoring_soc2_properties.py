"""The engine's properties again, on the real SOC 2 catalog (evidence questions included),
and the EVIDENCE gap, which the small sample catalog cannot raise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.assessment.engine_model import build_engine_model
from service.catalog.loader import read_bundle
from service.scoring import evaluate
from service.scoring.model import (
    NOT_APPLICABLE,
    AuditType,
    BlockerReason,
    CarveOut,
    GapKind,
    Parameters,
    Role,
    TimelineStatus,
)
from service.scoring.rules import add_months
from tests.scoring_support import answer_values, answers_strategy, versions
from tests.test_scoring_properties import all_scores

ROOT = Path(__file__).resolve().parent.parent
_framework, _questionnaires = read_bundle(ROOT / "frameworks" / "soc2")
assert _framework is not None
FRAMEWORK, QUESTIONNAIRE = versions(_framework, _questionnaires[0])
MODEL = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
VALUES = answer_values(MODEL, QUESTIONNAIRE)
ANSWERS = answers_strategy(VALUES)
ALL_IN = frozenset({"SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY"})
PARAMS = st.builds(
    Parameters,
    scope=st.sets(st.sampled_from(sorted(ALL_IN | {"PRIVACY"}))).map(
        lambda s: frozenset({"SECURITY", *s})
    ),
    audit_type=st.sampled_from(list(AuditType)),
    window_months=st.integers(3, 12),
    today=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    # A carve-out cloud provider, its report current or not, or none.
    carve_outs=st.sampled_from(
        [
            (),
            (CarveOut("cloud", frozenset({"CC6.4", "A1.2"}), True),),
            (CarveOut("cloud", frozenset({"CC6.4", "A1.2"}), False),),
        ]
    ),
    monitoring_control=st.just("VND-05"),
)
TYPE2 = Parameters(ALL_IN | {"PRIVACY"}, AuditType.TYPE_2, 6, date(2026, 11, 23))
SCORED = [q for q in MODEL.questions if q.role is not Role.SCOPING]


def best_design() -> dict[str, str]:
    """Scoping says yes to everything; design and operating answers are the best."""
    answers = {}
    for question in MODEL.questions:
        ladder = [v for v in VALUES[question.key] if v != NOT_APPLICABLE]
        if question.role is Role.SCOPING:
            answers[question.key] = "yes" if "yes" in ladder else ladder[0]
        elif question.role in (Role.DESIGN, Role.OPERATING):
            answers[question.key] = ladder[-1]
    return answers


@settings(max_examples=40, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_scores_are_bounded(answers: dict[str, str], params: Parameters) -> None:
    report = evaluate(MODEL, answers, params)
    assert all(0.0 <= s <= 100.0 for s in all_scores(report).values())
    assert 0.0 <= report.completeness <= 100.0


@settings(max_examples=60, deadline=None)
@given(answers=ANSWERS, params=PARAMS, data=st.data())
def test_improving_one_answer_never_lowers_any_score(
    answers: dict[str, str], params: Parameters, data: st.DataObject
) -> None:
    question = data.draw(st.sampled_from(SCORED))
    ladder = [v for v in VALUES[question.key] if v != NOT_APPLICABLE]
    low = data.draw(st.integers(0, len(ladder) - 1))
    high = data.draw(st.integers(low, len(ladder) - 1))
    before = all_scores(evaluate(MODEL, {**answers, question.key: ladder[low]}, params))
    after = all_scores(evaluate(MODEL, {**answers, question.key: ladder[high]}, params))
    assert all(after[name] >= before[name] for name in before), question.key


@settings(max_examples=40, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_unanswered_evidence_is_an_unanswered_gap_never_an_evidence_gap(
    answers: dict[str, str], params: Parameters
) -> None:
    report = evaluate(MODEL, answers, params)
    for gap in report.gaps:
        if gap.kind is GapKind.EVIDENCE:
            asked = [q.key for q in MODEL.evidence_questions[str(gap.control)]]
            assert any(answers.get(k) not in (None, NOT_APPLICABLE) for k in asked), gap


def test_evidence_answered_no_is_an_evidence_gap_and_blank_is_unanswered() -> None:
    answers = best_design()
    blank = evaluate(MODEL, answers, TYPE2)
    assert not [g for g in blank.gaps if g.kind is GapKind.EVIDENCE]
    evidence_keys = {q.key for qs in MODEL.evidence_questions.values() for q in qs}
    unanswered = {g.question for g in blank.gaps if g.kind is GapKind.UNANSWERED}
    assert evidence_keys & unanswered, "blank evidence questions are reported as unanswered"

    without = {**answers, **{k: VALUES[k][0] for k in evidence_keys}}
    report = evaluate(MODEL, without, TYPE2)
    flagged = {g.control for g in report.gaps if g.kind is GapKind.EVIDENCE}
    in_scope = {c.key for c in report.controls if c.status.value in ("IMPLEMENTED", "PARTIAL")}
    expected = {k for k in MODEL.evidence_questions if k in in_scope}
    assert flagged and flagged == expected
    gap = next(g for g in report.gaps if g.kind is GapKind.EVIDENCE)
    assert gap.title.endswith("runs without evidence an auditor can sample")
    assert gap.effort_weeks == 1
    # Evidence kept raises readiness; no evidence never beats unanswered.
    kept = {**answers, **{k: VALUES[k][-1] for k in evidence_keys if VALUES[k][-1] != "n/a"}}
    assert evaluate(MODEL, kept, TYPE2).readiness > report.readiness
    assert report.readiness >= blank.readiness


@settings(max_examples=40, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_memoised_results_equal_a_cold_computation(
    answers: dict[str, str], params: Parameters
) -> None:
    """The model memoises control and criterion results by their inputs; a model that
    has seen many other reports gives the same report as a fresh one."""
    cold = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    assert evaluate(MODEL, answers, params) == evaluate(cold, answers, params)


@settings(max_examples=30, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_a_memo_warmed_by_another_scope_gives_the_same_report(
    answers: dict[str, str], params: Parameters
) -> None:
    """Results kept for one scope never leak into another's report (gaps and holds name
    the in-scope criteria)."""
    warm = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    other = replace(params, scope=frozenset({"SECURITY"}) if len(params.scope) > 1 else ALL_IN)
    evaluate(warm, answers, other)
    fresh = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    assert evaluate(warm, answers, params) == evaluate(fresh, answers, params)


def test_the_result_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.scoring.memo import EngineMemo, memo_of

    monkeypatch.setattr(EngineMemo, "RESULTS_LIMIT", 500)
    model = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    answers = best_design()
    for months in range(13):
        for window in range(3, 13):
            params = Parameters(ALL_IN, AuditType.TYPE_2, window, TYPE2.today)
            report = evaluate(model, {**answers, "ops.iam.months": str(months)}, params)
            stored = memo_of(model).results_size()
            assert stored <= 500 + len(report.controls) + len(report.criteria)
    fresh = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    assert evaluate(model, answers, TYPE2) == evaluate(fresh, answers, TYPE2)


def dated(answers: dict[str, str], today: date) -> dict[str, str]:
    """MONTHS answers as the day they were anchored to, as stored answers reach the engine
    (only those: a maturity answer is digits too)."""
    return {
        key: (
            add_months(today, -int(value)).isoformat()
            if key in MODEL.months_keys and value.isdigit()
            else value
        )
        for key, value in answers.items()
    }


@settings(max_examples=60, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_blockers_explain_the_window_start_exactly(
    answers: dict[str, str], params: Parameters
) -> None:
    timeline = evaluate(MODEL, answers, params).timeline
    if timeline.status is TimelineStatus.INSUFFICIENT_ANSWERS:
        assert timeline.earliest_observation_start is None and not timeline.blockers
        return
    start = timeline.earliest_observation_start
    assert start is not None and timeline.earliest_report_date is not None
    holds = [b.holds_start_until for b in timeline.blockers]
    floor = add_months(params.today, -params.window_months)
    if params.audit_type is AuditType.TYPE_2:
        assert start == max([floor, *holds])
        assert all(day > floor for day in holds)
    else:
        assert start == max([params.today, *holds])
        assert {b.reason for b in timeline.blockers} <= {
            BlockerReason.DESIGN_GAP,
            BlockerReason.UNANSWERED,
        }
    assert holds == sorted(holds, reverse=True)
    assert len({b.control for b in timeline.blockers}) == len(holds)
    assert timeline.status is (
        TimelineStatus.PLANNED if start > params.today else TimelineStatus.READY
    )
    assert timeline.latest_report_date is not None
    assert timeline.earliest_report_date <= timeline.latest_report_date


@settings(max_examples=60, deadline=None)
@given(answers=ANSWERS, days=st.integers(1, 120))
def test_dates_never_come_earlier_as_time_passes_and_hold_while_only_controls_run(
    answers: dict[str, str], days: int
) -> None:
    """With dated answers, a later report's day never brings the dates earlier; and when
    only controls' operating history holds the start, the dates do not move at all."""
    stored = dated(answers, TYPE2.today)
    now = evaluate(MODEL, stored, TYPE2).timeline
    later_params = Parameters(TYPE2.scope, TYPE2.audit_type, 6, TYPE2.today + timedelta(days))
    later = evaluate(MODEL, stored, later_params).timeline
    insufficient = TimelineStatus.INSUFFICIENT_ANSWERS
    assert (now.status is insufficient) == (later.status is insufficient)  # answers decide it
    if now.earliest_observation_start is None or later.earliest_observation_start is None:
        return
    assert later.earliest_observation_start >= now.earliest_observation_start
    assert later.earliest_report_date is not None and now.earliest_report_date is not None
    assert later.earliest_report_date >= now.earliest_report_date
    only_running = all(b.reason is BlockerReason.OPERATING_HISTORY for b in now.blockers)
    window_still_fits = add_months(later_params.today, -6) <= now.earliest_observation_start
    if only_running and now.blockers and window_still_fits:
        assert later.earliest_observation_start == now.earliest_observation_start
        assert later.earliest_report_date == now.earliest_report_date
