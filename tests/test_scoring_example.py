"""The worked example of docs/scoring.md, computed by the engine."""

from __future__ import annotations

from datetime import date

from service.assessment.engine_model import build_engine_model
from service.scoring import evaluate
from service.scoring.model import AuditType, Parameters
from tests import catalog_samples
from tests.scoring_support import versions


def test_worked_example_matches_the_documentation() -> None:
    model = build_engine_model(
        *versions(catalog_samples.framework(), catalog_samples.questionnaire())
    )
    answers = {
        "scope.personal_data": "yes",
        "iam.reviews": "yes",
        "iam.months": "2",
        "log.central": "3",
    }
    report = evaluate(
        model,
        answers,
        Parameters(frozenset({"SECURITY", "PRIVACY"}), AuditType.TYPE_2, 6, date(2026, 11, 23)),
    )
    assert {c.key: (c.status.value, c.score) for c in report.controls} == {
        "IAM-01": ("IMPLEMENTED", 90.0),
        "LOG-01": ("PARTIAL", 70.0),
        "PRV-01": ("UNKNOWN", 0.0),
    }
    assert {c.ref: (c.status.value, c.score, c.drivers) for c in report.criteria} == {
        "CC1.1": ("MET", 90.0, ("iam.months", "iam.reviews")),
        "CC1.2": ("PARTIAL", 70.0, ("log.central",)),
        "P1.1": ("NOT_ASSESSED", 0.0, ()),
    }
    assert [(c.category, c.score, c.criteria_met, c.criteria_total) for c in report.categories] == [
        ("SECURITY", 82.0, 1, 2),
        ("PRIVACY", 0.0, 0, 1),
    ]
    assert (report.readiness, report.completeness) == (58.57, 80.0)
    assert [(g.kind.value, g.severity.value, g.control) for g in report.gaps] == [
        ("OPERATING", "HIGH", "IAM-01"),
        ("DESIGN", "MEDIUM", "LOG-01"),
        ("UNANSWERED", "LOW", "PRV-01"),
    ]
    assert report.earliest_observation_start == date(2026, 12, 4)
    assert report.earliest_report_date == date(2027, 7, 16)
    type1 = evaluate(
        model, answers, Parameters(frozenset({"SECURITY"}), AuditType.TYPE_1, 6, date(2026, 11, 23))
    )
    assert not [g for g in type1.gaps if g.kind.value == "OPERATING"]
    assert type1.earliest_report_date == date(2026, 12, 4) + (date(2027, 1, 15) - date(2026, 12, 4))
