"""Repositories: every database query of the service, one module per aggregate.

All derive from ``base.Repository``, whose filters start from the organisations
in scope (see ``base``). Reads use projections where a whole document is not
needed, writes use update operators.
"""

from service.storage.documents import document_of, now
from service.storage.repositories.api_key import ApiKeyRepository, OrganizationKeys
from service.storage.repositories.assessment import AssessmentRepository
from service.storage.repositories.audit import AuditRepository
from service.storage.repositories.base import Page, Repository, Scope, TenantScope
from service.storage.repositories.catalog import CatalogRecords
from service.storage.repositories.draft import LATEST_DRAFTS, MAX_KEY_CHAIN, DraftRepository
from service.storage.repositories.membership import (
    OWNER_LOCK_SECONDS,
    OWNER_LOCK_WAIT_SECONDS,
    MembershipRepository,
    PrincipalMemberships,
)
from service.storage.repositories.organization import OrganizationRepository

__all__ = [
    "LATEST_DRAFTS",
    "MAX_KEY_CHAIN",
    "OWNER_LOCK_SECONDS",
    "OWNER_LOCK_WAIT_SECONDS",
    "ApiKeyRepository",
    "AssessmentRepository",
    "AuditRepository",
    "CatalogRecords",
    "DraftRepository",
    "MembershipRepository",
    "OrganizationKeys",
    "OrganizationRepository",
    "Page",
    "PrincipalMemberships",
    "Repository",
    "Scope",
    "TenantScope",
    "document_of",
    "now",
]
