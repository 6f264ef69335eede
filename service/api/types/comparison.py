"""GraphQL types of the progress between two assessments of one organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from service.catalog.models import Category
from service.scoring.model import GapKind, Severity

if TYPE_CHECKING:
    from service.api.types.assessment import AssessmentType


@strawberry.type
class GapChange:
    """A gap that closed or appeared between two assessments."""

    criterion_ref: str
    control_key: str | None
    kind: GapKind
    severity: Severity
    title: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> GapChange:
        return cls(
            criterion_ref=row["criterion"],
            control_key=row["control"],
            kind=GapKind(row["kind"]),
            severity=Severity(row["severity"]),
            title=row["title"],
        )


@strawberry.type
class CategoryDelta:
    category: Category
    delta: float = strawberry.field(description="Score now minus score then, in points.")


@strawberry.type
class AssessmentComparison:
    """Progress since an earlier assessment of the same organisation."""

    previous: Annotated[AssessmentType, strawberry.lazy("service.api.types.assessment")]
    readiness_delta: float
    categories: list[CategoryDelta]
    gaps_closed: list[GapChange]
    gaps_new: list[GapChange]
