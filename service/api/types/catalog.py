"""GraphQL types of the catalog: frameworks, criteria, controls and questionnaires.

Each type wraps an immutable, in-memory catalog version, so relation fields
(a criterion's controls, a control's criteria) are dictionary look-ups and
never reach the database.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from service.api.enums import Category, Frequency
from service.api.types.copying import copy_of
from service.catalog.catalog import MAPPED_FRAMEWORKS, FrameworkVersion, QuestionnaireVersion
from service.catalog.models import Control as ControlModel
from service.catalog.models import Criterion as CriterionModel


@strawberry.enum(description="Frameworks the control library is mapped to.")
class MappedFramework(Enum):
    ISO27001_2022 = strawberry.enum_value(
        "iso27001_2022",
        description="ISO/IEC 27001:2022: Annex A controls (A.5.18) and requirement clauses "
        "(6.1.2).",
    )
    NIST_CSF_2 = strawberry.enum_value(
        "nist_csf_2", description="NIST CSF 2.0: categories and subcategories (PR.AA-01)."
    )

    @property
    def key(self) -> str:
        """The key in ``MAPPED_FRAMEWORKS`` (the member's value, typed as ``str``)."""
        return str(self.value)


@strawberry.type(description="Refs of another framework that a control or criterion maps to.")
class ControlMapping:
    framework: str = strawberry.field(description="Mapped framework key, e.g. iso27001_2022.")
    framework_name: str = strawberry.field(
        description="Display name of the mapped framework, e.g. ISO/IEC 27001:2022."
    )
    refs: list[str] = strawberry.field(
        description="Refs in that framework, e.g. A.5.18, 9.3 or PR.AA-01; never empty."
    )


def _mappings(refs_by_framework: dict[str, list[str]]) -> list[ControlMapping]:
    return [
        ControlMapping(framework=name, framework_name=MAPPED_FRAMEWORKS[name], refs=refs)
        for name, refs in refs_by_framework.items()
        if refs
    ]


@strawberry.type(
    description="An aspect of a criterion that an auditor looks at. Points of focus have no "
    "official ids, so they are numbered by position under their criterion."
)
class PointOfFocus:
    ref: str = strawberry.field(description="Position under its criterion, e.g. CC6.1#4.")
    position: int = strawberry.field(description="1-based position under its criterion.")
    topic: str = strawberry.field(description="What the auditor looks at, in a short phrase.")
    applies: str = strawberry.field(
        description='Which reports it applies to: "all" (the default) for every report, or a '
        'narrower context from the catalog such as "privacy" or "coso".'
    )


@strawberry.type(description="A trust services category as the framework presents it.")
class CategoryInfo:
    category: Category = strawberry.field(description="The category this entry presents.")
    title: str = strawberry.field(description="Display title, e.g. Security.")
    description: str = strawberry.field(description="What the category covers.")


@strawberry.type(description="A policy document (or set of them) that controls are written up in.")
class PolicyFamily:
    key: str = strawberry.field(
        description="Key that Control.policyFamily refers to, e.g. information-security."
    )
    title: str = strawberry.field(description="Display title.")
    description: str = strawberry.field(description="What the policy family covers.")


@strawberry.type(
    description="A requirement of the framework, such as the SOC 2 Trust Services Criterion "
    "CC6.1, with the controls that address it."
)
class Criterion:
    """Scalar fields are plain attributes copied from the catalog model (``Criterion.of``):
    Strawberry serves them without a resolver call, which matters in reports that list
    hundreds of gaps, each with its criterion and control."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[CriterionModel]
    ref: str = strawberry.field(description="Unique ref within the framework, e.g. CC6.1.")
    category: Category = strawberry.field(description="The trust services category it is in.")
    series: str = strawberry.field(description="Key of the series it belongs to, e.g. CC6.")
    title: str = strawberry.field(description="Short title.")
    description: str = strawberry.field(description="What it requires, in a sentence or two.")
    weight: int = strawberry.field(
        description="1 (lower risk) to 3 (where auditors most often find exceptions)."
    )

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: CriterionModel) -> Criterion:
        return copy_of(cls, model, framework_version=framework_version, model=model)

    @strawberry.field(description="Its points of focus, in catalog order.")
    def points_of_focus(self) -> list[PointOfFocus]:
        return [
            PointOfFocus(ref=f"{self.model.ref}#{n}", position=n, topic=p.topic, applies=p.applies)
            for n, p in enumerate(self.model.points_of_focus, start=1)
        ]

    @strawberry.field(description="Controls that address it, in catalog order.")
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


@strawberry.type(
    description="An activity of the control library that addresses one or more criteria, "
    "such as an access review."
)
class Control:
    """Scalar fields are plain attributes, as on ``Criterion``; build with ``Control.of``."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[ControlModel]
    key: str = strawberry.field(
        description="Unique key within the framework, e.g. IAM-03; answers, gaps and the "
        "evidence ledger refer to controls by it."
    )
    name: str = strawberry.field(description="Short name.")
    description: str = strawberry.field(description="What the control does.")
    domain: str = strawberry.field(
        description="Key of the area it belongs to, e.g. identity-access or change-management."
    )
    frequency: Frequency = strawberry.field(
        description="How often it is expected to run; sets its periods in the evidence dry run."
    )
    key_control: bool = strawberry.field(
        description="True for a key control: it weighs double in its criteria's scores, and a "
        "MISSING key control keeps a criterion from MET."
    )
    evidence: list[str] = strawberry.field(
        description="What an auditor samples for this control in a Type II period."
    )
    policy_family: str = strawberry.field(
        description="Key of the policy family that documents it (see Framework.policyFamilies)."
    )
    remediation: str = strawberry.field(description="How a small team can put it in place.")
    effort_weeks: int = strawberry.field(
        description="Estimated work to put it in place, in weeks (1 to 52); the timeline uses it."
    )

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: ControlModel) -> Control:
        return copy_of(cls, model, framework_version=framework_version, model=model)

    @strawberry.field(description="The criteria it addresses (1 to 5).")
    def criteria(self) -> list[Criterion]:
        criteria = self.framework_version.criteria
        return [Criterion.of(self.framework_version, criteria[ref]) for ref in self.model.criteria]

    @strawberry.field(
        description="Its refs in ISO/IEC 27001:2022 and NIST CSF 2.0; a framework it has no "
        "ref in is left out."
    )
    def mappings(self) -> list[ControlMapping]:
        return _mappings(
            {name: list(getattr(self.model.mappings, name)) for name in MAPPED_FRAMEWORKS}
        )


@strawberry.type(
    description="SOC 2 criteria and controls touched by one ref of a mapped framework."
)
class CrossReference:
    framework: MappedFramework = strawberry.field(description="The mapped framework asked about.")
    ref: str = strawberry.field(description="The ref asked about, without surrounding spaces.")
    controls: list[Control] = strawberry.field(
        description="Controls mapped to the ref; empty when none is (or the ref is unknown)."
    )
    criteria: list[Criterion] = strawberry.field(
        description="The criteria those controls address, in catalog order."
    )


@strawberry.type
class PublishedDocument:
    """The fields every published catalog document shows first: key, version and name."""

    version_record: strawberry.Private[FrameworkVersion | QuestionnaireVersion]

    @strawberry.field(
        description="Key of the document, the same in all its versions, e.g. soc2 or "
        "soc2-readiness."
    )
    def key(self) -> str:
        return self.version_record.key

    @strawberry.field(
        description='Version number as text ("1", "2"...): publishing changed content adds the '
        "next one; a published version never changes."
    )
    def version(self) -> str:
        return self.version_record.version

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.version_record.model.name


@strawberry.type(
    description="One published version of a framework: its criteria and its control library. "
    "Shipped frameworks are global; an organisation's own are visible only to its members."
)
class Framework(PublishedDocument):
    version_record: strawberry.Private[FrameworkVersion]

    @strawberry.field(
        description='Edition of the standard it follows, e.g. "2017 criteria, points of focus '
        'revised 2022"; null when the document gives none.'
    )
    def edition(self) -> str | None:
        return self.version_record.model.edition

    @strawberry.field(description="What it covers; null when the document gives none.")
    def description(self) -> str | None:
        return self.version_record.model.description

    @strawberry.field(description="True when the framework belongs to an organisation.")
    def custom(self) -> bool:
        return self.version_record.organization_id is not None

    @strawberry.field(description="The trust services categories it covers (1 to 5).")
    def categories(self) -> list[CategoryInfo]:
        return [
            CategoryInfo(category=c.key, title=c.title, description=c.description)
            for c in self.version_record.model.categories
        ]

    @strawberry.field(description="The policy families its controls are documented in.")
    def policy_families(self) -> list[PolicyFamily]:
        return [
            PolicyFamily(key=f.key, title=f.title, description=f.description)
            for f in self.version_record.model.policy_families
        ]

    @strawberry.field(description="Its criteria in catalog order, optionally of one category.")
    def criteria(
        self,
        category: Annotated[
            Category | None,
            strawberry.argument(description="Only criteria of this category; omit for all."),
        ] = None,
    ) -> list[Criterion]:
        return [
            Criterion.of(self.version_record, c) for c in self.version_record.criteria_in(category)
        ]

    @strawberry.field(description="One criterion by ref; null when it has none by that ref.")
    def criterion(
        self,
        ref: Annotated[str, strawberry.argument(description="The criterion's ref, e.g. CC6.1.")],
    ) -> Criterion | None:
        model = self.version_record.criteria.get(ref)
        return Criterion.of(self.version_record, model) if model else None

    @strawberry.field(
        description="Controls, optionally filtered by criterion, text (name, description, key) "
        'and a mapped framework ref (e.g. mappedFramework: ISO27001_2022, mappedRef: "A.8.5").'
    )
    def controls(
        self,
        criterion: Annotated[
            str | None,
            strawberry.argument(description="Only controls addressing this criterion ref (CC6.1)."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only controls whose name, description or key contains this text, "
                "ignoring case."
            ),
        ] = None,
        mapped_framework: Annotated[
            MappedFramework | None,
            strawberry.argument(
                description="The framework mappedRef belongs to; omit to match it in any. "
                "Ignored without mappedRef."
            ),
        ] = None,
        mapped_ref: Annotated[
            str | None,
            strawberry.argument(
                description="Only controls mapped to this ref, matched exactly (A.8.5, PR.AA-01)."
            ),
        ] = None,
    ) -> list[Control]:
        version = self.version_record
        models: list[ControlModel] = list(version.model.controls)
        if criterion is not None:
            models = version.controls_by_criterion.get(criterion, [])
        if mapped_ref is not None:
            names = [mapped_framework.key] if mapped_framework else list(MAPPED_FRAMEWORKS)
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
    def cross_reference(
        self,
        framework: Annotated[
            MappedFramework, strawberry.argument(description="The framework the ref belongs to.")
        ],
        ref: Annotated[
            str,
            strawberry.argument(
                description="A ref of that framework, e.g. A.5.18; surrounding spaces are ignored."
            ),
        ],
    ) -> CrossReference:
        version = self.version_record
        controls = version.controls_by_mapping.get((framework.key, ref.strip()), [])
        refs = sorted({r for c in controls for r in c.criteria}, key=list(version.criteria).index)
        return CrossReference(
            framework=framework,
            ref=ref.strip(),
            controls=[Control.of(version, c) for c in controls],
            criteria=[Criterion.of(version, version.criteria[r]) for r in refs],
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
