"""Published catalog versions (frameworks and questionnaires) visible to an organisation.

Global versions carry no organisation (``organization_id`` None) and are visible
to everyone; an organisation's own imports only inside it. The scope is the
global documents plus, when given, one organisation's.
"""

from __future__ import annotations

from typing import Any, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId

from service.storage.documents import FrameworkRecord, QuestionnaireRecord, document_of
from service.storage.repositories.base import Repository
from service.storage.writes import Duplicate, write

Record = TypeVar("Record", FrameworkRecord, QuestionnaireRecord)


class CatalogRecords(Repository):
    """Catalog versions of the global catalog and, given one, an organisation's own."""

    def __init__(self, organization_id: ObjectId | None = None) -> None:
        super().__init__([organization_id, None] if organization_id else [None])
        self.organization_id = organization_id

    async def latest_id(
        self, record_type: type[Record], key: str, version: str | None, owner: ObjectId | None
    ) -> ObjectId | None:
        """The id of ``owner``'s latest version of ``key`` (or that ``version`` of it)."""
        wanted: dict[str, Any] = {"version": version} if version is not None else {}
        found = await self._row(
            record_type, within=owner, projection={"_id": 1}, sort=[("seq", -1)], key=key, **wanted
        )
        return found["_id"] if found else None

    async def latest(self, record_type: type[Record], key: str) -> Record | None:
        """The latest version of ``key`` owned exactly by this scope's organisation (or, for
        the global catalog, by none): the one a new version follows."""
        return await self._find_one(
            record_type, within=self.organization_id, sort=[("seq", -1)], key=key
        )

    async def latest_ids(
        self, record_type: type[Record]
    ) -> dict[tuple[ObjectId | None, str], ObjectId]:
        """The latest version's id of every key in scope, per owner."""
        latest: dict[tuple[ObjectId | None, str], ObjectId] = {}
        rows = await self._rows(
            record_type, projection={"_id": 1, "key": 1, "organization_id": 1}, sort=[("seq", 1)]
        )
        for row in rows:
            latest[(row.get("organization_id"), row["key"])] = row["_id"]
        return latest

    async def by_id(self, record_type: type[Record], record_id: ObjectId) -> Record | None:
        """A version by the id a scoped record pinned (published versions never change)."""
        return await self._find_one(record_type, by=("_id", record_id))

    async def publish(
        self, record: FrameworkRecord | QuestionnaireRecord, event: dict[str, Any] | None = None
    ) -> bool:
        """Store a new version, with its audit event in the same write when one is given;
        False (and nothing written) when another process stored that version first."""
        record.id = record.id or PydanticObjectId()
        if event is None:
            return await self._insert_one(type(record), document_of(record))
        try:
            await write([self._insert(type(record), document_of(record))], event)
        except Duplicate:
            return False
        return True
