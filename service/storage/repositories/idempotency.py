"""Idempotency keys: the first response to a mutation, replayed to its retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.storage.documents import document_of
from service.storage.embedding_documents import IdempotencyRecord
from service.storage.repositories.base import Repository


class IdempotencyKeys(Repository):
    """Rows reached by their id, the digest of (principal, key): no organisation is
    involved (a key may create one)."""

    async def reserve(self, record: IdempotencyRecord) -> bool:
        """Store a PENDING row; False when one with this id exists."""
        return await self._insert_one(IdempotencyRecord, document_of(record), by="_id")

    async def get(self, key_id: str) -> IdempotencyRecord | None:
        return await self._find_one(IdempotencyRecord, by=("_id", key_id))

    async def take_over(self, current: IdempotencyRecord, fields: dict[str, Any]) -> bool:
        """Replace an expired row, or a PENDING one whose lease lapsed, by ``fields`` (a
        fresh reservation); False when another request did so first."""
        matched = await self._update(
            IdempotencyRecord,
            {"$set": fields},
            by=("_id", current.id),
            state=current.state,
            lease_until=current.lease_until,
        )
        return matched == 1

    async def finish(self, key_id: str, status: int, body: bytes) -> None:
        await self._update(
            IdempotencyRecord,
            {"$set": {"state": "DONE", "status": status, "body": body}},
            by=("_id", key_id),
        )

    async def release(self, key_id: str, lease_until: datetime) -> None:
        """Drop a reservation whose request failed before answering, so a retry applies."""
        await self._delete(
            IdempotencyRecord, by=("_id", key_id), state="PENDING", lease_until=lease_until
        )
