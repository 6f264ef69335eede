"""The worked example of docs/scoring.md, computed by the engine."""

from __future__ import annotations

from datetime import date

from service.assessment.engine_model import build_engine_model
from service.scoring import evaluate, operation
from service.scoring.model import AuditType, BlockerReason, Parameters, TimelineStatus
from tests import catalog_samples
from tests.scoring_support import versions

TODAY = date(2026, 11, 23)
MODEL = build_engine_model(*versions(catalog_samples.framework(), catalog_samples.questionnaire()))
BOTH = frozenset({"SECURITY", "PRIVACY"})
ANSWERS = {
    "scope.personal_data": "yes",
    "iam.reviews": "yes",
    # As stored: "2 months", answered on 2026-11-23, is anchored to the day it started.
    "iam.months": "2026-09-23",
    "log.central": "2",
    "prv.notice": "yes",
}


def test_worked_example_matches_the_documentation() -> None:
    report = evaluate(MODEL, ANSWERS, Parameters(BOTH, AuditType.TYPE_2, 6, TODAY))
    assert {c.key: (c.status.value, c.score, c.operating_since) for c in report.controls} == {
        "IAM-01": ("IMPLEMENTED", 90.0, date(2026, 9, 23)),
        "LOG-01": ("PARTIAL", 57.14, None),
        "PRV-01": ("IMPLEMENTED", 100.0, None),
    }
    assert {c.ref: (c.status.value, c.score) for c in report.criteria} == {
        "CC1.1": ("MET", 90.0),
        "CC1.2": ("PARTIAL", 57.14),
        "P1.1": ("MET", 100.0),
    }
    assert [(c.category, c.score, c.criteria_met, c.criteria_total) for c in report.categories] == [
        ("SECURITY", 76.86, 1, 2),
        ("PRIVACY", 100.0, 1, 1),
    ]
    assert (report.readiness, report.completeness) == (83.47, 100.0)
    assert [(g.kind.value, g.severity.value, g.control) for g in report.gaps] == [
        ("OPERATING", "MEDIUM", "IAM-01"),
        ("DESIGN", "LOW", "LOG-01"),
    ]
    timeline = report.timeline
    assert timeline.status is TimelineStatus.PLANNED
    assert [(b.control, b.reason, b.holds_start_until) for b in timeline.blockers] == [
        ("LOG-01", BlockerReason.DESIGN_GAP, date(2026, 12, 4)),
        ("IAM-01", BlockerReason.OPERATING_HISTORY, date(2026, 9, 23)),
    ]
    assert timeline.earliest_observation_start == report.earliest_observation_start
    assert report.earliest_observation_start == date(2026, 12, 4)
    assert report.earliest_report_date == date(2027, 7, 2)
    assert timeline.latest_report_date == date(2027, 8, 13)
    assert timeline.type1_report_date == date(2027, 1, 1)
    # Close LOG-01's gap and IAM-01's start holds it: the date it gives when it is done.
    assert timeline.report_date_without_latest == date(2027, 4, 20)

    type1 = evaluate(MODEL, ANSWERS, Parameters(BOTH, AuditType.TYPE_1, 6, TODAY))
    assert not [g for g in type1.gaps if g.kind.value == "OPERATING"]
    assert [b.reason for b in type1.timeline.blockers] == [BlockerReason.DESIGN_GAP]
    assert type1.earliest_report_date == date(2027, 1, 1)


def test_documented_and_followed_is_in_place_and_the_date_holds_as_time_passes() -> None:
    answers = {**ANSWERS, "log.central": "3"}
    now = evaluate(MODEL, answers, Parameters(BOTH, AuditType.TYPE_2, 6, TODAY))
    later = evaluate(MODEL, answers, Parameters(BOTH, AuditType.TYPE_2, 6, date(2027, 1, 22)))
    assert now.gaps[0].kind.value == "OPERATING"
    assert {c.status.value for c in now.controls} == {"IMPLEMENTED"}
    assert now.earliest_observation_start == later.earliest_observation_start == date(2026, 9, 23)
    assert now.earliest_report_date == later.earliest_report_date == date(2027, 4, 20)
    assert [b.reason for b in now.timeline.blockers] == [BlockerReason.OPERATING_HISTORY]
    assert now.timeline.status is later.timeline.status is TimelineStatus.READY
    assert {c.key: c.months_operated for c in later.controls}["IAM-01"] == 3


def test_an_empty_assessment_has_no_date() -> None:
    report = evaluate(MODEL, {}, Parameters(BOTH, AuditType.TYPE_2, 6, TODAY))
    assert report.timeline.status is TimelineStatus.INSUFFICIENT_ANSWERS
    assert report.earliest_report_date is None and report.timeline.blockers == ()


# The dry run's worked example: a monthly access review over a 12-month window.
DRY_RUN_WINDOW = operation.Window(date(2026, 3, 15), date(2027, 3, 14), date(2026, 11, 20))
REVIEWS = [
    operation.Occurrence(date(2026, 3, 3), passed=True, evidenced=True),
    operation.Occurrence(date(2026, 4, 2), passed=True, evidenced=True),
    operation.Occurrence(date(2026, 5, 4), passed=False, evidenced=True),  # late
    operation.Occurrence(date(2026, 6, 1), passed=True, evidenced=True),
    # July: nothing on file.
    operation.Occurrence(date(2026, 8, 3), passed=True, evidenced=True),
    operation.Occurrence(date(2026, 9, 1), passed=True, evidenced=False),
    operation.Occurrence(date(2026, 10, 1), passed=True, evidenced=True),
    operation.Occurrence(date(2026, 10, 28), passed=False, evidenced=True),  # unapproved
    operation.Occurrence(date(2026, 11, 3), passed=True, evidenced=True),
]


def test_dry_run_worked_example_matches_the_documentation() -> None:
    run = operation.dry_run(
        "MONTHLY",
        REVIEWS,
        DRY_RUN_WINDOW,
        profile=operation.DEFAULT_PROFILE,
        on_file=True,
    )
    assert [t.period.start.month for t in run.population] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert (run.expected, run.performed, run.exceptions, run.deviant) == (9, 9, 2, 2)
    assert run.missed == (operation.Period(date(2026, 7, 1), date(2026, 7, 31)),)
    assert run.sample_size == 2
    assert run.exception_probability == 15 / 36
    assert run.verdict is operation.Verdict.AT_RISK
    strict = operation.dry_run(
        "MONTHLY",
        REVIEWS,
        DRY_RUN_WINDOW,
        profile={**operation.DEFAULT_PROFILE, "MONTHLY": 5},
        on_file=True,
    )
    assert strict.exception_probability == 105 / 126
    assert strict.verdict is operation.Verdict.EXCEPTIONS_LIKELY
    history = operation.history("MONTHLY", REVIEWS, DRY_RUN_WINDOW.as_of)
    assert history == (date(2026, 8, 3), round(8 / 9, 4))
