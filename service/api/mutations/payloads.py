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
from service.api.types.catalog import Framework
from service.api.types.copying import Copied
from service.api.types.ledger import AuditSampleType, SampleSize
from service.api.types.organization import OrganizationType
from service.api.types.policy import PolicyDraftType
from service.api.types.questionnaire import Questionnaire
from service.api.types.remediation import RemediationItem
from service.api.types.report_link import ReportLink
from service.api.types.webhook import Webhook
from service.assessment.records import Organization
from service.assessment.service import AssessmentView

# The description of every payload's ``errors``.
ERRORS = (
    "What was wrong, each with the path of the input field it concerns; empty on success. "
    "When not empty, nothing was changed."
)


@strawberry.type
class AssessmentPayload:
    assessment: AssessmentType | None = strawberry.field(
        default=None, description="The assessment after the change; null when errors is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)

    @classmethod
    def of(cls, view: AssessmentView) -> Self:
        return cls(assessment=AssessmentType.of(view))


@strawberry.type(description="The result of createAssessment.")
class CreateAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of updateAssessment.")
class UpdateAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of saveAnswers.")
class SaveAnswersPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of submitAssessment.")
class SubmitAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of reopenAssessment.")
class ReopenAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of setSubserviceOrganizations.")
class SetSubserviceOrganizationsPayload(AssessmentPayload):
    pass


@strawberry.type(description="The result of archiveAssessment.")
class ArchiveAssessmentPayload(AssessmentPayload):
    pass


@strawberry.type(name="ExportedFile", description="A rendered report, inline in the answer.")
class ExportedFileType(Copied):
    filename: str = strawberry.field(
        description="A file name to save it under: the framework, the organisation and the "
        "assessment id, with the format's extension."
    )
    content_type: str = strawberry.field(
        description='Its MIME type, e.g. "application/pdf" or "text/csv; charset=utf-8".'
    )
    content: str = strawberry.field(
        description="The file: text, or for PDF and XLSX its bytes in base64 (see encoding)."
    )
    encoding: str = strawberry.field(description='"utf-8" (text) or "base64" (PDF, XLSX).')


@strawberry.type(description="The result of exportAssessment.")
class ExportAssessmentPayload:
    export: ExportedFileType | None = strawberry.field(
        default=None, description="The file; null when errors is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type
class OrganizationPayload:
    organization: OrganizationType | None = strawberry.field(
        default=None,
        description="The organisation after the change; null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)

    @classmethod
    def of(cls, record: Organization) -> Self:
        return cls(organization=OrganizationType.of(record))


@strawberry.type(description="The result of createOrganization.")
class CreateOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="The result of renameOrganization.")
class RenameOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="The result of addMember, changeMemberRole or removeMember.")
class MemberPayload:
    member: Member | None = strawberry.field(
        default=None,
        description="The member as added or changed; for removeMember, as it was before its "
        "removal. Null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The new key's metadata; null when errors is not empty."
    )
    secret: str | None = strawberry.field(
        default=None, description="The key itself; shown only in this answer."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The key, with revokedAt set; null when errors is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of draftPolicies.")
class DraftPoliciesPayload:
    drafts: list[PolicyDraftType] = strawberry.field(
        default_factory=list,
        description="One draft per policy family of the chosen controls; a family whose inputs "
        "did not change gives back its latest draft. With stream, new ones may still be "
        "generating. Empty when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of reviewPolicyDraft.")
class ReviewPolicyDraftPayload:
    draft: PolicyDraftType | None = strawberry.field(
        default=None,
        description="The draft with its new status and version; null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of importFramework.")
class ImportFrameworkPayload:
    framework: Framework | None = strawberry.field(
        default=None,
        description="The version published, or the identical one already on file; null when "
        "errors is not empty.",
    )
    published: bool = strawberry.field(
        default=False, description="False when an identical version existed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of importQuestionnaire.")
class ImportQuestionnairePayload:
    questionnaire: Questionnaire | None = strawberry.field(
        default=None,
        description="The version published, or the identical one already on file; null when "
        "errors is not empty.",
    )
    published: bool = strawberry.field(
        default=False, description="False when an identical version existed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of recordOccurrences.")
class RecordOccurrencesPayload:
    recorded: int = strawberry.field(default=0, description="Occurrences added to the ledger.")
    duplicates: int = strawberry.field(
        default=0, description="Occurrences whose externalId was on file already: unchanged."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of importOccurrences.")
class ImportOccurrencesPayload(RecordOccurrencesPayload):
    pass


@strawberry.type(description="The result of setSamplingProfile.")
class SetSamplingProfilePayload:
    sampling_profile: list[SampleSize] | None = strawberry.field(
        default=None,
        description="The profile now in force, one size per frequency (ours where none was "
        "set); null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of simulateAudit.")
class SimulateAuditPayload:
    samples: list[AuditSampleType] = strawberry.field(
        default_factory=list,
        description="One sample per in-scope control with periods in the window: the periods "
        "drawn and what the ledger holds for them. Empty when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of deleteOrganization.")
class DeleteOrganizationPayload:
    deleted_organization_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The id the organisation had; null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of updateRemediation.")
class UpdateRemediationPayload:
    item: RemediationItem | None = strawberry.field(
        default=None,
        description="The gap's remediation item as saved; null when errors is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of createReportLink.")
class CreateReportLinkPayload:
    link: ReportLink | None = strawberry.field(
        default=None,
        description="The new link, with the url that is shown only here; null when errors is "
        "not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of revokeReportLink.")
class RevokeReportLinkPayload:
    link: ReportLink | None = strawberry.field(
        default=None, description="The link, with revokedAt set; null when errors is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of setReportBranding.")
class SetReportBrandingPayload(OrganizationPayload):
    pass


@strawberry.type(description="The result of createWebhook.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(default=None, description="The new webhook.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret, shown this once: keep it to verify deliveries.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the webhook removed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of resumeWebhook.")
class ResumeWebhookPayload:
    webhook: Webhook | None = strawberry.field(default=None, description="The webhook, active.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of createProvisioningKey.")
class CreateProvisioningKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The new key.")
    secret: str | None = strawberry.field(
        default=None, description="The key itself; shown only in this answer."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of revokeProvisioningKey.")
class RevokeProvisioningKeyPayload:
    revoked_key_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the key revoked."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)
