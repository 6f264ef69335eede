"""GraphQL types of the catalog: frameworks, criteria, controls and questionnaires.

Each type wraps an immutable, in-memory catalog version, so relation fields
(a criterion's controls, a control's criteria) are dictionary look-ups and
never reach the database.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from service.api.enums import Category, Frequency, QuestionKind, QuestionRole
from service.api.types.copying import copy_of
from service.catalog.catalog import MAPPED_FRAMEWORKS, FrameworkVersion, QuestionnaireVersion
from service.catalog.models import Control as ControlModel
from service.catalog.models import Criterion as CriterionModel
from service.catalog.models import Question as QuestionModel


@strawberry.enum(description="Frameworks the control library is mapped to.")
class MappedFramework(Enum):
    ISO27001_2022 = "iso27001_2022"
    NIST_CSF_2 = "nist_csf_2"


@strawberry.type(description="Refs of another framework that a control or criterion maps to.")
class ControlMapping:
    framework: str = strawberry.field(description="Mapped framework key, e.g. iso27001_2022.")
    framework_name: str
    refs: list[str]


def _mappings(refs_by_framework: dict[str, list[str]]) -> list[ControlMapping]:
    return [
        ControlMapping(framework=name, framework_name=MAPPED_FRAMEWORKS[name], refs=refs)
        for name, refs in refs_by_framework.items()
        if refs
    ]


@strawberry.type
class PointOfFocus:
    ref: str = strawberry.field(description="Position under its criterion, e.g. CC6.1#4.")
    position: int
    topic: str
    applies: str


@strawberry.type
class CategoryInfo:
    category: Category
    title: str
    description: str


@strawberry.type
class PolicyFamily:
    key: str
    title: str
    description: str


@strawberry.type
class Criterion:
    """Scalar fields are plain attributes copied from the catalog model (``Criterion.of``):
    Strawberry serves them without a resolver call, which matters in reports that list
    hundreds of gaps, each with its criterion and control."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[CriterionModel]
    ref: str
    category: Category
    series: str
    title: str
    description: str
    weight: int = strawberry.field(
        description="1 (lower risk) to 3 (where auditors most often find exceptions)."
    )

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: CriterionModel) -> Criterion:
        return copy_of(cls, model, framework_version=framework_version, model=model)

    @strawberry.field
    def points_of_focus(self) -> list[PointOfFocus]:
        return [
            PointOfFocus(ref=f"{self.model.ref}#{n}", position=n, topic=p.topic, applies=p.applies)
            for n, p in enumerate(self.model.points_of_focus, start=1)
        ]

    @strawberry.field
    def controls(self) -> list[Control]:
        return [
            Control.of(self.framework_version, c)
            for c in self.framework_version.controls_by_criterion.get(self.model.ref, [])
        ]

    @strawberry.field(
        description="Other frameworks' refs reached through this criterion's controls."
    )
    def mappings(self) -> list[ControlMapping]:
        return _mappings(self.framework_version.mapped_refs(self.model.ref))


@strawberry.type
class Control:
    """Scalar fields are plain attributes, as on ``Criterion``; build with ``Control.of``."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[ControlModel]
    key: str
    name: str
    description: str
    domain: str
    frequency: Frequency
    key_control: bool
    evidence: list[str] = strawberry.field(
        description="What an auditor samples for this control in a Type II period."
    )
    policy_family: str
    remediation: str
    effort_weeks: int

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: ControlModel) -> Control:
        return copy_of(cls, model, framework_version=framework_version, model=model)

    @strawberry.field
    def criteria(self) -> list[Criterion]:
        criteria = self.framework_version.criteria
        return [Criterion.of(self.framework_version, criteria[ref]) for ref in self.model.criteria]

    @strawberry.field
    def mappings(self) -> list[ControlMapping]:
        return _mappings(
            {name: list(getattr(self.model.mappings, name)) for name in MAPPED_FRAMEWORKS}
        )


@strawberry.type(
    description="SOC 2 criteria and controls touched by one ref of a mapped framework."
)
class CrossReference:
    framework: MappedFramework
    ref: str
    controls: list[Control]
    criteria: list[Criterion]


@strawberry.type
class PublishedDocument:
    """The fields every published catalog document shows first: key, version and name."""

    version_record: strawberry.Private[FrameworkVersion | QuestionnaireVersion]

    @strawberry.field
    def key(self) -> str:
        return self.version_record.key

    @strawberry.field
    def version(self) -> str:
        return self.version_record.version

    @strawberry.field
    def name(self) -> str:
        return self.version_record.model.name


@strawberry.type
class Framework(PublishedDocument):
    version_record: strawberry.Private[FrameworkVersion]

    @strawberry.field
    def edition(self) -> str | None:
        return self.version_record.model.edition

    @strawberry.field
    def description(self) -> str | None:
        return self.version_record.model.description

    @strawberry.field(description="True when the framework belongs to an organisation.")
    def custom(self) -> bool:
        return self.version_record.organization_id is not None

    @strawberry.field
    def categories(self) -> list[CategoryInfo]:
        return [
            CategoryInfo(category=c.key, title=c.title, description=c.description)
            for c in self.version_record.model.categories
        ]

    @strawberry.field
    def policy_families(self) -> list[PolicyFamily]:
        return [
            PolicyFamily(key=f.key, title=f.title, description=f.description)
            for f in self.version_record.model.policy_families
        ]

    @strawberry.field
    def criteria(self, category: Category | None = None) -> list[Criterion]:
        return [
            Criterion.of(self.version_record, c) for c in self.version_record.criteria_in(category)
        ]

    @strawberry.field
    def criterion(self, ref: str) -> Criterion | None:
        model = self.version_record.criteria.get(ref)
        return Criterion.of(self.version_record, model) if model else None

    @strawberry.field(
        description="Controls, optionally filtered by criterion, text (name, description, key) "
        'and a mapped framework ref (e.g. mappedFramework: ISO27001_2022, mappedRef: "A.8.5").'
    )
    def controls(
        self,
        criterion: str | None = None,
        search: str | None = None,
        mapped_framework: MappedFramework | None = None,
        mapped_ref: str | None = None,
    ) -> list[Control]:
        version = self.version_record
        models: list[ControlModel] = list(version.model.controls)
        if criterion is not None:
            models = version.controls_by_criterion.get(criterion, [])
        if mapped_ref is not None:
            names = [mapped_framework.value] if mapped_framework else list(MAPPED_FRAMEWORKS)
            wanted = {
                id(c) for n in names for c in version.controls_by_mapping.get((n, mapped_ref), [])
            }
            models = [c for c in models if id(c) in wanted]
        if search:
            needle = search.casefold()
            models = [
                c
                for c in models
                if needle in c.name.casefold()
                or needle in c.description.casefold()
                or needle in c.key.casefold()
            ]
        return [Control.of(version, c) for c in models]

    @strawberry.field(description="Which criteria and controls a mapped framework's ref touches.")
    def cross_reference(self, framework: MappedFramework, ref: str) -> CrossReference:
        version = self.version_record
        controls = version.controls_by_mapping.get((framework.value, ref.strip()), [])
        refs = sorted({r for c in controls for r in c.criteria}, key=list(version.criteria).index)
        return CrossReference(
            framework=framework,
            ref=ref.strip(),
            controls=[Control.of(version, c) for c in controls],
            criteria=[Criterion.of(version, version.criteria[r]) for r in refs],
        )


@strawberry.type
class AnswerOption:
    value: str
    label: str
    score: float | None
    exclusive: bool = strawberry.field(
        description='MULTI_CHOICE: chosen alone or not at all (such as "none").'
    )


@strawberry.type
class Question:
    """Scalar fields are plain attributes, as on ``Criterion``; build with ``Question.of``."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[QuestionModel]
    key: str
    text: str
    help: str | None
    kind: QuestionKind
    role: QuestionRole
    show_if: str | None
    points_of_focus: list[str]
    weight: float
    allow_not_applicable: bool = strawberry.field(
        description='True when "n/a" is an accepted answer.'
    )

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: QuestionModel) -> Question:
        return copy_of(
            cls,
            model,
            framework_version=framework_version,
            model=model,
            role=model.effective_role,
            allow_not_applicable=model.allow_na,
        )

    @strawberry.field
    def options(self) -> list[AnswerOption]:
        return [
            AnswerOption(value=o.value, label=o.label, score=o.score, exclusive=o.stands_alone)
            for o in self.model.effective_options
        ]

    @strawberry.field
    def controls(self) -> list[Control]:
        controls = self.framework_version.controls
        return [
            Control.of(self.framework_version, controls[k])
            for k in self.model.controls
            if k in controls
        ]


@strawberry.type
class QuestionnaireSection:
    key: str
    title: str
    description: str | None
    questions: list[Question]


@strawberry.type(description="How many points of focus the questionnaire's questions address.")
class Coverage:
    points_of_focus_total: int
    points_of_focus_covered: int
    percent: float
    uncovered: list[str]


@strawberry.type
class ScopeRule:
    category: Category
    when: str


@strawberry.type
class Questionnaire(PublishedDocument):
    version_record: strawberry.Private[QuestionnaireVersion]
    framework_record: strawberry.Private[FrameworkVersion]

    @strawberry.field
    def framework(self) -> Framework:
        return Framework(version_record=self.framework_record)

    @strawberry.field
    def sections(self) -> list[QuestionnaireSection]:
        return [
            QuestionnaireSection(
                key=s.key,
                title=s.title,
                description=s.description,
                questions=[Question.of(self.framework_record, q) for q in s.questions],
            )
            for s in self.version_record.model.sections
        ]

    @strawberry.field
    def question_count(self) -> int:
        return len(self.version_record.questions)

    @strawberry.field(
        description="Rules by which scoping answers suggest categories to put in scope."
    )
    def scope_rules(self) -> list[ScopeRule]:
        return [
            ScopeRule(category=r.category, when=r.when)
            for r in self.version_record.model.scope_rules
        ]

    @strawberry.field
    def coverage(self) -> Coverage:
        total, uncovered = self.version_record.coverage(self.framework_record)
        covered = total - len(uncovered)
        return Coverage(
            points_of_focus_total=total,
            points_of_focus_covered=covered,
            percent=round(100.0 * covered / total, 2) if total else 100.0,
            uncovered=uncovered,
        )


class CatalogObjects:
    """The GraphQL objects of one framework version's controls and criteria, one per key or
    ref: a list that names the same control many times shares one object."""

    def __init__(self, framework: FrameworkVersion) -> None:
        self.framework = framework
        self._controls: dict[str, Control] = {}
        self._criteria: dict[str, Criterion] = {}

    def control(self, key: str) -> Control:
        found = self._controls.get(key)
        if found is None:
            found = self._controls[key] = Control.of(self.framework, self.framework.controls[key])
        return found

    def criterion(self, ref: str) -> Criterion:
        found = self._criteria.get(ref)
        if found is None:
            framework = self.framework
            found = self._criteria[ref] = Criterion.of(framework, framework.criteria[ref])
        return found
