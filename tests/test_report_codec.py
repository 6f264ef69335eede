"""A stored report reads back exactly as it was computed, gap words included."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import bson
from hypothesis import given, settings

from service.assessment.engine_model import build_engine_model
from service.assessment.report_codec import from_document, to_document
from service.catalog.loader import read_bundle
from service.catalog.validation import unpublished_versions
from service.scoring import evaluate
from service.scoring.model import AuditType, GapKind, Parameters
from tests.test_scoring_properties import ANSWERS, MODEL, PARAMS

ROOT = Path(__file__).resolve().parent.parent


def stored(document: dict[str, object]) -> dict[str, object]:
    """Through BSON, as the database keeps it (tuples come back as lists)."""
    return dict(bson.decode(bson.encode({"report": document}))["report"])


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, params=PARAMS)
def test_a_stored_report_reads_back_unchanged(answers: dict[str, str], params: Parameters) -> None:
    report = evaluate(MODEL, answers, params)
    assert from_document(stored(to_document(report, MODEL)), MODEL, params.window_months) == report
    assert from_document(stored(to_document(report)), MODEL, params.window_months) == report


def test_soc2_reports_read_back_unchanged_and_stay_small() -> None:
    framework, questionnaires = read_bundle(ROOT / "frameworks" / "soc2")
    assert framework is not None
    model = build_engine_model(*unpublished_versions(framework, questionnaires[0]))
    rng = random.Random(5)
    kinds: set[GapKind] = set()
    for window in (3, 6, 12):
        params = Parameters(
            scope=frozenset({"SECURITY", "AVAILABILITY", "CONFIDENTIALITY", "PRIVACY"}),
            audit_type=AuditType.TYPE_2,
            window_months=window,
            today=date(2026, 11, 23),
        )
        for _ in range(10):
            answers = {}
            for question in model.questions:
                if rng.random() < 0.1:
                    continue  # leave some unanswered
                options = list(question.scores) or [str(m) for m in range(13)]
                answers[question.key] = rng.choice(options)
            report = evaluate(model, answers, params)
            kinds |= {g.kind for g in report.gaps}
            document = to_document(report, model)
            assert from_document(stored(document), model, window) == report
            # The gap words come from the catalog, not from every stored report. The timeline
            # adds about 7 KB here (each control's operating-since day; one blocker per
            # control, its criteria left to the catalog), a tenth of the whole.
            assert len(bson.encode({"report": document})) < 72_000
    assert kinds == set(GapKind)
