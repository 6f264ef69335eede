"""Engine models and answer strategies for the scoring tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from service.assessment.engine_model import build_engine_model
from service.catalog.catalog import QuestionnaireVersion
from service.catalog.validation import unpublished_versions
from service.scoring.model import NOT_APPLICABLE, EngineModel, Role

versions = unpublished_versions


def engine_model(framework_raw: dict[str, Any], questionnaire_raw: dict[str, Any]) -> EngineModel:
    return build_engine_model(*versions(framework_raw, questionnaire_raw))


def answer_values(model: EngineModel, questionnaire: QuestionnaireVersion) -> dict[str, list[str]]:
    """Every value each question accepts, worst first (n/a last where allowed)."""
    values: dict[str, list[str]] = {}
    for question in model.questions:
        source = questionnaire.questions[question.key]
        if question.role is Role.SCOPING:
            options = [o.value for o in source.effective_options] or ["yes"]
        elif not question.scores:
            options = [str(m) for m in range(13)]
        else:
            options = sorted(question.scores, key=lambda v: question.scores[v])
        if source.allow_na:
            options = [*options, NOT_APPLICABLE]
        values[question.key] = options
    return values


def answers_strategy(values: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {}, optional={key: st.sampled_from(options) for key, options in values.items()}
    )
