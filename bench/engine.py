"""The gap engine alone: full SOC 2 reports per second on one core.

The floor is merely iterating a set of answers once; the ratio says how many
such passes one full report costs.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from service.assessment.engine_model import build_engine_model
from service.catalog.loader import read_bundle
from service.catalog.validation import unpublished_versions
from service.scoring import Parameters, evaluate
from service.scoring.memo import memo_of
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


def _pass_seconds(work: list[dict[str, str]], run: Callable[[dict[str, str]], object]) -> float:
    started = time.perf_counter()
    for answers in work:
        run(answers)
    return time.perf_counter() - started


def run(seconds: float = 3.0) -> dict[str, float]:
    """Passes over 200 answer sets, the engine and the floor alternately; each figure is
    the median pass, so a noisy neighbour slows both sides of the ratio alike.

    ``reports_per_second`` is the steady state: the model keeps control and criterion
    results by their inputs, as when an assessment is saved again and again.
    ``cold_reports_per_second`` empties that memo before every report."""
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

    def report(answers: dict[str, str]) -> None:
        evaluate(model, answers, params)

    cold_model = soc2_model()

    def cold(answers: dict[str, str]) -> None:
        memo_of(cold_model).clear_results()
        evaluate(cold_model, answers, params)

    _pass_seconds(work, report)  # warm the plan and the memo
    passes: dict[str, list[float]] = {"report": [], "floor": [], "cold": []}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(passes["report"]) < 5:
        passes["report"].append(_pass_seconds(work, report))
        passes["floor"].append(_pass_seconds(work, iterate))
        passes["cold"].append(_pass_seconds(work[:40], cold) * 5)
    reports, floor, cold_pass = (statistics.median(passes[k]) for k in ("report", "floor", "cold"))
    return {
        "questions": len(model.questions),
        "reports_per_second": round(len(work) / reports),
        "iterations_per_second": round(len(work) / floor),
        "report_to_iteration_ratio": round(reports / floor, 1),
        "cold_reports_per_second": round(len(work) / cold_pass),
        "passes": len(passes["report"]),
    }


if __name__ == "__main__":
    print(run())
