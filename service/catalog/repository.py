"""Catalog look-ups: which published versions a caller can see, resolved through the cache.

Global versions (no organisation) are visible to everyone; an organisation's
own imports only inside that organisation. Each look-up is one projected
query for the version's id; the parsed version comes from the process cache,
or one more read the first time.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from service.catalog.catalog import Catalog, FrameworkVersion, QuestionnaireVersion
from service.storage.documents import FrameworkRecord, QuestionnaireRecord


class CatalogRepository:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @staticmethod
    def _owner_filter(organization_id: ObjectId | None) -> dict[str, Any]:
        return {"organization_id": organization_id}

    async def _latest_id(
        self,
        record_type: type[FrameworkRecord] | type[QuestionnaireRecord],
        key: str,
        version: str | None,
        organization_id: ObjectId | None,
    ) -> ObjectId | None:
        query: dict[str, Any] = {**self._owner_filter(organization_id), "key": key}
        if version is not None:
            query["version"] = version
        found = await record_type.get_pymongo_collection().find_one(
            query, projection={"_id": 1}, sort=[("seq", -1)]
        )
        return found["_id"] if found else None

    async def framework(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> FrameworkVersion | None:
        """An organisation's own framework of that key if it has one, else the global one."""
        for owner in [organization_id, None] if organization_id else [None]:
            record_id = await self._latest_id(FrameworkRecord, key, version, owner)
            if record_id is not None:
                return await self.framework_by_id(record_id)
        return None

    async def framework_by_id(self, record_id: ObjectId) -> FrameworkVersion | None:
        cached = self.catalog.cached_framework(record_id)
        if cached is not None:
            return cached
        record = await FrameworkRecord.get(record_id)
        return self.catalog.framework_of(record) if record else None

    async def questionnaire(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> QuestionnaireVersion | None:
        for owner in [organization_id, None] if organization_id else [None]:
            record_id = await self._latest_id(QuestionnaireRecord, key, version, owner)
            if record_id is not None:
                return await self.questionnaire_by_id(record_id)
        return None

    async def questionnaire_by_id(self, record_id: ObjectId) -> QuestionnaireVersion | None:
        cached = self.catalog.cached_questionnaire(record_id)
        if cached is not None:
            return cached
        record = await QuestionnaireRecord.get(record_id)
        return self.catalog.questionnaire_of(record) if record else None

    async def frameworks(self, organization_id: ObjectId | None = None) -> list[FrameworkVersion]:
        """The latest version of every framework visible in the organisation (or globally)."""
        owners = [None, organization_id] if organization_id else [None]
        latest: dict[tuple[ObjectId | None, str], ObjectId] = {}
        cursor = FrameworkRecord.get_pymongo_collection().find(
            {"organization_id": {"$in": owners}},
            projection={"_id": 1, "key": 1, "organization_id": 1},
            sort=[("seq", 1)],
        )
        async for row in cursor:
            latest[(row.get("organization_id"), row["key"])] = row["_id"]
        result = []
        for record_id in latest.values():
            version = await self.framework_by_id(record_id)
            if version is not None:
                result.append(version)
        return sorted(result, key=lambda v: (v.organization_id is not None, v.key))
