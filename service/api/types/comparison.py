"""GraphQL types of the progress between two assessments of one organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from service.catalog.models import Category
from service.scoring.model import GapKind, Severity

if TYPE_CHECKING:
    from service.api.types.assessment import AssessmentType


@strawberry.type(
    description="A gap open in only one of the two assessments, matched by kind, control and "
    "question (or criterion)."
)
class GapChange:
    """A gap that closed or appeared between two assessments."""

    criterion_ref: str = strawberry.field(
        description="Reference of the criterion it is listed under, such as CC6.1."
    )
    control_key: str | None = strawberry.field(
        description="Key of its control, such as IAM-01; null when it has none."
    )
    kind: GapKind = strawberry.field(description="Its kind, in the assessment where it is open.")
    severity: Severity = strawberry.field(
        description="Its severity, in the assessment where it is open."
    )
    title: str = strawberry.field(
        description="Its one-line title, in the words of that assessment's catalog version."
    )

    @classmethod
    def of(cls, row: dict[str, Any]) -> GapChange:
        return cls(
            criterion_ref=row["criterion"],
            control_key=row["control"],
            kind=GapKind(row["kind"]),
            severity=Severity(row["severity"]),
            title=row["title"],
        )


@strawberry.type(description="How one category's score moved between the two assessments.")
class CategoryDelta:
    category: Category = strawberry.field(description="A category in scope in both assessments.")
    delta: float = strawberry.field(description="Score now minus score then, in points.")


@strawberry.type(
    description="Progress since an earlier assessment of the same organisation: score changes "
    "and the gaps closed and opened since."
)
class AssessmentComparison:
    """Progress since an earlier assessment of the same organisation."""

    previous: Annotated[AssessmentType, strawberry.lazy("service.api.types.assessment")] = (
        strawberry.field(description="The earlier assessment compared with.")
    )
    readiness_delta: float = strawberry.field(
        description="Readiness now minus readiness then, in points (two decimals); positive "
        "is progress."
    )
    categories: list[CategoryDelta] = strawberry.field(
        description="The score change of each category in scope in both assessments."
    )
    gaps_closed: list[GapChange] = strawberry.field(
        description="Gaps of the earlier assessment that are no longer open."
    )
    gaps_new: list[GapChange] = strawberry.field(
        description="Gaps open now that the earlier assessment did not have."
    )
