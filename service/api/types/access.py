"""GraphQL types of members, API keys and audit events."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from service.api.enums import Role
from service.api.types.copying import Copied, node_of
from service.assessment.records import ApiKey as ApiKeyRecord
from service.assessment.records import AuditEvent as AuditEventRecord


@strawberry.type(description="A person's membership of an organisation, with the role it grants.")
class Member(Copied):
    subject: str = strawberry.field(
        description="The user's subject: the `sub` claim of their identity provider's tokens."
    )
    role: Role = strawberry.field(description="What the member may do in the organisation.")
    created_at: datetime = strawberry.field(description="When the member was added.")


@strawberry.type(description="An API key's metadata; its secret is shown once, at creation.")
class ApiKey:
    id: strawberry.ID = strawberry.field(
        description="Global id of the key; pass it to revokeApiKey (or revokeProvisioningKey)."
    )
    name: str = strawberry.field(description="The label given at creation, for people.")
    role: Role | None = strawberry.field(
        description="The role the key acts with in its organisation; null for a provisioning "
        "key, which belongs to no organisation."
    )
    prefix: str = strawberry.field(description="The key's first characters, to recognise it.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="When the key last authenticated a request (updated at most once a "
        "minute); null if never used."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When the key was revoked and stopped working; null while it is live."
    )

    @classmethod
    def of(cls, record: ApiKeyRecord) -> ApiKey:
        return node_of(cls, "ApiKey", record, prefix=f"rk_{record.lookup[:6]}")


@strawberry.type(
    description="One recorded change (or report-link open) in an organisation: who, what and "
    "in which request. Events are never edited or deleted."
)
class AuditEvent:
    id: strawberry.ID = strawberry.field(
        description="Opaque id, unique among audit events (not fetchable with `node`)."
    )
    actor: str = strawberry.field(
        description="Who acted: a user's subject, `apikey:<id>` for an organisation API key, "
        "`provisioning:<id>` for a provisioning key."
    )
    actor_kind: str = strawberry.field(
        description="What the actor is: USER, API_KEY, or SYSTEM for the service itself."
    )
    action: str = strawberry.field(
        description="The operation recorded, usually the mutation's name (saveAnswers, "
        "addMember, openReportLink, ...)."
    )
    target_type: str = strawberry.field(
        description="The kind of object acted on: Organization, Assessment, Member, ApiKey, "
        "PolicyDraft, Webhook or Catalog."
    )
    target_id: str | None = strawberry.field(
        description="The object's database id (not a global id), or a member's subject; null "
        "when the action has no single target."
    )
    at: datetime = strawberry.field(description="When the change was made.")
    request_id: str = strawberry.field(
        description="The request's id (its X-Request-Id header), to find it in server logs."
    )
    details: str = strawberry.field(description="JSON: identifiers and counts, never answer text.")

    @classmethod
    def of(cls, record: AuditEventRecord) -> AuditEvent:
        details = json.dumps(record.details, sort_keys=True, default=str)
        return node_of(cls, "AuditEvent", record, details=details)
