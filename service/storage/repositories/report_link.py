"""Shared report links: created and revoked within an organisation, found by their digest."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from service.storage.documents import ReportLink, now
from service.storage.repositories.base import Memberships, Repository, TenantScope
from service.storage.writes import GuardFailed, write


class ReportLinks(Repository):
    """The links of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])

    async def create(self, link: ReportLink, event: dict[str, Any]) -> None:
        await write([self._insert(ReportLink, link)], event)

    async def of_assessment(self, assessment_id: ObjectId) -> list[ReportLink]:
        return await self._find(
            ReportLink,
            sort=[("organization_id", 1), ("assessment_id", 1)],
            assessment_id=assessment_id,
        )

    async def get(self, link_id: ObjectId) -> ReportLink | None:
        return await self._find_one(ReportLink, _id=link_id)

    async def revoke(self, link_id: ObjectId, event: dict[str, Any]) -> bool:
        step = self._guarded_update(
            ReportLink, {"$set": {"revoked_at": now()}}, _id=link_id, revoked_at=None
        )
        try:
            await write([step], event)
        except GuardFailed:
            return False
        return True

    @staticmethod
    async def find(access: Memberships, link_id: ObjectId) -> ReportLink | None:
        """A link of any of the caller's organisations."""
        reach = Repository(list((await access.roles()).keys()))
        return await reach._find_one(ReportLink, _id=link_id)

    @staticmethod
    async def by_digest(digest: str) -> ReportLink | None:
        """The link a token names, before any organisation is known."""
        return await Repository()._find_one(ReportLink, by=("digest", digest))
