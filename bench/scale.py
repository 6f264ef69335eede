"""The list and ledger paths in a large database: 10,000 organisations, 1,000,000 occurrences.

One caller (a GRC product's principal, OWNER of every organisation it provisioned) and
one probe organisation with an answered SOC 2 assessment and a year of evidence. The same
reads are timed twice: first in a small database (the probe and 100 other organisations,
10,000 occurrences in all), then after the database is filled to its large size (every
other organisation with its share of the occurrences, inserted straight into the
collections in the shape the service writes). Each read is timed alternately with the
floor (``organization(id) { id name }``) so both ratios come from one run:

- ``<read>_vs_floor_ratio`` in the small and in the large database;
- ``<read>_large_vs_small_ratio``: the same read, large database vs small; an index that
  serves the read keeps it near 1, a scan grows it with the database.

The reads: the caller's first page of 20 organisations (ordered by name), the probe's
newest 50 occurrences, one control's occurrences in one quarter, the dry run
(``operatingEffectiveness``, warm) and a page of 20 of the probe's assessments.
Not in the default set of parts: filling a million occurrences into the embedded server
takes about ten minutes on two cores; ``--quick`` uses 1,000 organisations and 50,000.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from bench.api import ORG, PAGE
from bench.ledger import DRY_RUN, Bench, Tenant, _document, _spread
from bench.support import Client, embedded_database, in_process_app, paired_medians
from service.storage.documents import ControlOccurrence, Membership, Organization

DATABASE = "bench_scale"
SUBJECT = "user:bench"
PROBE_OCCURRENCES = 5_000
SMALL_ORGANIZATIONS = 100
SMALL_OCCURRENCES = 10_000
CHUNK = 10_000

FLOOR = "query($id: ID!) { organization(id: $id) { id name } }"
ORGANIZATIONS = "{ organizations(first: 20) { nodes { id name } pageInfo { hasNextPage } } }"
LEDGER = """
query($id: ID!) { organization(id: $id) { occurrences(first: 50) { nodes {
  controlKey performedOn result evidenceRef } pageInfo { hasNextPage } } } }
"""
CONTROL = """
query($id: ID!, $key: String!, $from: Date!, $to: Date!) { organization(id: $id) {
  occurrences(controlKey: $key, from: $from, to: $to, first: 50) { nodes {
  performedOn result } } } }
"""


def _progress(message: str) -> None:
    print(f"# scale {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


class Filler:
    """Inserts organisations (with the caller's OWNER membership) and their occurrences
    straight into the collections, in the shape the service writes them."""

    def __init__(self, database: Any, bench: Bench, probe: Tenant) -> None:
        self.database = database
        self.bench = bench
        self.probe = probe
        self.organizations = 1
        self.occurrences = 0
        self.serial = 0
        self.chunks = 0
        self.moment = datetime.now(UTC)

    async def count(self) -> None:
        collection = self.database[ControlOccurrence.Settings.name]
        self.occurrences = await collection.count_documents({})

    async def grow(self, organizations: int, occurrences: int) -> None:
        """Up to ``organizations`` in all and ``occurrences`` in all, spread evenly over
        the organisations added now."""
        added = organizations - self.organizations
        if added <= 0:
            return
        share = max(0, occurrences - self.occurrences) // added
        names = self.database[Organization.Settings.name]
        members = self.database[Membership.Settings.name]
        ledger = self.database[ControlOccurrence.Settings.name]
        rows: list[dict[str, Any]] = []
        orgs: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for index in range(added):
            organization = ObjectId()
            name = f"Client {self.organizations + index:06d}"
            orgs.append(
                {
                    "_id": organization,
                    "name": name,
                    "created_at": self.moment,
                    "created_by": SUBJECT,
                    "webhook_count": 0,
                    "sampling_profile": {},
                }
            )
            links.append(
                {
                    "organization_id": organization,
                    "subject": SUBJECT,
                    "role": "OWNER",
                    "created_at": self.moment,
                    "organization_name": name,
                }
            )
            pairs = _spread(self.bench.controls, share, self.bench.today, self.bench.rng)
            for pair in pairs:
                self.serial += 1
                rows.append(_document(organization, pair, self.serial, self.bench.rng, self.moment))
            if len(rows) >= CHUNK or index == added - 1:
                await names.insert_many(orgs)
                await members.insert_many(links)
                if rows:
                    await ledger.insert_many(rows)
                self.occurrences += len(rows)
                self.organizations += len(orgs)
                rows, orgs, links = [], [], []
                self.chunks += 1
                if self.chunks % 10 == 0:
                    _progress(f"{self.organizations} organisations, {self.occurrences} occurrences")


async def _measure(
    client: Client, probe: Tenant, control: str, today: date, repeat: int
) -> dict[str, tuple[float, float]]:
    """Median seconds of each read and of the floor timed alternately with it."""
    quarter = {"id": probe.id, "key": control, "from": (today - timedelta(days=91)).isoformat()}
    quarter["to"] = today.isoformat()

    async def floor() -> None:
        await client(FLOOR, {"id": probe.id})

    async def organizations() -> None:
        found = await client(ORGANIZATIONS)
        assert len(found["organizations"]["nodes"]) == 20

    async def ledger() -> None:
        found = await client(LEDGER, {"id": probe.id})
        assert len(found["organization"]["occurrences"]["nodes"]) == 50

    async def one_control() -> None:
        found = await client(CONTROL, quarter)
        assert found["organization"]["occurrences"]["nodes"]

    async def dry_run() -> None:
        found = await client(DRY_RUN, {"id": probe.assessment})
        assert found["assessment"]["operatingEffectiveness"]["controls"]

    async def assessments() -> None:
        found = await client(PAGE, {"id": probe.id, "first": 20})
        assert found["organization"]["assessments"]["nodes"]

    reads = {
        "organizations_page": organizations,
        "ledger_page": ledger,
        "control_quarter": one_control,
        "dry_run": dry_run,
        "assessments_page": assessments,
    }
    # The caller's memberships are cached for a few seconds: wait for the new ones.
    for _ in range(60):
        found = await client(ORGANIZATIONS)
        if len(found["organizations"]["nodes"]) == 20:
            break
        await asyncio.sleep(1)
    timed: dict[str, tuple[float, float]] = {}
    for name, read in reads.items():
        timed[name] = await paired_medians(read, floor, repeat)
    return timed


async def run(
    organizations: int = 10_000, occurrences: int = 1_000_000, repeat: int = 15
) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(11)
    async with embedded_database() as uri, in_process_app(uri, DATABASE) as (_, client):
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
        try:
            database = mongo[DATABASE]
            bench = Bench(client, database[ControlOccurrence.Settings.name], date.today(), rng)
            probe = await bench.tenant("Probe")
            await bench.in_scope(probe)
            await bench.fill(probe, PROBE_OCCURRENCES)
            await bench.stamp(probe, 10)
            control = next(key for key, frequency in bench.controls if frequency == "DAILY")
            filler = Filler(database, bench, probe)
            await filler.count()
            await filler.grow(SMALL_ORGANIZATIONS + 1, SMALL_OCCURRENCES)
            _progress("small database ready; timing")
            small = await _measure(client, probe, control, bench.today, repeat)
            small_size = (filler.organizations, filler.occurrences)
            fill_started = time.perf_counter()
            await filler.grow(organizations, occurrences)
            fill_seconds = time.perf_counter() - fill_started
            _progress("large database ready; timing")
            large = await _measure(client, probe, control, bench.today, repeat)
        finally:
            await mongo.close()
    figures: dict[str, Any] = {
        "organizations_small": small_size[0],
        "occurrences_small": small_size[1],
        "organizations_large": filler.organizations,
        "occurrences_large": filler.occurrences,
        "fill_seconds": round(fill_seconds, 1),
    }
    for name in small:
        (small_read, small_floor), (large_read, large_floor) = small[name], large[name]
        figures[f"{name}_small_ms"] = round(small_read * 1000, 2)
        figures[f"{name}_large_ms"] = round(large_read * 1000, 2)
        figures[f"{name}_small_vs_floor_ratio"] = round(small_read / small_floor, 2)
        figures[f"{name}_large_vs_floor_ratio"] = round(large_read / large_floor, 2)
        figures[f"{name}_large_vs_small_ratio"] = round(large_read / small_read, 2)
    figures["floor_small_ms"] = round(small["organizations_page"][1] * 1000, 2)
    figures["floor_large_ms"] = round(large["organizations_page"][1] * 1000, 2)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


__all__ = ["ORG", "run"]
