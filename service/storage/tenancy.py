"""Tenant scoping: the one place that decides which organisations a caller can reach.

Every repository of tenant data is constructed from a ``TenantScope``, and a
scope can only be obtained from ``Access.scope``, which checks membership.
An organisation the caller is not a member of is reported as NOT_FOUND,
exactly like one that does not exist, so ids of other tenants leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId

from service.auth.principal import PERMISSIONS, Permission, Principal, Role
from service.errors import Forbidden, NotFound
from service.storage.documents import Membership


@dataclass(frozen=True, slots=True)
class TenantScope:
    """Proof that ``principal`` may act in ``organization_id`` with ``role``."""

    organization_id: ObjectId
    role: Role
    principal: Principal

    def allows(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


class Access:
    """The caller's organisations and roles, loaded at most once per request."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self._roles: dict[ObjectId, Role] | None = None

    async def roles(self) -> dict[ObjectId, Role]:
        if self._roles is None:
            if self.principal.organization_id is not None and self.principal.role is not None:
                self._roles = {self.principal.organization_id: self.principal.role}
            else:
                members = await Membership.find(
                    Membership.subject == self.principal.subject
                ).to_list()
                self._roles = {member.organization_id: member.role for member in members}
        return self._roles

    def forget(self) -> None:
        """Drop the cached roles after this request changed a membership."""
        self._roles = None

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
