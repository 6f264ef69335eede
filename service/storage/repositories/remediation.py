"""Remediation items of one organisation's assessments: owners, dates and status per gap."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from service.storage.documents import RemediationItem, now
from service.storage.repositories.base import Repository, TenantScope
from service.storage.writes import Duplicate, GuardFailed, write


class RemediationRepository(Repository):
    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.organization_id = scope.organization_id

    async def items(self, assessment_id: ObjectId) -> list[RemediationItem]:
        return await self._find(RemediationItem, assessment_id=assessment_id)

    async def item(self, assessment_id: ObjectId, gap_id: str) -> RemediationItem | None:
        return await self._find_one(RemediationItem, assessment_id=assessment_id, gap_id=gap_id)

    async def create(self, item: RemediationItem, event: dict[str, Any]) -> bool:
        """Insert the first version; False when another request created it first."""
        try:
            await write([self._insert(RemediationItem, item)], event)
        except Duplicate:
            return False
        return True

    async def update(
        self,
        item: RemediationItem,
        fields: dict[str, Any],
        *,
        event: dict[str, Any],
        subject: str,
    ) -> bool:
        """Apply ``fields`` to ``item`` at its version; False when it moved in between."""
        version = item.version
        changes = {**fields, "updated_at": now(), "updated_by": subject, "version": version + 1}
        step = self._guarded_update(
            RemediationItem, {"$set": changes}, _id=item.id, version=version
        )
        try:
            await write([step], event)
        except GuardFailed:
            return False
        return True
