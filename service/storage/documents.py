"""Beanie documents: the shape of every MongoDB collection and its indexes.

Relations are plain ids (never Beanie ``Link``): the embedded server has no
``$lookup`` over DBRefs, and the API batches relations with DataLoaders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel

from service.principal import Role


def now() -> datetime:
    """The current time as BSON stores it: BSON dates hold milliseconds, so truncating here
    keeps a value equal to itself after a round trip."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def document_of(record: Document) -> dict[str, Any]:
    """A Beanie document as the BSON-ready dict it is stored as."""
    document: dict[str, Any] = record.model_dump(by_alias=True, exclude={"revision_id"})
    return document


def tenant_index(*keys: tuple[str, int], **options: Any) -> IndexModel:
    """An index on an organisation's documents: the organisation first, as every scoped
    query's filter (``repositories.base.Repository._filter``), then ``keys``."""
    return IndexModel([("organization_id", pymongo.ASCENDING), *keys], **options)


class Organization(Document):
    name: str
    created_at: datetime
    created_by: str
    # A lease held while the OWNER role is taken from someone (see
    # ``MembershipRepository.owner_changes``): such changes run one at a time.
    owners_lock: PydanticObjectId | None = None
    owners_lock_until: datetime | None = None
    # Changes with every batch of the evidence ledger that adds an occurrence: reports
    # computed from an earlier ledger name another stamp in their basis.
    ledger_stamp: str | None = None
    # The auditor's sample sizes by control frequency, where they differ from ours.
    sampling_profile: dict[str, int] = Field(default_factory=dict)
    # Who prepares its reports (a consultant's name) and their logo (a PNG, base64).
    report_consultant: str | None = None
    report_logo_png: str | None = None
    # Its webhooks, counted in the same write as each is registered or removed, so racing
    # registrations cannot pass the limit (``repositories.webhook.MAX_WEBHOOKS``).
    webhook_count: int = 0

    class Settings:
        name = "organizations"
        indexes = [IndexModel([("name", pymongo.ASCENDING), ("_id", pymongo.ASCENDING)])]


class Membership(Document):
    organization_id: PydanticObjectId
    subject: str
    role: Role
    created_at: datetime
    # The organisation's name, written with the membership and with every rename, so a
    # principal's organisations are listed by name from its memberships alone: one index
    # range whether it belongs to 2 organisations or 10,000 (``backfill_membership_names``
    # fills it in for memberships stored before it existed).
    organization_name: str | None = None

    class Settings:
        name = "members"
        indexes = [
            IndexModel(
                [("subject", pymongo.ASCENDING), ("organization_id", pymongo.ASCENDING)],
                unique=True,
            ),
            IndexModel(
                [
                    ("subject", pymongo.ASCENDING),
                    ("organization_name", pymongo.ASCENDING),
                    ("organization_id", pymongo.ASCENDING),
                ]
            ),
            tenant_index(("role", pymongo.ASCENDING)),
        ]


class ApiKey(Document):
    name: str
    lookup: str
    digest: str
    subject: str
    organization_id: PydanticObjectId | None = None
    role: Role | None = None
    platform_admin: bool = False
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    local_admin: bool = False
    # A provisioning key: belongs to no organisation, acts as ``provisioning:<id>`` and
    # becomes OWNER of the organisations it creates (``createProvisioningKey``).
    provisioning: bool = False

    class Settings:
        name = "api_keys"
        indexes = [
            IndexModel([("lookup", pymongo.ASCENDING)], unique=True),
            tenant_index(("_id", pymongo.ASCENDING)),
        ]


# Catalog versions: one key's versions per owner (global or one organisation), newest first.
_VERSIONS_OF_A_KEY = tenant_index(
    ("key", pymongo.ASCENDING), ("seq", pymongo.DESCENDING), unique=True
)


class PublishedVersion(BaseModel):
    """What every published catalog version holds (see ``catalog.publishing``): the key,
    its version number and name, the content hash, the owner (None: the global catalog),
    and the validated document itself. Not a collection: the records below are."""

    key: str
    version: str
    seq: int
    name: str
    content_hash: str
    organization_id: PydanticObjectId | None = None
    published_at: datetime
    body: dict[str, object] = Field(default_factory=dict)


class FrameworkRecord(PublishedVersion, Document):
    """A published version of a control framework (criteria plus control library)."""

    class Settings:
        name = "frameworks"
        indexes = [_VERSIONS_OF_A_KEY]


class QuestionnaireRecord(PublishedVersion, Document):
    """A published version of a readiness questionnaire."""

    framework_key: str
    framework_version: str = ""
    framework_id: PydanticObjectId | None = None

    class Settings:
        name = "questionnaires"
        indexes = [_VERSIONS_OF_A_KEY]


class AssessmentRecord(Document):
    """An organisation's assessment: pinned catalog versions, answers and the materialised report.

    ``answers`` is the current value of each question; earlier values are
    ``AnswerRevision`` documents in their own collection, written in the same
    ordered batch as the change, so this document stays the same size however
    often it is saved. ``answer_history`` is where versions before that kept them
    (still read, never written).
    ``report`` is computed in the same write as the answers; ``report_basis``
    says what it was computed from (engine, catalog versions, day), so a
    reader recomputes it when any of those changed.
    """

    organization_id: PydanticObjectId
    name: str
    framework_id: PydanticObjectId
    framework_key: str
    framework_version: str
    questionnaire_id: PydanticObjectId
    questionnaire_key: str
    questionnaire_version: str
    scope: list[str]
    scope_explicit: bool
    audit_type: str
    window_months: int
    target_date: str | None = None  # ISO date; BSON has no date-only type
    # Subservice organisations as people recorded them (``assessment.subservices``);
    # until recorded, a cloud-hosted company's provider is seeded from its answers.
    subservices: list[dict[str, Any]] = Field(default_factory=list)
    subservices_recorded: bool = False
    status: str
    version: int
    answers: list[dict[str, Any]] = Field(default_factory=list)
    answer_history: list[dict[str, Any]] = Field(default_factory=list)
    report: dict[str, Any] = Field(default_factory=dict)
    report_basis: str = ""
    # The organisation's ``ledger_stamp`` when this assessment last saw it: written with
    # every ledger batch (unless submitted), so the report basis follows the ledger.
    ledger_stamp: str | None = None
    readiness: float = 0.0
    completeness: float = 0.0
    created_at: datetime
    created_by: str
    updated_at: datetime
    submitted_at: datetime | None = None
    # Archived: out of default lists and read-only (``archiveAssessment``).
    archived: bool = False
    # A follow-up: the assessment its answers were copied from, and the questions that
    # needed a fresh answer then (``answers.carried``).
    copied_from: PydanticObjectId | None = None
    to_review: list[str] = Field(default_factory=list)

    class Settings:
        name = "assessments"
        indexes = [
            tenant_index(("_id", pymongo.DESCENDING)),
            tenant_index(("updated_at", pymongo.DESCENDING)),
        ]


class AssessmentSummary(Document):
    """What a list of assessments shows, kept beside each assessment in a small document:
    every field but its answers and history, and the report's headline (no criteria,
    controls or gaps). About a tenth of the assessment's size; written in the same write
    as every change of the assessment, so a page of assessments reads only these."""

    model_config = ConfigDict(extra="allow")

    organization_id: PydanticObjectId

    class Settings:
        name = "assessment_summaries"
        indexes = [
            tenant_index(("_id", pymongo.DESCENDING)),
            tenant_index(("updated_at", pymongo.DESCENDING)),
        ]


class AnswerRevision(Document):
    """An answer as it was before a save replaced or cleared it. Append-only."""

    organization_id: PydanticObjectId
    assessment_id: PydanticObjectId
    question_key: str
    value: str
    note: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    replaced_at: datetime
    replaced_by: str
    # The assessment version the replacing save produced: orders revisions within a moment.
    replaced_in_version: int

    class Settings:
        name = "answer_revisions"
        indexes = [
            tenant_index(
                ("assessment_id", pymongo.ASCENDING), ("replaced_in_version", pymongo.DESCENDING)
            ),
        ]


class AuditEvent(Document):
    """An append-only record of one mutation. Nothing in the service updates or deletes one,
    except that on a server without transactions ``storage.writes.write`` withdraws the
    event it wrote a moment before when the server refused the change outright."""

    actor: str
    actor_kind: str
    organization_id: PydanticObjectId | None = None
    action: str
    target_type: str
    target_id: str | None = None
    at: datetime
    request_id: str
    # Identifiers and counts only: never answer text, notes, names of secrets.
    details: dict[str, Any] = Field(default_factory=dict)

    class Settings:
        name = "audit_events"
        indexes = [tenant_index(("_id", pymongo.DESCENDING))]


class ControlOccurrence(Document):
    """One dated performance of a control, with its evidence (the evidence ledger).

    An occurrence sent with an ``external_id`` has an id derived from the organisation
    and that id (``repositories.occurrence.occurrence_id``), so the same occurrence sent
    twice is stored once. ``evidenced`` says whether ``evidence_ref`` is set, so reads
    that only count evidence need not carry the references."""

    organization_id: PydanticObjectId
    control_key: str
    performed_on: datetime  # a day, as midnight UTC: BSON has no date-only type
    passed: bool
    evidence_ref: str | None = None
    evidenced: bool = False
    note: str | None = None
    external_id: str | None = None
    recorded_by: str
    recorded_at: datetime

    class Settings:
        name = "control_occurrences"
        indexes = [
            # A window of one organisation's ledger; its history up to a day.
            tenant_index(("performed_on", pymongo.DESCENDING), ("_id", pymongo.DESCENDING)),
            # One control's occurrences, newest first (``Organization.occurrences``).
            tenant_index(
                ("control_key", pymongo.ASCENDING),
                ("performed_on", pymongo.DESCENDING),
                ("_id", pymongo.DESCENDING),
            ),
        ]


class RemediationItem(Document):
    """Who fixes one gap of an assessment, by when, and how far it got. Keyed by the gap's
    stable id, so it survives saves and recomputations; a gap that closed reads as done."""

    organization_id: PydanticObjectId
    assessment_id: PydanticObjectId
    gap_id: str
    owner: str | None = None
    due_date: str | None = None  # ISO date
    status: str = "OPEN"
    note: str | None = None
    version: int = 1
    updated_at: datetime
    updated_by: str

    class Settings:
        name = "remediation_items"
        indexes = [
            tenant_index(
                ("assessment_id", pymongo.ASCENDING), ("gap_id", pymongo.ASCENDING), unique=True
            )
        ]


class ReportLink(Document):
    """An unguessable, expiring link that opens one assessment's report without an account.
    Only the SHA-256 digest of its token is stored; the token is shown once."""

    organization_id: PydanticObjectId
    assessment_id: PydanticObjectId
    digest: str
    expires_at: datetime
    revoked_at: datetime | None = None
    created_at: datetime
    created_by: str

    class Settings:
        name = "report_links"
        indexes = [
            IndexModel([("digest", pymongo.ASCENDING)], unique=True),
            tenant_index(("assessment_id", pymongo.ASCENDING)),
        ]


DOCUMENT_MODELS: list[type[Document]] = [
    Organization,
    Membership,
    ApiKey,
    FrameworkRecord,
    QuestionnaireRecord,
    AssessmentRecord,
    AssessmentSummary,
    AnswerRevision,
    AuditEvent,
    ControlOccurrence,
    RemediationItem,
    ReportLink,
]
