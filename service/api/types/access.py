"""GraphQL types of members, API keys and audit events."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from service.api.enums import Role
from service.api.types.copying import Copied, node_of
from service.assessment.records import ApiKey as ApiKeyRecord
from service.assessment.records import AuditEvent as AuditEventRecord


@strawberry.type
class Member(Copied):
    subject: str
    role: Role
    created_at: datetime


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
        return node_of(cls, "ApiKey", record, prefix=f"rk_{record.lookup[:6]}")


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
        details = json.dumps(record.details, sort_keys=True, default=str)
        return node_of(cls, "AuditEvent", record, details=details)
