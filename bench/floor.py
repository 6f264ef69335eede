"""How close the common calls are to the floor: each against one small-document read.

The floor is ``organization(id) { id name }``: one small document through the whole
stack (authentication, GraphQL, one MongoDB read). Against it, in the same run and timed
alternately: saving one answer, reading a full report, and a page of 1 and of 50
assessments with their headline scores, in an organisation holding 50 assessments; then
the two pages again once the organisation holds 1,000 (the 950 more are copies of the
first 50, inserted straight into the collections with fresh ids, as the service stores
them: an assessment and its summary each).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from bench.api import ORG, PAGE, QUESTIONS, REPORT, SAVE, answered_assessment, plain_route
from bench.support import Client, embedded_database, in_process_app, paired_medians
from service.api.ids import decode_id
from service.storage.documents import AssessmentRecord, AssessmentSummary

DATABASE = "bench_floor"
LARGE_ORGANIZATION = 1_000
FLOOR = "query($id: ID!) { organization(id: $id) { id name } }"
VERSION = "query($id: ID!) { assessment(id: $id) { version } }"


async def saver(client: Client, assessment: str) -> Any:
    sections = (await client(QUESTIONS, {"id": assessment}))["assessment"]["questionnaire"]
    key = next(
        q["key"]
        for s in sections["sections"]
        for q in s["questions"]
        if q["kind"] == "YES_PARTIAL_NO" and q["role"] == "DESIGN"
    )
    state = {
        "value": "yes",
        "version": (await client(VERSION, {"id": assessment}))["assessment"]["version"],
    }

    async def save() -> None:
        state["value"] = "no" if state["value"] == "yes" else "yes"
        answers = [{"questionKey": key, "value": state["value"]}]
        variables = {
            "assessmentId": assessment,
            "expectedVersion": state["version"],
            "answers": answers,
        }
        saved = await client(SAVE, {"input": variables})
        state["version"] = saved["saveAnswers"]["assessment"]["version"]

    return save


async def run(repeat: int = 40) -> dict[str, float]:
    rng = random.Random(3)
    async with embedded_database() as uri, in_process_app(uri, DATABASE) as (app, client):
        org = (await client(ORG, {"n": "Floor"}))["createOrganization"]["organization"]["id"]
        ids = [await answered_assessment(client, org, rng) for _ in range(50)]

        async def floor() -> None:
            await client(FLOOR, {"id": org})

        save = await saver(client, ids[0])
        figures: dict[str, float] = {}

        async def against_floor(actions: dict[str, Callable[[], Awaitable[Any]]]) -> None:
            for name, action in actions.items():
                measured, base = await paired_medians(action, floor, repeat)
                figures[f"{name}_ms"] = round(measured * 1000, 2)
                figures[f"{name}_vs_floor_ratio"] = round(measured / base, 2)
                figures[f"floor_ms_{name}"] = round(base * 1000, 2)

        def page(first: int) -> Callable[[], Awaitable[Any]]:
            return lambda: client(PAGE, {"id": org, "first": first})

        await against_floor(
            {
                "save_one_answer": save,
                "full_report": lambda: client(REPORT, {"id": ids[1]}),
                "page_of_1": page(1),
                "page_of_50": page(50),
            }
        )
        figures.update(await _first_reads(app, client, ids[2], floor, repeat))
        await _grow(uri, org, LARGE_ORGANIZATION)
        await against_floor({"page_of_1_at_1000": page(1), "page_of_50_at_1000": page(50)})
    return figures


async def _first_reads(
    app: Any, client: Client, assessment: str, floor: Callable[[], Awaitable[None]], repeat: int
) -> dict[str, float]:
    """The full report read right after a save moved the assessment's version (so nothing
    completed for it is kept yet), through GraphQL and through a plain JSON route, each
    followed by the floor; the saves are not timed."""
    plain_route(app)
    save = await saver(client, assessment)
    raw = str(decode_id("Assessment", assessment))
    headers = {"Authorization": f"Bearer {client.token}"}

    async def graphql() -> None:
        await client(REPORT, {"id": assessment})

    async def plain() -> None:
        (await client.http.get(f"/plain/{raw}", headers=headers)).raise_for_status()

    samples: dict[str, list[float]] = {"graphql": [], "plain": [], "floor": []}
    for _ in range(repeat):
        for name, read in (("graphql", graphql), ("plain", plain)):
            await save()
            started = time.perf_counter()
            await read()
            samples[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            await floor()
            samples["floor"].append(time.perf_counter() - started)
    first, json_route, base = (statistics.median(samples[n]) for n in ("graphql", "plain", "floor"))
    return {
        "full_report_first_read_ms": round(first * 1000, 2),
        "full_report_first_read_vs_floor_ratio": round(first / base, 2),
        "plain_report_first_read_ms": round(json_route * 1000, 2),
        "graphql_overhead_first_read_ratio": round(first / json_route, 2),
    }


async def _grow(uri: str, organization: str, total: int) -> None:
    """Copies of the organisation's assessments (and their summaries) up to ``total``."""
    raw = decode_id("Organization", organization)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        database = mongo[DATABASE]
        records = database[AssessmentRecord.Settings.name]
        summaries = database[AssessmentSummary.Settings.name]
        originals = await records.find({"organization_id": raw}).to_list()
        headlines = {s["_id"]: s for s in await summaries.find({"organization_id": raw}).to_list()}
        copies: list[dict[str, Any]] = []
        short: list[dict[str, Any]] = []
        for index in range(total - len(originals)):
            original = originals[index % len(originals)]
            fresh = ObjectId()
            copies.append({**original, "_id": fresh})
            short.append({**headlines[original["_id"]], "_id": fresh})
            if len(copies) == 50:
                await records.insert_many(copies)
                await summaries.insert_many(short)
                copies, short = [], []
        if copies:
            await records.insert_many(copies)
            await summaries.insert_many(short)
    finally:
        await mongo.close()
