"""Catalog look-ups: which published versions a caller can see, resolved through the cache.

Global versions (no organisation) are visible to everyone; an organisation's
own imports only inside that organisation. Each look-up is one projected
query for the version's id; the parsed version comes from the process cache,
or one more read the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bson import ObjectId

from service.catalog.catalog import Catalog, FrameworkVersion, QuestionnaireVersion
from service.storage.documents import FrameworkRecord, QuestionnaireRecord
from service.storage.repositories.catalog import CatalogRecords, Record

Parsed = TypeVar("Parsed", FrameworkVersion, QuestionnaireVersion)


class CatalogRepository:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def framework(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> FrameworkVersion | None:
        """An organisation's own framework of that key if it has one, else the global one."""
        record_id = await _visible_id(FrameworkRecord, key, version, organization_id)
        return await self.framework_by_id(record_id) if record_id is not None else None

    async def framework_by_id(self, record_id: ObjectId) -> FrameworkVersion | None:
        return await _parsed(
            FrameworkRecord, record_id, self.catalog.cached_framework, self.catalog.framework_of
        )

    async def questionnaire(
        self, key: str, version: str | None = None, organization_id: ObjectId | None = None
    ) -> QuestionnaireVersion | None:
        """An organisation's own questionnaire of that key if it has one, else the global one."""
        record_id = await _visible_id(QuestionnaireRecord, key, version, organization_id)
        return await self.questionnaire_by_id(record_id) if record_id is not None else None

    async def questionnaire_by_id(self, record_id: ObjectId) -> QuestionnaireVersion | None:
        return await _parsed(
            QuestionnaireRecord,
            record_id,
            self.catalog.cached_questionnaire,
            self.catalog.questionnaire_of,
        )

    async def frameworks(self, organization_id: ObjectId | None = None) -> list[FrameworkVersion]:
        """The latest version of every framework visible in the organisation (or globally)."""
        latest = await CatalogRecords(organization_id).latest_ids(FrameworkRecord)
        result = []
        for record_id in latest.values():
            version = await self.framework_by_id(record_id)
            if version is not None:
                result.append(version)
        return sorted(result, key=lambda v: (v.organization_id is not None, v.key))


async def _visible_id(
    record_type: type[Record], key: str, version: str | None, organization_id: ObjectId | None
) -> ObjectId | None:
    """The id of the organisation's own latest version of ``key`` (or that ``version`` of
    it) if it has one, else the global catalog's."""
    records = CatalogRecords(organization_id)
    for owner in [organization_id, None] if organization_id else [None]:
        record_id = await records.latest_id(record_type, key, version, owner)
        if record_id is not None:
            return record_id
    return None


async def _parsed(
    record_type: type[Record],
    record_id: ObjectId,
    cached: Callable[[ObjectId], Parsed | None],
    parse: Callable[[Record], Parsed],
) -> Parsed | None:
    """A version from the process cache, else read once and parsed (None: no such record)."""
    found = cached(record_id)
    if found is not None:
        return found
    record = await CatalogRecords().by_id(record_type, record_id)
    return parse(record) if record else None
