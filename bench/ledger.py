"""The evidence ledger: the dry run over a large ledger, and recording batches.

- dry run vs a plain read: ``operatingEffectiveness`` through GraphQL over an
  organisation with 100,000 occurrences vs reading those occurrences once with a plain
  PyMongo ``find(...).to_list()`` (whole documents); warm (the report's histories
  cached) and cold (the first call after a new ledger stamp, which computes the
  report's histories from the whole ledger too);
- ledger size: the same dry run over 100,000 occurrences vs 10,000;
- recording: ``recordOccurrences`` of 5,000 new rows (with externalIds), through the
  service layer (``LedgerService.record``) and through GraphQL, vs a plain
  ``insert_many`` of the same 5,000 documents; and the same 5,000 sent again (all
  duplicates) vs the plain insert.

The bulk of each ledger is inserted straight into ``control_occurrences`` in the shape
``OccurrenceRepository.record`` writes, then one small batch goes through the mutation
so the organisation and its assessment carry a ledger stamp. Not in the default set of
parts: the full form takes about 9 minutes on a 2-CPU machine, most of it the embedded
server reading and writing 100,000 documents; ``--quick`` uses 5,000 and 500.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from bench.api import ORG, answered_assessment
from bench.support import Client, embedded_database, in_process_app
from service.api.ids import decode_id
from service.assessment.ledger import LedgerService, midnight
from service.assessment.ledger_input import OccurrenceIn
from service.scoring import operation
from service.storage.documents import ControlOccurrence
from service.storage.repositories.occurrence import occurrence_id

CONTROLS = """
query($id: ID!) { assessment(id: $id) { report { controls { control { key frequency }
  status } } } }
"""
DRY_RUN = """
query($id: ID!) { assessment(id: $id) { operatingEffectiveness { controls {
  control { key } population performed missedPeriods { start end }
  exceptionProbability verdict } } } }
"""
RECORD = """
mutation($input: RecordOccurrencesInput!) { recordOccurrences(input: $input) {
  recorded duplicates errors { code message field } } }
"""
SUBJECT = "user:bench"
DATABASE = "bench_ledger"
EXCEPTION_RATE = 0.02
EVIDENCED_RATE = 0.9
DAYS = 365
INSERT_CHUNK = 10_000
MAX_FAILURES = 10


def _spread(
    controls: list[tuple[str, str]], total: int, today: date, rng: random.Random
) -> list[tuple[str, date]]:
    """``total`` (control, day) pairs over the last year: periodic controls once per
    period of their frequency (daily ones daily), per-occurrence ones sharing the rest at
    random days, many a month."""
    first = today - timedelta(days=DAYS - 1)
    pairs: list[tuple[str, date]] = []
    per_occurrence: list[str] = []
    for key, frequency in controls:
        if frequency not in operation.PERIODIC:
            per_occurrence.append(key)
            continue
        period = operation.period_of(first, frequency)
        while period.start <= today:
            low, high = max(period.start, first), min(period.end, today)
            pairs.append((key, low + timedelta(days=rng.randint(0, (high - low).days))))
            period = operation.period_of(period.end + timedelta(days=1), frequency)
    if len(pairs) > total // 2:
        # A small ledger (a smoke run's): some of the periodic controls' periods.
        pairs = sorted(rng.sample(pairs, total // 2), key=lambda pair: pair[1])
    rest = total - len(pairs)
    assert per_occurrence, "no per-occurrence control in scope"
    for index in range(rest):
        key = per_occurrence[index % len(per_occurrence)]
        pairs.append((key, first + timedelta(days=rng.randrange(DAYS))))
    return pairs


def _document(
    organization: ObjectId,
    pair: tuple[str, date],
    serial: int,
    rng: random.Random,
    moment: datetime,
) -> dict[str, Any]:
    """One occurrence as ``OccurrenceRepository.record`` stores it."""
    key, day = pair
    passed = rng.random() >= EXCEPTION_RATE
    evidence = (
        f"https://tickets.example.com/SEC-{serial}" if rng.random() < EVIDENCED_RATE else None
    )
    external = f"{key}-{serial}" if rng.random() < 0.8 else None
    note = None if passed else "Performed two days late; approved afterwards."
    return {
        "_id": occurrence_id(organization, external) if external else ObjectId(),
        "organization_id": organization,
        "control_key": key,
        "performed_on": midnight(day),
        "passed": passed,
        "evidence_ref": evidence,
        "evidenced": evidence is not None,
        "note": note,
        "external_id": external,
        "recorded_by": SUBJECT,
        "recorded_at": moment,
    }


def _rows(
    controls: list[tuple[str, str]], count: int, today: date, tag: str, rng: random.Random
) -> list[OccurrenceIn]:
    """A new batch of ``count`` occurrences, each with an externalId."""
    keys = [key for key, _ in controls]
    rows = []
    for index in range(count):
        passed = rng.random() >= EXCEPTION_RATE
        rows.append(
            OccurrenceIn(
                control_key=keys[index % len(keys)],
                performed_on=today - timedelta(days=rng.randrange(DAYS)),
                result="PASS" if passed else "EXCEPTION",
                evidence_ref=f"https://tickets.example.com/{tag}-{index}"
                if rng.random() < EVIDENCED_RATE
                else None,
                note=None if passed else "Performed late.",
                external_id=f"{tag}-{index}",
            )
        )
    return rows


def _variables(organization: str, rows: list[OccurrenceIn]) -> dict[str, Any]:
    return {
        "input": {
            "organizationId": organization,
            "occurrences": [
                {
                    "controlKey": r.control_key,
                    "performedOn": r.performed_on.isoformat() if r.performed_on else None,
                    "result": r.result,
                    "evidenceRef": r.evidence_ref,
                    "note": r.note,
                    "externalId": r.external_id,
                }
                for r in rows
            ],
        }
    }


def _plain_documents(
    organization: ObjectId, rows: list[OccurrenceIn], today: date
) -> list[dict[str, Any]]:
    """The documents ``LedgerService.record`` would write for ``rows``."""
    moment = datetime.now(UTC)
    return [
        {
            "_id": occurrence_id(organization, r.external_id) if r.external_id else ObjectId(),
            "organization_id": organization,
            "control_key": r.control_key,
            "performed_on": midnight(r.performed_on or today),
            "passed": r.result == "PASS",
            "evidence_ref": r.evidence_ref,
            "evidenced": r.evidence_ref is not None,
            "note": r.note,
            "external_id": r.external_id,
            "recorded_by": SUBJECT,
            "recorded_at": moment,
        }
        for r in rows
    ]


async def _timed(action: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in samples.items()}


def _progress(message: str) -> None:
    print(f"# ledger {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@dataclass
class Tenant:
    """An organisation with one answered assessment: its GraphQL ids and its raw id."""

    id: str
    raw: ObjectId
    assessment: str


@dataclass
class Bench:
    client: Client
    collection: Any
    today: date
    rng: random.Random
    controls: list[tuple[str, str]] = field(default_factory=list)
    stamps: int = 0
    failures: int = 0

    async def tenant(self, name: str) -> Tenant:
        created = await self.client(ORG, {"n": name})
        org_id = created["createOrganization"]["organization"]["id"]
        assessment = await answered_assessment(self.client, org_id, self.rng)
        return Tenant(org_id, ObjectId(str(decode_id("Organization", org_id))), assessment)

    async def in_scope(self, tenant: Tenant) -> None:
        """The controls of the tenant's report, bar the not applicable ones."""
        found = await self.client(CONTROLS, {"id": tenant.assessment})
        self.controls = [
            (c["control"]["key"], c["control"]["frequency"])
            for c in found["assessment"]["report"]["controls"]
            if c["status"] != "NOT_APPLICABLE"
        ]

    async def fill(self, tenant: Tenant, total: int) -> None:
        """``total`` occurrences over the last year, inserted straight into the collection."""
        moment = datetime.now(UTC)
        pairs = _spread(self.controls, total, self.today, self.rng)
        documents = [
            _document(tenant.raw, pair, serial, self.rng, moment)
            for serial, pair in enumerate(pairs)
        ]
        for start in range(0, len(documents), INSERT_CHUNK):
            await self.collection.insert_many(documents[start : start + INSERT_CHUNK])

    def rows(self, count: int, tag: str) -> list[OccurrenceIn]:
        return _rows(self.controls, count, self.today, tag, self.rng)

    async def record(self, tenant: Tenant, rows: list[OccurrenceIn]) -> dict[str, Any]:
        found = await self.client(RECORD, _variables(tenant.id, rows))
        payload: dict[str, Any] = found["recordOccurrences"]
        if payload["errors"]:
            raise RuntimeError(payload["errors"])
        return payload

    async def stamp(self, tenant: Tenant, count: int = 1) -> None:
        """A new ledger stamp: ``count`` new occurrences through the mutation."""
        self.stamps += 1
        done = await self.record(tenant, self.rows(count, f"STAMP-{self.stamps}"))
        assert done["recorded"] == count, done

    async def dry_run(self, tenant: Tenant) -> None:
        found = await self.client(DRY_RUN, {"id": tenant.assessment})
        assert found["assessment"]["operatingEffectiveness"]["controls"]

    async def timed_dry_run(self, tenant: Tenant) -> float:
        """Seconds of one dry run that succeeded. A dry run refused because the service's
        driver gave up on the embedded server (its monitor runs on the event loop, which a
        large read stalls) is counted in ``failures`` and tried again, untimed."""
        while True:
            try:
                return await _timed(lambda: self.dry_run(tenant))
            except RuntimeError as error:
                if "DATABASE_UNAVAILABLE" not in str(error) or self.failures >= MAX_FAILURES:
                    raise
                self.failures += 1
                _progress(f"dry run refused, tried again: {str(error)[:200]}")

    async def find(self, tenant: Tenant) -> None:
        """The plain read: every occurrence of the organisation, whole."""
        rows = await self.collection.find({"organization_id": tenant.raw}).to_list()
        assert rows

    async def count(self, tenant: Tenant) -> int:
        found: int = await self.collection.count_documents({"organization_id": tenant.raw})
        return found


async def _dry_runs(
    bench: Bench, large: Tenant, small: Tenant, repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Medians, warm and cold, of the dry run over the large ledger, the plain read of it,
    and the dry run over the small one, taken in turn. Warm: the report's histories are
    cached; cold: both organisations get a new ledger stamp (untimed) before each turn."""
    await bench.dry_run(large)
    await bench.dry_run(small)
    turn = (
        ("large", lambda: bench.timed_dry_run(large)),
        ("find", lambda: _timed(lambda: bench.find(large))),
        ("small", lambda: bench.timed_dry_run(small)),
    )
    warm: dict[str, list[float]] = {}
    cold: dict[str, list[float]] = {}
    for _ in range(repeat):
        for name, action in turn:
            warm.setdefault(name, []).append(await action())
    _progress(f"warm: {_medians(warm)}")
    for _ in range(repeat):
        await bench.stamp(large)
        await bench.stamp(small)
        for name, action in turn:
            cold.setdefault(name, []).append(await action())
    _progress(f"cold: {_medians(cold)}")
    return _medians(warm), _medians(cold)


Write = tuple[str, Callable[[], Awaitable[None]], ObjectId | None]


async def _recording(
    bench: Bench, ledger: LedgerService, tenant: Tenant, batch: int, rounds: int
) -> dict[str, float]:
    """Medians of recording a batch through the service layer and through GraphQL and of
    a plain insert_many of the same documents, in turn; then of the same batch sent
    again (all duplicates) and the plain insert. The plain inserts go to an organisation
    of their own, so no _id collides; what a write adds is deleted (untimed) after it,
    so every write meets the same ledger."""
    plain = ObjectId()

    def writes(rows: list[OccurrenceIn], *, fresh: bool) -> list[Write]:
        documents = _plain_documents(plain, rows, bench.today)
        suffix = "" if fresh else "_duplicates"

        async def by_service() -> None:
            done = await ledger.record(tenant.raw, rows)
            assert (done.recorded if fresh else done.duplicates) == len(rows), done

        async def by_graphql() -> None:
            done = await bench.record(tenant, rows)
            assert done["recorded" if fresh else "duplicates"] == len(rows), done

        async def by_insert() -> None:
            await bench.collection.insert_many([dict(d) for d in documents])

        added = tenant.raw if fresh else None  # duplicates add nothing
        return [
            (f"service{suffix}", by_service, added),
            (f"graphql{suffix}", by_graphql, added),
            (f"insert{suffix}", by_insert, plain),
        ]

    async def turns(
        batches: Callable[[int], list[OccurrenceIn]], *, fresh: bool, into: dict[str, list[float]]
    ) -> None:
        for index in range(rounds):
            for name, action, added in writes(batches(index), fresh=fresh):
                into.setdefault(name, []).append(await _timed(action))
                if added is not None:
                    await bench.collection.delete_many({"organization_id": added})

    # Small batches first, untimed: the first call of each path pays for imports and caches.
    await turns(lambda i: bench.rows(20, f"WARM-{i}"), fresh=True, into={})
    samples: dict[str, list[float]] = {}
    await turns(lambda i: bench.rows(batch, f"NEW-{i}"), fresh=True, into=samples)
    again = bench.rows(batch, "AGAIN")
    await ledger.record(tenant.raw, again)
    await turns(lambda _i: again, fresh=False, into=samples)
    return _medians(samples)


async def run(
    large: int = 100_000, batch: int = 5_000, repeat: int = 5, rounds: int = 3
) -> dict[str, Any]:
    """``large`` occurrences against ``large // 10``, ``repeat`` turns of dry runs; batches
    of ``batch`` rows, ``rounds`` turns of recording."""
    started = time.perf_counter()
    async with (
        embedded_database() as uri,
        in_process_app(uri, DATABASE) as (app, client),
        # The plain reads and writes go through a client of their own with a long connect
        # timeout: the driver's monitor runs on the event loop, which decoding 100,000
        # documents stalls for seconds on a busy machine; with the service's 3 s, the
        # monitor gave up on the server and cancelled the read in flight.
        AsyncMongoClient(uri, tz_aware=True, connectTimeoutMS=60_000) as plain,
    ):
        services = app.state.services
        collection = plain[DATABASE][ControlOccurrence.get_collection_name()]
        bench = Bench(client, collection, services.clock(), random.Random(23))
        big = await bench.tenant("Large ledger")
        little = await bench.tenant("Small ledger")
        await bench.in_scope(big)
        filling = time.perf_counter()
        await bench.fill(big, large)
        await bench.fill(little, large // 10)
        fill_seconds = time.perf_counter() - filling
        _progress(f"filled in {fill_seconds:.0f} s")
        # One small batch through the mutation: the organisation and its assessment get a
        # ledger stamp, without which the report does not read the ledger.
        await bench.stamp(big, 10)
        await bench.stamp(little, 10)
        sizes = (await bench.count(big), await bench.count(little))

        warm, cold = await _dry_runs(bench, big, little, repeat)

        recorder = await bench.tenant("Recording")
        principal = await services.authenticator.authenticate(client.token)
        callers = services.for_principal(principal)
        roles = await callers.access.roles()
        assert roles[recorder.raw].value == "OWNER", roles
        writes = await _recording(bench, callers.ledger, recorder, batch, rounds)
        _progress(f"recording: {writes}")

    return {
        "occurrences_large": sizes[0],
        "occurrences_small": sizes[1],
        "controls_with_occurrences": len(bench.controls),
        "fill_seconds": round(fill_seconds, 1),
        "dry_run_warm_ms": _ms(warm["large"]),
        "dry_run_cold_ms": _ms(cold["large"]),
        "plain_find_ms": _ms(warm["find"]),
        "dry_run_warm_vs_find_ratio": round(warm["large"] / warm["find"], 2),
        "dry_run_cold_vs_find_ratio": round(cold["large"] / cold["find"], 2),
        "dry_run_small_warm_ms": _ms(warm["small"]),
        "dry_run_small_cold_ms": _ms(cold["small"]),
        "dry_run_10x_warm_ratio": round(warm["large"] / warm["small"], 2),
        "dry_run_10x_cold_ratio": round(cold["large"] / cold["small"], 2),
        "dry_runs_refused_and_retried": bench.failures,
        "batch": batch,
        "record_service_ms": _ms(writes["service"]),
        "record_graphql_ms": _ms(writes["graphql"]),
        "insert_many_ms": _ms(writes["insert"]),
        "record_service_vs_insert_ratio": round(writes["service"] / writes["insert"], 2),
        "record_graphql_vs_insert_ratio": round(writes["graphql"] / writes["insert"], 2),
        "duplicates_service_ms": _ms(writes["service_duplicates"]),
        "duplicates_graphql_ms": _ms(writes["graphql_duplicates"]),
        "duplicates_insert_ms": _ms(writes["insert_duplicates"]),
        "duplicates_service_vs_insert_ratio": round(
            writes["service_duplicates"] / writes["insert_duplicates"], 2
        ),
        "duplicates_graphql_vs_insert_ratio": round(
            writes["graphql_duplicates"] / writes["insert_duplicates"], 2
        ),
        "seconds": round(time.perf_counter() - started, 1),
    }
