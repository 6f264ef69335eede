"""``Idempotency-Key``: a mutation applied once per key and principal for 24 hours.

The first request with a key reserves it (a PENDING row in MongoDB, so every pod sees
it) and stores its response when done. A retry with the same body gets that response
again; with a different body, 422; while the first still runs, 409. A reservation whose
pod died lapses after ``LEASE`` and the next retry runs the mutation. A request that
fails without answering (an exception) releases its key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from service.storage.documents import now
from service.storage.embedding_documents import IdempotencyRecord
from service.storage.repositories.idempotency import IdempotencyKeys

MAX_KEY_CHARS = 200
KEPT = timedelta(hours=24)
# Longer than any request may run (the server's own timeouts end it well before).
LEASE = timedelta(minutes=5)


class Outcome(Enum):
    RUN = "RUN"  # first time: run it, then ``finish``
    REPLAY = "REPLAY"  # the stored response answers
    REUSED = "REUSED"  # the key was used with another body
    IN_PROGRESS = "IN_PROGRESS"  # the first request is still running


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    key_id: str
    record: IdempotencyRecord | None = None


def key_id(subject: str, key: str) -> str:
    return hashlib.sha256(f"{subject}\0{key}".encode()).hexdigest()


class Idempotency:
    def __init__(self) -> None:
        self.keys = IdempotencyKeys()

    async def claim(self, subject: str, key: str, body: bytes) -> Claim:
        identity = key_id(subject, key)
        request = hashlib.sha256(body).hexdigest()
        moment = now()
        fresh = IdempotencyRecord(
            id=identity,
            subject=subject,
            request=request,
            lease_until=moment + LEASE,
            created_at=moment,
            expires_at=moment + KEPT,
        )
        for _ in range(3):
            if await self.keys.reserve(fresh):
                return Claim(Outcome.RUN, identity, fresh)
            current = await self.keys.get(identity)
            if current is None:
                continue  # expired and removed in between: reserve again
            expired = current.expires_at.replace(tzinfo=None) <= moment.replace(tzinfo=None)
            lapsed = current.state == "PENDING" and current.lease_until.replace(
                tzinfo=None
            ) <= moment.replace(tzinfo=None)
            if not expired and current.request != request:
                return Claim(Outcome.REUSED, identity)
            if expired or lapsed:
                fields = fresh.model_dump(exclude={"id", "revision_id"})
                if await self.keys.take_over(current, fields):
                    return Claim(Outcome.RUN, identity, fresh)
                continue
            if current.state == "DONE":
                return Claim(Outcome.REPLAY, identity, current)
            return Claim(Outcome.IN_PROGRESS, identity)
        return Claim(Outcome.IN_PROGRESS, identity)

    async def finish(self, claim: Claim, status: int, body: bytes) -> None:
        await self.keys.finish(claim.key_id, status, body)

    async def release(self, claim: Claim) -> None:
        if claim.record is not None:
            await self.keys.release(claim.key_id, claim.record.lease_until)
