"""Tenant scoping: the one place that decides which organisations a caller can reach.

Every repository of tenant data is constructed from a ``TenantScope``, and a
scope can only be obtained from ``Access.scope``, which checks membership.
An organisation the caller is not a member of is reported as NOT_FOUND,
exactly like one that does not exist, so ids of other tenants leak nothing.
"""

from __future__ import annotations

import time

from bson import ObjectId

from service.errors import Forbidden, NotFound
from service.principal import PERMISSIONS, Permission, Principal, PrincipalKind, Role
from service.storage.repositories.base import TenantScope
from service.storage.repositories.membership import PrincipalMemberships

__all__ = ["Access", "MembershipCache", "TenantScope", "system_scope"]

# Who the service acts as when it finishes work on its own (a draft whose pod stopped).
SYSTEM = Principal(subject="system:readiness", kind=PrincipalKind.API_KEY)


def system_scope(organization_id: ObjectId) -> TenantScope:
    """A scope for work the service itself resumes in an organisation, never for a
    caller: it finishes what a member started (a draft its pod left unfinished)."""
    return TenantScope(organization_id=organization_id, role=Role.OWNER, principal=SYSTEM)


class MembershipCache:
    """Roles per subject, shared by the requests of one process for a few seconds.

    Saves a query on every request of a busy user. A membership change made
    in this process clears the subject's entry at once; one made by another
    pod is seen within ``TTL_SECONDS``.
    """

    TTL_SECONDS = 5.0
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, dict[ObjectId, Role]]] = {}

    def get(self, subject: str) -> dict[ObjectId, Role] | None:
        entry = self._entries.get(subject)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, subject: str, roles: dict[ObjectId, Role]) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[subject] = (time.monotonic() + self.TTL_SECONDS, roles)

    def forget(self, subject: str | None = None) -> None:
        if subject is None:
            self._entries.clear()
        else:
            self._entries.pop(subject, None)


class Access:
    """The caller's organisations and roles, loaded at most once per request."""

    def __init__(self, principal: Principal, cache: MembershipCache | None = None) -> None:
        self.principal = principal
        self.cache = cache or MembershipCache()
        self._roles: dict[ObjectId, Role] | None = None

    async def roles(self) -> dict[ObjectId, Role]:
        if self._roles is None:
            if self.principal.kind is PrincipalKind.ANONYMOUS:
                self._roles = {}
            elif self.principal.organization_id is not None and self.principal.role is not None:
                self._roles = {self.principal.organization_id: self.principal.role}
            else:
                cached = self.cache.get(self.principal.subject)
                if cached is None:
                    cached = await PrincipalMemberships(self.principal.subject).roles()
                    self.cache.put(self.principal.subject, cached)
                self._roles = cached
        return self._roles

    def refresh(self) -> None:
        """Read the roles again at next use (through the shared cache): a long-lived
        operation, such as a subscription, sees membership changes as requests do."""
        self._roles = None

    def forget(self, subject: str | None = None) -> None:
        """Drop cached roles after this request changed a membership."""
        self._roles = None
        self.cache.forget(subject or self.principal.subject)

    async def scope(
        self, organization_id: ObjectId | None, permission: Permission = Permission.READ
    ) -> TenantScope:
        """The scope for one organisation, or NOT_FOUND / FORBIDDEN."""
        role = (await self.roles()).get(organization_id) if organization_id else None
        if organization_id is None or role is None:
            raise NotFound("organization not found", ("organizationId",))
        if permission not in PERMISSIONS[role]:
            raise Forbidden(f"the {role.value} role may not do this", ("organizationId",))
        return TenantScope(organization_id=organization_id, role=role, principal=self.principal)

    async def readable_scope(self, organization_id: ObjectId) -> TenantScope | None:
        """The read scope for one organisation, or None when it is not the caller's."""
        role = (await self.roles()).get(organization_id)
        if role is None:
            return None
        return TenantScope(organization_id=organization_id, role=role, principal=self.principal)
