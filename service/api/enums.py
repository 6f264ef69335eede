"""Every domain enum the API shows, registered once under its GraphQL name.

``strawberry.enum`` marks the domain class itself, so the API reads and writes
the domain's own members (no copy to keep in step). Types and inputs import the
enums from here, which makes sure the registration has run before they are used.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

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

for domain_enum, graphql_name, description in (
    (ErrorCode, "ErrorCode", "Why a mutation refused its input (UserError.code)."),
    (Role, "Role", "What a member or API key may do in an organisation."),
    (AuditType, "AuditType", "The SOC 2 report an assessment prepares for."),
    (Status, "AssessmentStatus", "Where an assessment stands."),
    (Category, "TrustCategory", "The five Trust Services Categories."),
    (Frequency, "ControlFrequency", "How often a control runs, which sets how it is sampled."),
    (QuestionKind, "QuestionKind", "What kind of answer a question takes."),
    (QuestionRole, "QuestionRole", "What a question decides about its controls."),
    (ControlStatus, "ControlStatus", "Whether a control is designed and in place."),
    (CriterionStatus, "CriterionStatus", "How far a criterion is met."),
    (GapKind, "GapKind", "What a gap is missing."),
    (Severity, "Severity", "How an auditor would weigh a gap."),
    (TimelineStatus, "TimelineStatus", "Whether the report date is a plan or can start now."),
    (BlockerReason, "BlockerReason", "Why a control holds the observation window's start."),
    (Treatment, "SubserviceTreatment", "How a subservice organisation is treated in the audit."),
    (OccurrenceResult, "OccurrenceResult", "How one run of a control went."),
    (Verdict, "OperatingVerdict", "What the auditor's sample of a control would likely find."),
    (OperatingSource, "OperatingSource", "Where a control's operating history comes from."),
    (RemediationStatus, "RemediationStatus", "Where a remediation item stands."),
):
    strawberry.enum(domain_enum, name=graphql_name, description=description)
strawberry.enum(
    ExportFormat,
    name="ExportFormat",
    description="JSON (full report), CSV (one row per gap), MARKDOWN, HTML (self-contained, "
    "printable), PDF (A4, base64), XLSX (gaps and the remediation plan, base64), "
    "EVIDENCE_REQUESTS (CSV: what the auditor will ask for per control), "
    "OSCAL_ASSESSMENT_RESULTS and OSCAL_POAM (OSCAL 1.2 JSON).",
)

# What each value of the domain enums means, as GraphiQL and generated clients show it
# (the domain classes cannot carry GraphQL descriptions themselves).
VALUES: dict[type[Enum], dict[str, str]] = {
    ErrorCode: {
        "INVALID": "The input is malformed or out of bounds; `field` names it.",
        "NOT_FOUND": "Nothing by that id, or nothing the caller may see.",
        "FORBIDDEN": "The caller's role in the organisation may not do this.",
        "VERSION_CONFLICT": "The object changed since the caller read it: reload and retry.",
        "INVALID_STATE": "Not possible in the object's current state (submitted, archived...).",
        "LIMIT_EXCEEDED": "A size, count or budget limit would be passed.",
    },
    Role: {
        "OWNER": "Everything, including members, keys, webhooks and deleting the organisation.",
        "ASSESSOR": "Creates, answers, submits and exports assessments; drafts policies.",
        "CONTRIBUTOR": "Answers questions and records evidence.",
        "VIEWER": "Reads only.",
    },
    AuditType: {
        "TYPE_1": "SOC 2 Type I: controls designed and in place on one date.",
        "TYPE_2": "SOC 2 Type II: controls operating over an observation window.",
    },
    Status: {
        "DRAFT": "Created, nothing answered yet.",
        "IN_PROGRESS": "Being answered.",
        "SUBMITTED": "Frozen as the organisation's result; reopen it to change it.",
    },
    Category: {
        "SECURITY": "Common criteria (CC1 to CC9): always in scope.",
        "AVAILABILITY": "Additional criteria A1: commitments on uptime and recovery.",
        "PROCESSING_INTEGRITY": "Additional criteria PI1: complete, accurate, timely processing.",
        "CONFIDENTIALITY": "Additional criteria C1: information designated confidential.",
        "PRIVACY": "Additional criteria P1 to P8: personal information.",
    },
    Frequency: {
        "CONTINUOUS": "Always on (automated); sampled per occurrence.",
        "DAILY": "Once per day.",
        "WEEKLY": "Once per ISO week.",
        "MONTHLY": "Once per calendar month.",
        "QUARTERLY": "Once per calendar quarter.",
        "SEMI_ANNUAL": "Once per half year.",
        "ANNUAL": "Once per year.",
        "EVENT_DRIVEN": "When its trigger occurs (a leaver, a change); sampled per occurrence.",
    },
    QuestionKind: {
        "YES_NO": "Answered yes or no.",
        "YES_PARTIAL_NO": "Answered yes, partial or no.",
        "MATURITY": "A maturity level from 0 (not in place) to 5.",
        "CHOICE": "One of the listed options.",
        "MULTI_CHOICE": "Several of the listed options, comma-separated.",
        "MONTHS": "How many months a control has operated with evidence (a whole number).",
        "DATE": "An ISO date.",
        "TEXT": "Free text.",
    },
    QuestionRole: {
        "DESIGN": "Whether a control exists as designed.",
        "OPERATING": "How long a control has operated.",
        "EVIDENCE": "Whether each run leaves a record an auditor can sample.",
        "SCOPING": "What the system is; sets which categories apply; not scored.",
    },
    ControlStatus: {
        "IMPLEMENTED": "Designed and in place.",
        "PARTIAL": "Partly in place.",
        "MISSING": "Not in place.",
        "NOT_APPLICABLE": "Out of scope, or answered not applicable.",
        "UNKNOWN": "Not answered yet.",
    },
    CriterionStatus: {
        "MET": "Its controls are in place, operating and evidenced.",
        "PARTIAL": "Some of what it needs is in place.",
        "NOT_MET": "What it needs is missing.",
        "NOT_ASSESSED": "Too little answered to judge.",
        "NOT_APPLICABLE": "Its category is out of scope.",
    },
    GapKind: {
        "DESIGN": "A control is missing or partly designed.",
        "OPERATING": "A control has not operated long enough for the window.",
        "EVIDENCE": "A control's runs do not leave records an auditor can sample.",
        "UNANSWERED": "A question that decides the control is unanswered.",
    },
    Severity: {
        "CRITICAL": "A key control is missing where an auditor would fail the criterion.",
        "HIGH": "Likely to be reported as an exception or a qualification.",
        "MEDIUM": "Weakens a criterion; worth fixing before fieldwork.",
        "LOW": "Minor or documentation-only.",
    },
    TimelineStatus: {
        "READY": "Nothing holds the window start: it can start now (or already started).",
        "PLANNED": "Work or operating time still holds the start: the dates are a plan.",
        "INSUFFICIENT_ANSWERS": "Too few in-scope controls are answered to give a date.",
    },
    BlockerReason: {
        "DESIGN_GAP": "A control must be designed or completed first.",
        "OPERATING_HISTORY": "A control needs more months of operation.",
        "NO_EVIDENCE": "A control's runs leave no evidence yet.",
        "UNANSWERED": "A deciding question is unanswered.",
    },
    Treatment: {
        "CARVE_OUT": "The subservice's controls are excluded; its own SOC 2 report covers them.",
        "INCLUSIVE": "The subservice's controls are included in the audit.",
    },
    OccurrenceResult: {
        "PASS": "The control ran as designed.",
        "EXCEPTION": "The control ran late, incompletely or not as designed.",
    },
    Verdict: {
        "EFFECTIVE": "No deviation in the population: the sample finds none.",
        "AT_RISK": "Deviations exist; the sample finds one with probability under 50%.",
        "EXCEPTIONS_LIKELY": "The sample finds a deviation with probability 50% or more.",
        "NOT_YET_TESTABLE": "Evidence is on file but no period of the window is due yet.",
        "NO_EVIDENCE": "Nothing is on file for the control up to the window's last day.",
        "NOT_APPLICABLE": "The control is out of scope.",
    },
    OperatingSource: {
        "ANSWERS": "From a dated MONTHS answer.",
        "LEDGER": "From occurrences in the evidence ledger.",
    },
    RemediationStatus: {
        "OPEN": "Not started.",
        "IN_PROGRESS": "Being worked on.",
        "DONE": "Closed (also set when the gap closed in a later save).",
        "RISK_ACCEPTED": "Left open on purpose, with the risk accepted.",
    },
    ExportFormat: {
        "JSON": "The full report as JSON.",
        "CSV": "One row per gap.",
        "MARKDOWN": "The report as Markdown.",
        "HTML": "A self-contained, printable HTML report.",
        "OSCAL_ASSESSMENT_RESULTS": "OSCAL 1.2 assessment results (JSON).",
        "OSCAL_POAM": "OSCAL 1.2 plan of action and milestones (JSON).",
        "EVIDENCE_REQUESTS": "CSV: what the auditor will ask for, per control.",
        "PDF": "The client report as an A4 PDF (base64).",
        "XLSX": "The gaps and the remediation plan as a workbook (base64).",
    },
}
for described_enum, described in VALUES.items():
    definition: StrawberryEnumDefinition = getattr(described_enum, "__strawberry_definition__")  # noqa: B009
    for value in definition.values:
        value.description = described[value.name]

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
