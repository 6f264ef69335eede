"""The authenticated caller and what each organisation role may do.

A ``Principal`` is built once per request by the authentication middleware.
Roles are per organisation; what a role may do is one table, so the
permission matrix in docs/security.md and the code cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId


class Role(StrEnum):
    OWNER = "OWNER"
    ASSESSOR = "ASSESSOR"
    CONTRIBUTOR = "CONTRIBUTOR"
    VIEWER = "VIEWER"


class Permission(StrEnum):
    READ = "read"
    ANSWER = "answer"
    ASSESS = "assess"
    ADMINISTER = "administer"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ASSESSOR: frozenset({Permission.READ, Permission.ANSWER, Permission.ASSESS}),
    Role.CONTRIBUTOR: frozenset({Permission.READ, Permission.ANSWER}),
    Role.VIEWER: frozenset({Permission.READ}),
}


class PrincipalKind(StrEnum):
    USER = "USER"
    API_KEY = "API_KEY"
    # A WebSocket before connection_init: reaches nothing.
    ANONYMOUS = "ANONYMOUS"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    A user acts in every organisation it is a member of. An API key is bound
    to one organisation with one role, unless it is a local admin key, which
    acts as a user with platform-admin rights.
    """

    subject: str
    kind: PrincipalKind
    platform_admin: bool = False
    organization_id: ObjectId | None = None
    role: Role | None = None
    key_id: ObjectId | None = None

    @property
    def org_scoped(self) -> bool:
        return self.organization_id is not None
