"""Catalog look-ups: which published versions a caller can see, resolved through the cache.

Global versions (no organisation) are visible to everyone; an organisation's
own imports only inside that organisation. Each look-up is one projected
query for the version's id; the parsed version comes from the process cache,
or one more read the first time.
"""

from __future__ import annotations

from bson import ObjectId

from service.catalog.catalog import Catalog, FrameworkVersion, QuestionnaireVersion
from service.storage.documents import FrameworkRecord, QuestionnaireRecord
from service.storage.repositories.catalog import CatalogRecords


class CatalogRepository:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def framework(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> FrameworkVersion | None:
        """An organisation's own framework of that key if it has one, else the global one."""
        records = CatalogRecords(organization_id)
        for owner in [organization_id, None] if organization_id else [None]:
            record_id = await records.latest_id(FrameworkRecord, key, version, owner)
            if record_id is not None:
                return await self.framework_by_id(record_id)
        return None

    async def framework_by_id(self, record_id: ObjectId) -> FrameworkVersion | None:
        cached = self.catalog.cached_framework(record_id)
        if cached is not None:
            return cached
        record = await CatalogRecords().by_id(FrameworkRecord, record_id)
        return self.catalog.framework_of(record) if record else None

    async def questionnaire(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> QuestionnaireVersion | None:
        records = CatalogRecords(organization_id)
        for owner in [organization_id, None] if organization_id else [None]:
            record_id = await records.latest_id(QuestionnaireRecord, key, version, owner)
            if record_id is not None:
                return await self.questionnaire_by_id(record_id)
        return None

    async def questionnaire_by_id(self, record_id: ObjectId) -> QuestionnaireVersion | None:
        cached = self.catalog.cached_questionnaire(record_id)
        if cached is not None:
            return cached
        record = await CatalogRecords().by_id(QuestionnaireRecord, record_id)
        return self.catalog.questionnaire_of(record) if record else None

    async def frameworks(self, organization_id: ObjectId | None = None) -> list[FrameworkVersion]:
        """The latest version of every framework visible in the organisation (or globally)."""
        latest = await CatalogRecords(organization_id).latest_ids(FrameworkRecord)
        result = []
        for record_id in latest.values():
            version = await self.framework_by_id(record_id)
            if version is not None:
                result.append(version)
        return sorted(result, key=lambda v: (v.organization_id is not None, v.key))
