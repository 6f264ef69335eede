"""Translating a catalog version into the gap engine's plain model, once per version."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from bson import ObjectId

from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.conditions import Condition, evaluate
from service.catalog.models import QuestionKind
from service.scoring.model import (
    EngineControl,
    EngineCriterion,
    EngineModel,
    EngineQuestion,
    Role,
)


def _visible(condition: Condition, answers: Mapping[str, str]) -> bool:
    return evaluate(condition, answers)


def build_engine_model(
    framework: FrameworkVersion, questionnaire: QuestionnaireVersion
) -> EngineModel:
    questions = []
    for question in questionnaire.questions.values():
        condition = questionnaire.conditions.get(question.key)
        questions.append(
            EngineQuestion(
                key=question.key,
                text=question.text,
                role=Role(question.effective_role.value),
                weight=question.weight,
                controls=tuple(question.controls),
                scores={
                    o.value: o.score for o in question.effective_options if o.score is not None
                },
                visible_when=partial(_visible, condition) if condition is not None else None,
                multiple=question.kind is QuestionKind.MULTI_CHOICE,
            )
        )
    return EngineModel(
        criteria=tuple(
            EngineCriterion(ref=c.ref, category=c.category.value, weight=c.weight)
            for c in framework.model.criteria
        ),
        controls=tuple(
            EngineControl(
                key=c.key,
                name=c.name,
                criteria=tuple(c.criteria),
                key_control=c.key_control,
                effort_weeks=c.effort_weeks,
                remediation=c.remediation,
                frequency=c.frequency.value,
            )
            for c in framework.model.controls
        ),
        questions=tuple(questions),
    )


class EngineModels:
    """Process-wide cache: catalog versions are immutable, so their engine models are too."""

    def __init__(self) -> None:
        self._models: dict[tuple[ObjectId, ObjectId], EngineModel] = {}

    def get(self, framework: FrameworkVersion, questionnaire: QuestionnaireVersion) -> EngineModel:
        key = (framework.record_id, questionnaire.record_id)
        model = self._models.get(key)
        if model is None:
            model = self._models[key] = build_engine_model(framework, questionnaire)
        return model
