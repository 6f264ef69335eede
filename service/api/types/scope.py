"""GraphQL types of an assessment's scope: its subservice organisations and the
categories its scoping answers suggest."""

from __future__ import annotations

from datetime import date

import strawberry

from service.api.enums import Category
from service.api.types.catalog import CatalogObjects, Criterion
from service.api.types.copying import shown
from service.assessment.subservices import Subservice, Treatment
from service.catalog.catalog import FrameworkVersion


@strawberry.type(
    description="A subservice organisation (a cloud provider, a payment processor) and how "
    "the report treats it."
)
class SubserviceOrganization:
    model: strawberry.Private[Subservice]
    report_day: strawberry.Private[date]
    framework: strawberry.Private[FrameworkVersion]

    name = shown(
        "model.name",
        str,
        'Its name as recorded; the seeded provider is called "Cloud infrastructure provider".',
    )
    treatment = shown(
        "model.treatment",
        Treatment,
        "CARVE_OUT: its controls stay out of the description and the auditor relies on its "
        "own SOC report; INCLUSIVE: its controls are described and tested with yours.",
    )

    @strawberry.field(description="The criteria it helps meet.")
    def criteria(self) -> list[Criterion]:
        objects = CatalogObjects(self.framework)
        return [objects.criterion(ref) for ref in self.model.criteria]

    report_period_start = shown(
        "model.report_period_start",
        date | None,
        "First day of the period its latest SOC report covers; null until recorded.",
    )
    report_period_end = shown(
        "model.report_period_end",
        date | None,
        "Last day of the period its latest SOC report covers; while null, its report does not "
        "count as current.",
    )
    bridge_letter = shown(
        "model.bridge_letter",
        bool,
        "A bridge letter covers the time from its report's end to yours.",
    )
    complementary_user_entity_controls = shown(
        "model.complementary_user_entity_controls",
        list[str],
        "The controls its SOC report expects of you (CUECs); your auditor tests them.",
    )
    seeded = shown(
        "model.seeded",
        bool,
        "True for the cloud provider suggested from the scoping answers, until the list is "
        "recorded with setSubserviceOrganizations.",
    )

    @strawberry.field(
        description="Whether its SOC report can be relied on for a report on the assessment's "
        "day: its period ended within 3 months, or within 12 with a bridge letter."
    )
    def report_current(self) -> bool:
        return self.model.report_current(self.report_day)


@strawberry.type(
    description="A category the scoping answers suggest adding to the scope, and why; "
    "only a suggestion, never applied."
)
class ScopeSuggestion:
    category: Category = strawberry.field(
        description="The suggested category (never SECURITY, which is always in scope)."
    )
    reason: str = strawberry.field(
        description="The scoping questions that suggest it, and how they were answered."
    )
