"""Every domain enum the API shows, registered once under its GraphQL name.

``strawberry.enum`` marks the domain class itself, so the API reads and writes
the domain's own members (no copy to keep in step). Types and inputs import the
enums from here, which makes sure the registration has run before they are used.
"""

from __future__ import annotations

import strawberry

from service.assessment.ledger_input import OccurrenceResult
from service.assessment.remediation import RemediationStatus
from service.assessment.service import Status
from service.assessment.subservices import Treatment
from service.catalog.models import Category, Frequency, QuestionKind, QuestionRole
from service.errors import ErrorCode
from service.principal import Role
from service.reports.service import ExportFormat
from service.scoring.model import (
    AuditType,
    BlockerReason,
    ControlStatus,
    CriterionStatus,
    GapKind,
    OperatingSource,
    Severity,
    TimelineStatus,
)
from service.scoring.operation import Verdict

for domain_enum, graphql_name in (
    (ErrorCode, "ErrorCode"),
    (Role, "Role"),
    (AuditType, "AuditType"),
    (Status, "AssessmentStatus"),
    (Category, "TrustCategory"),
    (Frequency, "ControlFrequency"),
    (QuestionKind, "QuestionKind"),
    (QuestionRole, "QuestionRole"),
    (ControlStatus, "ControlStatus"),
    (CriterionStatus, "CriterionStatus"),
    (GapKind, "GapKind"),
    (Severity, "Severity"),
    (TimelineStatus, "TimelineStatus"),
    (BlockerReason, "BlockerReason"),
    (Treatment, "SubserviceTreatment"),
    (OccurrenceResult, "OccurrenceResult"),
    (Verdict, "OperatingVerdict"),
    (OperatingSource, "OperatingSource"),
    (RemediationStatus, "RemediationStatus"),
):
    strawberry.enum(domain_enum, name=graphql_name)
strawberry.enum(
    ExportFormat,
    name="ExportFormat",
    description="JSON (full report), CSV (one row per gap), MARKDOWN, HTML (self-contained, "
    "printable), PDF (A4, base64), XLSX (gaps and the remediation plan, base64), "
    "EVIDENCE_REQUESTS (CSV: what the auditor will ask for per control), "
    "OSCAL_ASSESSMENT_RESULTS and OSCAL_POAM (OSCAL 1.2 JSON).",
)

AssessmentStatus = Status
OperatingVerdict = Verdict

__all__ = [
    "AssessmentStatus",
    "AuditType",
    "BlockerReason",
    "Category",
    "ControlStatus",
    "CriterionStatus",
    "ErrorCode",
    "ExportFormat",
    "Frequency",
    "GapKind",
    "OccurrenceResult",
    "OperatingSource",
    "OperatingVerdict",
    "QuestionKind",
    "QuestionRole",
    "RemediationStatus",
    "Role",
    "Severity",
    "TimelineStatus",
    "Treatment",
]
