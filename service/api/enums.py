"""Every domain enum the API shows, registered once under its GraphQL name.

``strawberry.enum`` marks the domain class itself, so the API reads and writes
the domain's own members (no copy to keep in step). Types and inputs import the
enums from here, which makes sure the registration has run before they are used.
"""

from __future__ import annotations

import strawberry

from service.assessment.service import Status
from service.catalog.models import Category, Frequency, QuestionKind, QuestionRole
from service.errors import ErrorCode
from service.principal import Role
from service.reports.service import ExportFormat
from service.scoring.model import AuditType, ControlStatus, CriterionStatus, GapKind, Severity

strawberry.enum(ErrorCode, name="ErrorCode")
strawberry.enum(Role, name="Role")
strawberry.enum(AuditType, name="AuditType")
strawberry.enum(Status, name="AssessmentStatus")
strawberry.enum(Category, name="TrustCategory")
strawberry.enum(Frequency, name="ControlFrequency")
strawberry.enum(QuestionKind, name="QuestionKind")
strawberry.enum(QuestionRole, name="QuestionRole")
strawberry.enum(ControlStatus, name="ControlStatus")
strawberry.enum(CriterionStatus, name="CriterionStatus")
strawberry.enum(GapKind, name="GapKind")
strawberry.enum(Severity, name="Severity")
strawberry.enum(
    ExportFormat,
    name="ExportFormat",
    description="JSON (full report), CSV (one row per gap), MARKDOWN, HTML (self-contained, "
    "printable), OSCAL_ASSESSMENT_RESULTS and OSCAL_POAM (OSCAL 1.2 JSON).",
)

AssessmentStatus = Status

__all__ = [
    "AssessmentStatus",
    "AuditType",
    "Category",
    "ControlStatus",
    "CriterionStatus",
    "ErrorCode",
    "ExportFormat",
    "Frequency",
    "GapKind",
    "QuestionKind",
    "QuestionRole",
    "Role",
    "Severity",
]
