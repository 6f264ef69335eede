"""What each mutation hands back: the object it changed, or the errors that stopped it.

Every mutation has a payload of its own name (``SubmitAssessmentPayload``:
Relay's convention, so one can gain a field without touching the others); those
that return the same object share its fields through a base
(``AssessmentPayload``, ``OrganizationPayload``). They live together here, by
the object they return, so the mutation modules hold only their input and
their resolver.
"""

from __future__ import annotations

from typing import Self

import strawberry

from service.api.errors import UserError
from service.api.types.access import ApiKey, Member
from service.api.types.assessment import AssessmentType
from service.api.types.catalog import Framework, Questionnaire
from service.api.types.copying import Copied
from service.api.types.ledger import AuditSampleType, SampleSize
from service.api.types.organization import OrganizationType
from service.api.types.policy import PolicyDraftType
from service.api.types.remediation import RemediationItem
from service.api.types.report_link import ReportLink
from service.api.types.webhook import Webhook
from service.assessment.records import Organization
from service.assessment.service import AssessmentView


@strawberry.type
class AssessmentPayload:
    assessment: AssessmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, view: AssessmentView) -> Self:
        return cls(assessment=AssessmentType.of(view))


@strawberry.type
class CreateAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type
class UpdateAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type
class SaveAnswersPayload(AssessmentPayload):
    pass


@strawberry.type
class SubmitAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type
class ReopenAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type
class SetSubserviceOrganizationsPayload(AssessmentPayload):
    pass


@strawberry.type
class ArchiveAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(name="ExportedFile")
class ExportedFileType(Copied):
    filename: str
    content_type: str
    content: str = strawberry.field(
        description="The file: text, or for PDF and XLSX its bytes in base64 (see encoding)."
    )
    encoding: str = strawberry.field(description='"utf-8" (text) or "base64" (PDF, XLSX).')


@strawberry.type
class ExportAssessmentPayload:
    export: ExportedFileType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationPayload:
    organization: OrganizationType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, record: Organization) -> Self:
        return cls(organization=OrganizationType.of(record))


@strawberry.type
class CreateOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type
class RenameOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The key itself; shown only in this answer."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DraftPoliciesPayload:
    drafts: list[PolicyDraftType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewPolicyDraftPayload:
    draft: PolicyDraftType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportFrameworkPayload:
    framework: Framework | None = None
    published: bool = strawberry.field(
        default=False, description="False when an identical version existed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportQuestionnairePayload:
    questionnaire: Questionnaire | None = None
    published: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordOccurrencesPayload:
    recorded: int = strawberry.field(default=0, description="Occurrences added to the ledger.")
    duplicates: int = strawberry.field(
        default=0, description="Occurrences whose externalId was on file already: unchanged."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportOccurrencesPayload(RecordOccurrencesPayload):
    pass


@strawberry.type
class SetSamplingProfilePayload:
    sampling_profile: list[SampleSize] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SimulateAuditPayload:
    samples: list[AuditSampleType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteOrganizationPayload:
    deleted_organization_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateRemediationPayload:
    item: RemediationItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateReportLinkPayload:
    link: ReportLink | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeReportLinkPayload:
    link: ReportLink | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetReportBrandingPayload(OrganizationPayload):
    pass


@strawberry.type(description="The result of createWebhook.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(default=None, description="The new webhook.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret, shown this once: keep it to verify deliveries.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong; nothing was changed."
    )


@strawberry.type(description="The result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the webhook removed."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong; nothing was changed."
    )


@strawberry.type(description="The result of resumeWebhook.")
class ResumeWebhookPayload:
    webhook: Webhook | None = strawberry.field(default=None, description="The webhook, active.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong; nothing was changed."
    )


@strawberry.type(description="The result of createProvisioningKey.")
class CreateProvisioningKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The new key.")
    secret: str | None = strawberry.field(
        default=None, description="The key itself; shown only in this answer."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong; nothing was changed."
    )


@strawberry.type(description="The result of revokeProvisioningKey.")
class RevokeProvisioningKeyPayload:
    revoked_key_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the key revoked."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What was wrong; nothing was changed."
    )
