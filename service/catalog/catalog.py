"""Published catalog versions, indexed in memory for lookups without I/O.

Published versions are immutable, so a parsed version is cached for the
life of the process, keyed by its record id: criteria, controls, questions
and cross-framework mappings of a version are then dictionary look-ups.
Which version is the latest is asked of the database (a small projected
query), so a version published by another pod is seen at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from bson import ObjectId

from service.catalog.conditions import Condition, parse
from service.catalog.models import (
    Category,
    Control,
    Criterion,
    Framework,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionRole,
)
from service.storage.documents import FrameworkRecord, QuestionnaireRecord

MAPPED_FRAMEWORKS = {"iso27001_2022": "ISO/IEC 27001:2022", "nist_csf_2": "NIST CSF 2.0"}


@dataclass(frozen=True, eq=False)
class FrameworkVersion:
    record_id: ObjectId
    key: str
    version: str
    organization_id: ObjectId | None
    model: Framework

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        return {c.ref: c for c in self.model.criteria}

    @cached_property
    def controls(self) -> dict[str, Control]:
        return {c.key: c for c in self.model.controls}

    @cached_property
    def controls_by_criterion(self) -> dict[str, list[Control]]:
        index: dict[str, list[Control]] = defaultdict(list)
        for control in self.model.controls:
            for ref in control.criteria:
                index[ref].append(control)
        return dict(index)

    @cached_property
    def controls_by_mapping(self) -> dict[tuple[str, str], list[Control]]:
        """(mapped framework, ref) -> controls, e.g. ("iso27001_2022", "A.8.5")."""
        index: dict[tuple[str, str], list[Control]] = defaultdict(list)
        for control in self.model.controls:
            for name in MAPPED_FRAMEWORKS:
                for ref in getattr(control.mappings, name):
                    index[(name, ref)].append(control)
        return dict(index)

    def criteria_in(self, category: Category | None = None) -> list[Criterion]:
        return [c for c in self.model.criteria if category is None or c.category == category]

    def mapped_refs(self, criterion_ref: str) -> dict[str, list[str]]:
        """The other frameworks' refs reached through this criterion's controls."""
        refs: dict[str, set[str]] = defaultdict(set)
        for control in self.controls_by_criterion.get(criterion_ref, []):
            for name in MAPPED_FRAMEWORKS:
                refs[name].update(getattr(control.mappings, name))
        return {name: sorted(values) for name, values in refs.items() if values}


@dataclass(frozen=True, eq=False)
class QuestionnaireVersion:
    record_id: ObjectId
    key: str
    version: str
    organization_id: ObjectId | None
    framework_key: str
    framework_version: str
    framework_id: ObjectId
    model: Questionnaire
    conditions: dict[str, Condition] = field(default_factory=dict)

    @cached_property
    def questions(self) -> dict[str, Question]:
        return {q.key: q for s in self.model.sections for q in s.questions}

    @cached_property
    def scored_questions(self) -> list[Question]:
        return [q for q in self.questions.values() if q.effective_role is not QuestionRole.SCOPING]

    @cached_property
    def scope_rules(self) -> list[tuple[Category, Condition]]:
        return [(rule.category, parse(rule.when)) for rule in self.model.scope_rules]

    @cached_property
    def months_questions(self) -> list[Question]:
        return [q for q in self.questions.values() if q.kind is QuestionKind.MONTHS]

    def coverage(self, framework: FrameworkVersion) -> tuple[int, list[str]]:
        """(points of focus in the framework, those no question addresses)."""
        addressed = {f for q in self.questions.values() for f in q.points_of_focus}
        every = [
            f"{c.ref}#{n}"
            for c in framework.model.criteria
            for n in range(1, len(c.points_of_focus) + 1)
        ]
        return len(every), [f for f in every if f not in addressed]


def _stored(record: FrameworkRecord | QuestionnaireRecord, *names: str) -> dict[str, Any]:
    """What a parsed version keeps of its record as stored: the id, the key, the version,
    the owner, and the fields ``names``."""
    if record.id is None:
        raise ValueError("catalog record was never saved")
    kept = record.model_dump(include={"key", "version", "organization_id", *names})
    return {"record_id": record.id, **kept}


def framework_version_of(record: FrameworkRecord) -> FrameworkVersion:
    return FrameworkVersion(**_stored(record), model=Framework.model_validate(record.body))


def questionnaire_version_of(record: QuestionnaireRecord) -> QuestionnaireVersion:
    model = Questionnaire.model_validate(record.body)
    conditions = {q.key: parse(q.show_if) for s in model.sections for q in s.questions if q.show_if}
    return QuestionnaireVersion(
        **_stored(record, "framework_key", "framework_version", "framework_id"),
        model=model,
        conditions=conditions,
    )


class Catalog:
    """Process-wide cache of parsed catalog versions; lookups go through ``CatalogRepository``."""

    def __init__(self) -> None:
        self._frameworks: dict[ObjectId, FrameworkVersion] = {}
        self._questionnaires: dict[ObjectId, QuestionnaireVersion] = {}

    def framework_of(self, record: FrameworkRecord) -> FrameworkVersion:
        return _cached(self._frameworks, record.id, lambda: framework_version_of(record))

    def questionnaire_of(self, record: QuestionnaireRecord) -> QuestionnaireVersion:
        return _cached(self._questionnaires, record.id, lambda: questionnaire_version_of(record))

    def cached_framework(self, record_id: ObjectId) -> FrameworkVersion | None:
        return self._frameworks.get(record_id)

    def cached_questionnaire(self, record_id: ObjectId) -> QuestionnaireVersion | None:
        return self._questionnaires.get(record_id)


_V = TypeVar("_V")


def _cached(cache: dict[ObjectId, _V], record_id: ObjectId | None, build: Callable[[], _V]) -> _V:
    """A parsed version by its record id, parsed once (versions never change)."""
    if record_id is None:
        raise ValueError("catalog record was never saved")
    found = cache.get(record_id)
    if found is None:
        found = cache[record_id] = build()
    return found
