"""GraphQL types of members, API keys and audit events."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from service.api.enums import Role
from service.api.errors import UserError
from service.api.ids import encode_id
from service.assessment.records import ApiKey as ApiKeyRecord
from service.assessment.records import AuditEvent as AuditEventRecord
from service.assessment.records import Membership


@strawberry.type
class Member:
    subject: str
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, record: Membership) -> Member:
        return cls(subject=record.subject, role=record.role, created_at=record.created_at)


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError]


@strawberry.type(description="An API key's metadata; its secret is shown once, at creation.")
class ApiKey:
    id: strawberry.ID
    name: str
    role: Role | None
    prefix: str = strawberry.field(description="The key's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: ApiKeyRecord) -> ApiKey:
        assert record.id is not None  # noqa: S101
        return cls(
            id=strawberry.ID(encode_id("ApiKey", record.id)),
            name=record.name,
            role=record.role,
            prefix=f"rk_{record.lookup[:6]}",
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            revoked_at=record.revoked_at,
        )


@strawberry.type
class AuditEvent:
    id: strawberry.ID
    actor: str
    actor_kind: str
    action: str
    target_type: str
    target_id: str | None
    at: datetime
    request_id: str
    details: str = strawberry.field(description="JSON: identifiers and counts, never answer text.")

    @classmethod
    def of(cls, record: AuditEventRecord) -> AuditEvent:
        assert record.id is not None  # noqa: S101
        return cls(
            id=strawberry.ID(encode_id("AuditEvent", record.id)),
            actor=record.actor,
            actor_kind=record.actor_kind,
            action=record.action,
            target_type=record.target_type,
            target_id=record.target_id,
            at=record.at,
            request_id=record.request_id,
            details=json.dumps(record.details, sort_keys=True, default=str),
        )
