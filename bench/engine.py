"""The gap engine alone: full SOC 2 reports per second on one core.

The floor is merely iterating a set of answers once; the ratio says how many
such passes one full report costs.
"""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

from service.assessment.engine_model import build_engine_model
from service.catalog.loader import read_bundle
from service.catalog.validation import unpublished_versions
from service.scoring import Parameters, evaluate
from service.scoring.model import NOT_APPLICABLE, AuditType, EngineModel, Role

FRAMEWORKS = Path(__file__).resolve().parent.parent / "frameworks"
SCOPING = {
    "scope.hosting": "cloud",
    "scope.personal_data": "yes",
    "scope.transaction_processing": "yes",
    "scope.subservice": "yes",
    "scope.confidential_data": "yes",
    "scope.availability_commitments": "yes",
    "scope.offices": "yes",
    "scope.endpoints": "managed",
    "scope.develops_software": "yes",
}


def soc2_model() -> EngineModel:
    framework, questionnaires = read_bundle(FRAMEWORKS / "soc2")
    assert framework is not None
    return build_engine_model(*unpublished_versions(framework, questionnaires[0]))


def answer_sets(model: EngineModel, count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        answers = dict(SCOPING)
        for question in model.questions:
            if question.role is Role.SCOPING:
                continue
            if rng.random() < 0.05:
                continue  # unanswered
            if not question.scores:
                answers[question.key] = str(rng.randint(0, 12))
            elif rng.random() < 0.03:
                answers[question.key] = NOT_APPLICABLE
            else:
                answers[question.key] = rng.choice(sorted(question.scores))
        sets.append(answers)
    return sets


def _rate(work: list[dict[str, str]], run: object, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for answers in work:
            run(answers)  # type: ignore[operator]
        done += len(work)
    return done / elapsed


def run(seconds: float = 3.0) -> dict[str, float]:
    model = soc2_model()
    work = answer_sets(model, 200)
    params = Parameters(
        scope=frozenset(
            {"SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY"}
        ),
        audit_type=AuditType.TYPE_2,
        window_months=6,
        today=date(2026, 11, 23),
    )
    sink = [0]

    def iterate(answers: dict[str, str]) -> None:
        total = 0
        for value in answers.values():
            total += len(value)
        sink[0] += total

    reports = _rate(work, lambda answers: evaluate(model, answers, params), seconds)
    floor = _rate(work, iterate, seconds)
    return {
        "questions": len(model.questions),
        "reports_per_second": round(reports),
        "iterations_per_second": round(floor),
        "report_to_iteration_ratio": round(floor / reports, 1),
    }


if __name__ == "__main__":
    print(run())
