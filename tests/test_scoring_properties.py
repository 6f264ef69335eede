"""Properties of the gap engine, each a hypothesis test over random answers."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from service.assessment.engine_model import build_engine_model
from service.scoring import evaluate
from service.scoring.model import (
    NOT_APPLICABLE,
    AuditType,
    ControlStatus,
    EngineQuestion,
    GapKind,
    Parameters,
    Report,
    Role,
)
from tests import catalog_samples
from tests.scoring_support import answer_values, answers_strategy, versions

FRAMEWORK, QUESTIONNAIRE = versions(catalog_samples.framework(), catalog_samples.questionnaire())
MODEL = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
VALUES = answer_values(MODEL, QUESTIONNAIRE)
ANSWERS = answers_strategy(VALUES)
PARAMS = st.builds(
    Parameters,
    scope=st.sets(st.sampled_from(["PRIVACY"])).map(lambda s: frozenset({"SECURITY", *s})),
    audit_type=st.sampled_from(list(AuditType)),
    window_months=st.integers(3, 12),
    today=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)


def all_scores(report: Report) -> dict[str, float]:
    scores = {"readiness": report.readiness}
    scores |= {f"category:{c.category}": c.score for c in report.categories}
    scores |= {f"criterion:{c.ref}": c.score for c in report.criteria}
    scores |= {f"control:{c.key}": c.score for c in report.controls}
    return scores


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_scores_are_bounded(answers: dict[str, str], params: Parameters) -> None:
    report = evaluate(MODEL, answers, params)
    for name, score in all_scores(report).items():
        assert 0.0 <= score <= 100.0, name
    assert 0.0 <= report.completeness <= 100.0


@settings(max_examples=400, deadline=None)
@given(answers=ANSWERS, params=PARAMS, data=st.data())
def test_improving_one_answer_never_lowers_any_score(
    answers: dict[str, str], params: Parameters, data: st.DataObject
) -> None:
    scored = [q for q in MODEL.questions if q.role is not Role.SCOPING]
    question = data.draw(st.sampled_from(scored))
    ladder = [v for v in VALUES[question.key] if v != NOT_APPLICABLE]
    low = data.draw(st.integers(0, len(ladder) - 1))
    high = data.draw(st.integers(low, len(ladder) - 1))
    worse = evaluate(MODEL, {**answers, question.key: ladder[low]}, params)
    better = evaluate(MODEL, {**answers, question.key: ladder[high]}, params)
    before, after = all_scores(worse), all_scores(better)
    for name in before:
        assert after[name] >= before[name], (name, question.key, ladder[low], ladder[high])


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_not_applicable_is_excluded_not_failed(answers: dict[str, str], params: Parameters) -> None:
    answers = {**answers, "log.central": NOT_APPLICABLE}
    report = evaluate(MODEL, answers, params)
    log = next(c for c in report.controls if c.key == "LOG-01")
    assert log.status is ControlStatus.NOT_APPLICABLE
    assert not any(g.control == "LOG-01" for g in report.gaps)
    criterion = next(c for c in report.criteria if c.ref == "CC1.2")
    assert criterion.status.value == "NOT_APPLICABLE"
    worst = evaluate(MODEL, {**answers, "log.central": "0"}, params)
    assert report.readiness >= worst.readiness


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_unanswered_questions_are_gaps_not_noes(
    answers: dict[str, str], params: Parameters
) -> None:
    report = evaluate(MODEL, answers, params)
    unanswered = {g.question for g in report.gaps if g.kind is GapKind.UNANSWERED}
    relevant = {
        q.key
        for q in MODEL.questions
        if q.role is not Role.SCOPING
        and q.key not in answers
        and (
            q.key != "prv.notice"
            or ("PRIVACY" in params.scope and answers.get("scope.personal_data") == "yes")
        )
    }
    assert unanswered == relevant
    if relevant:
        assert report.completeness < 100.0
    for control in report.controls:
        design_keys = [q.key for q in MODEL.design_questions.get(control.key, ())]
        if design_keys and all(k not in answers for k in design_keys):
            assert control.status in (ControlStatus.UNKNOWN, ControlStatus.NOT_APPLICABLE)
            assert not any(
                g.kind is GapKind.DESIGN and g.control == control.key for g in report.gaps
            )


@settings(max_examples=200, deadline=None)
@given(answers=ANSWERS, params=PARAMS, seed=st.integers())
def test_order_of_answers_is_irrelevant_and_output_deterministic(
    answers: dict[str, str], params: Parameters, seed: int
) -> None:
    items = list(answers.items())
    random.Random(seed).shuffle(items)
    assert evaluate(MODEL, dict(items), params) == evaluate(MODEL, answers, params)
    assert evaluate(MODEL, answers, params) == evaluate(MODEL, answers, params)


@settings(max_examples=200, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_type_1_never_reports_operating_gaps(answers: dict[str, str], params: Parameters) -> None:
    type1 = Parameters(params.scope, AuditType.TYPE_1, params.window_months, params.today)
    assert not any(g.kind is GapKind.OPERATING for g in evaluate(MODEL, answers, type1).gaps)


MULTI = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]), st.floats(0, 1), min_size=1, max_size=5
)


@given(MULTI, st.data())
def test_multi_choice_scores_stay_in_range_and_never_drop_when_adding_a_practice(
    scores: dict[str, float], data: st.DataObject
) -> None:
    question = EngineQuestion(
        key="q",
        text="q",
        role=Role.DESIGN,
        weight=1.0,
        controls=("C",),
        scores=scores,
        multiple=True,
    )
    chosen = data.draw(st.lists(st.sampled_from(sorted(scores)), min_size=1, unique=True))
    extra = data.draw(st.sampled_from(sorted(scores)))
    value = ",".join(chosen)
    assert 0.0 <= question.score(value) <= 1.0
    assert question.score(f"{value},{extra}") >= question.score(value)
