"""The stored records the API may read, named in the domain layer.

The API renders these (an organisation, a member, an API key's metadata, an
audit event, an assessment, a page of any of them) but never reaches storage
to get them: it calls the services of this package, which return them.
"""

from __future__ import annotations

from service.storage.documents import (
    ApiKey,
    AssessmentRecord,
    AuditEvent,
    ControlOccurrence,
    Membership,
    Organization,
    RemediationItem,
    ReportLink,
)
from service.storage.repositories import Page
from service.storage.tenancy import Access, MembershipCache, TenantScope

__all__ = [
    "Access",
    "ApiKey",
    "AssessmentRecord",
    "AuditEvent",
    "ControlOccurrence",
    "Membership",
    "MembershipCache",
    "Organization",
    "Page",
    "RemediationItem",
    "ReportLink",
    "TenantScope",
]
