"""The evidence ledger of one organisation: dated control occurrences.

Recording a batch is one write: the new occurrences, a fresh ledger stamp on the
organisation and on its assessments that are not submitted (their report basis
names it, so their reports are recomputed from the new ledger), and the audit event.
An occurrence with an external id has an id derived from the organisation and that
id, so the same occurrence sent again is found by its id and counted as a
duplicate (and a concurrent batch carrying it collides with it on ``_id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from service.errors import InvalidState, NotFound
from service.storage.documents import (
    AssessmentRecord,
    AssessmentSummary,
    ControlOccurrence,
    Organization,
    now,
)
from service.storage.repositories.base import Memberships, Page, Repository, TenantScope
from service.storage.writes import Duplicate, GuardFailed, InsertMany, UpdateEvery, Write, write

# Ids looked up per query when finding duplicates: a long ``$in`` costs some servers
# (the embedded one) time that grows with its square.
LOOKUP_CHUNK = 200
# Rows per batch of a large ledger read: each batch is decoded on the event loop, so a
# read of 100,000 occurrences yields to other requests between batches.
READ_BATCH = 5_000
# What the dry run and the report read of an occurrence.
_FACTS = {"control_key": 1, "performed_on": 1, "passed": 1, "evidenced": 1}
SUBMITTED = "SUBMITTED"
_DAY = timedelta(days=1)
# A page of the ledger is read in windows back from its newest day: this many days first,
# each next window this many times longer, and last the whole range (``page``).
PAGE_WINDOWS_DAYS = (31, 124, 496, 1984)


def _on_or_after(day: datetime) -> dict[str, datetime]:
    """``performed_on >= day``, written as ``> the day before``: days are stored as
    midnights, so the two are the same, and the embedded server's index scan drops the
    equal bound of a ``$gte`` on these indexes (SecantusDB 0.7)."""
    return {"$gt": day - _DAY}


def _between(
    conditions: dict[str, Any], since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """``conditions`` with occurrences performed from ``since`` to ``until`` (both days
    included; either may be open)."""
    day: dict[str, Any] = {}
    if since is not None:
        day.update(_on_or_after(since))
    if until is not None:
        day["$lte"] = until
    return {**conditions, "performed_on": day} if day else dict(conditions)


def occurrence_id(organization_id: ObjectId, external_id: str) -> ObjectId:
    """The id of the occurrence an organisation sends with ``external_id``."""
    digest = hashlib.sha256(f"{organization_id}:{external_id}".encode()).digest()
    return ObjectId(digest[:12])


class OccurrenceRepository(Repository):
    """One organisation's ledger."""

    def __init__(self, scope: TenantScope) -> None:
        super().__init__([scope.organization_id])
        self.organization_id = scope.organization_id

    @staticmethod
    async def find(access: Memberships, occurrence: ObjectId) -> ControlOccurrence | None:
        """An occurrence of any of the caller's organisations (``node(id:)``)."""
        reach = Repository(list((await access.roles()).keys()))
        return await reach._find_one(ControlOccurrence, _id=occurrence)

    async def _existing(self, ids: Sequence[ObjectId]) -> set[ObjectId]:
        found: set[ObjectId] = set()
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = list(ids[start : start + LOOKUP_CHUNK])
            rows = await self._rows(ControlOccurrence, _id={"$in": chunk}, projection={"_id": 1})
            found.update(row["_id"] for row in rows)
        return found

    async def record(
        self, rows: Sequence[dict[str, Any]], event: dict[str, Any], stamp: str
    ) -> tuple[int, int]:
        """Store the occurrences not on file yet; (recorded, duplicates). Nothing is
        written when every one is a duplicate. A batch that races another carrying the
        same external id is checked again once."""
        for attempt in range(2):
            keyed = [row["_id"] for row in rows if row.get("external_id")]
            on_file = await self._existing(keyed) if keyed else set()
            fresh: list[dict[str, Any]] = []
            seen: set[ObjectId] = set()
            for row in rows:
                if row["_id"] in on_file or row["_id"] in seen:
                    continue
                seen.add(row["_id"])
                fresh.append(row)
            duplicates = len(rows) - len(fresh)
            if not fresh:
                return 0, duplicates
            for row in fresh:
                self._owned(ControlOccurrence, row, None)
            steps: list[Write] = [
                self._guarded_update(Organization, {"$set": {"ledger_stamp": stamp}}),
                InsertMany(ControlOccurrence, fresh),
                *(
                    UpdateEvery(
                        document,
                        self._filter(document, status={"$ne": SUBMITTED}),
                        {"$set": {"ledger_stamp": stamp}},
                    )
                    for document in (AssessmentRecord, AssessmentSummary)
                ),
            ]
            counted = {**event["details"], "recorded": len(fresh), "duplicates": duplicates}
            try:
                await write(steps, {**event, "details": counted})
            except GuardFailed:
                raise NotFound("organization not found", ("organizationId",)) from None
            except Duplicate:
                if attempt:
                    raise InvalidState(
                        "another batch with the same external ids is being recorded; retry"
                    ) from None
                continue
            return len(fresh), duplicates
        raise AssertionError("unreachable")  # pragma: no cover

    async def page(
        self,
        *,
        first: int,
        after: tuple[datetime, ObjectId] | None,
        control_key: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Page[ControlOccurrence]:
        """Occurrences newest first, keyset-paged by (performed_on, _id).

        Read in widening windows back from the newest day the page can hold (the cursor's,
        ``until``, or today): the last ``PAGE_WINDOWS_DAYS[0]`` days first, and only when
        they hold less than a page, a window ``PAGE_WINDOWS_GROWTH`` times longer, up to
        the whole range. Everything a window leaves out is older than everything in it, so
        a window holding more than a page gives exactly the page the whole range would. A
        ledger adds occurrences daily, so one short window is the usual read, and the
        work of a page does not grow with the years a ledger holds (on MongoDB it bounds
        the index range; the embedded server reads every document a query matches before
        it sorts, so there it is the difference between a month and the whole ledger)."""
        chosen: dict[str, Any] = {} if control_key is None else {"control_key": control_key}
        base = dict(chosen)
        if after is not None:
            performed, last_id = after
            base["$or"] = [
                {"performed_on": {"$lt": performed}},
                {"performed_on": performed, "_id": {"$lt": last_id}},
            ]
        newest = after[0] if after is not None else until or now()
        items: list[ControlOccurrence] = []
        for days in (*PAGE_WINDOWS_DAYS, None):
            lower = since
            if days is not None and (since is None or newest - timedelta(days=days) > since):
                lower = newest - timedelta(days=days)
            items = await self._find(
                ControlOccurrence,
                sort=[("performed_on", -1), ("_id", -1)],
                limit=first + 1,
                **_between(base, lower, until),
            )
            if len(items) > first or lower == since:
                break
        return Page(
            items=items[:first],
            has_next=len(items) > first,
            count=lambda: self._count(ControlOccurrence, **_between(chosen, since, until)),
        )

    async def facts(self, until: datetime, since: datetime | None = None) -> list[dict[str, Any]]:
        """Control key, day, result and whether evidenced, of the occurrences performed
        up to ``until`` (from ``since``): what the report and the dry run read."""
        return await self._rows(
            ControlOccurrence,
            projection=_FACTS,
            batch_size=READ_BATCH,
            **_between({}, since, until),
        )

    async def window(self, since: datetime | None, until: datetime) -> list[dict[str, Any]]:
        """Whole occurrences performed up to ``until`` (from ``since``): the mock audit's."""
        return await self._rows(
            ControlOccurrence, batch_size=READ_BATCH, **_between({}, since, until)
        )

    async def sampling_profile(self) -> dict[str, int]:
        row = await self._row(Organization, projection={"sampling_profile": 1})
        profile: dict[str, int] = (row or {}).get("sampling_profile") or {}
        return profile

    async def set_sampling_profile(self, profile: dict[str, int], event: dict[str, Any]) -> None:
        await write(
            [self._guarded_update(Organization, {"$set": {"sampling_profile": profile}})],
            event,
        )

    async def stamp(self) -> str | None:
        """The organisation's current ledger stamp (a new assessment starts from it)."""
        row = await self._row(Organization, projection={"ledger_stamp": 1})
        stamp: str | None = (row or {}).get("ledger_stamp")
        return stamp
