"""An organisation's audit events, newest first. There is no update or delete here:
events are written by ``storage.writes.write`` together with the change they record."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from service.storage.documents import AuditEvent
from service.storage.repositories.base import Page, Repository, TenantScope


class AuditRepository(Repository):
    """An organisation's audit events, newest first."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.scope = scope

    async def page(self, first: int, after: ObjectId | None) -> Page[AuditEvent]:
        keyset: dict[str, Any] = {"_id": {"$lt": after}} if after is not None else {}
        rows = await self._find(
            AuditEvent, sort=[("organization_id", 1), ("_id", -1)], limit=first + 1, **keyset
        )
        return Page(
            items=rows[:first],
            has_next=len(rows) > first,
            count=lambda: self._count(AuditEvent),
        )
