"""The ledger's queries: a window of one organisation reads what it returns, and no more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

RECORD = """mutation($input: RecordOccurrencesInput!) {
  recordOccurrences(input: $input) { recorded errors { code field message } } }"""
DRY_RUN = """query($id: ID!, $start: Date!, $asOf: Date!) { assessment(id: $id) {
  operatingEffectiveness(windowStart: $start, asOf: $asOf) { controls { population } } } }"""
SIMULATE = """mutation($id: ID!, $start: Date!, $asOf: Date!) {
  simulateAudit(input: {assessmentId: $id, seed: 1, windowStart: $start, asOf: $asOf}) {
    samples { control { key } } errors { code } } }"""


class Finds(monitoring.CommandListener):
    """Every ``find`` on the ledger's collection, whole."""

    def __init__(self) -> None:
        self.finds: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command["find"] == "control_occurrences":
            self.finds.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reset(self) -> None:
        self.finds.clear()


@pytest.fixture
def commands() -> Finds:
    # The app fixture registers this listener with the driver.
    return Finds()


def today() -> date:
    return datetime.now(UTC).date()


async def ledger(client: GraphQLClient, org_id: str, days: int) -> None:
    """One occurrence a day of a daily control for ``days`` days up to today."""
    rows = [
        {"controlKey": "LOG-03", "performedOn": (today() - timedelta(days=d)).isoformat()}
        for d in range(days)
    ]
    body = await client(RECORD, {"input": {"organizationId": org_id, "occurrences": rows}})
    assert body["data"]["recordOccurrences"]["errors"] == [], body


async def test_a_window_query_examines_only_what_it_returns(
    alice: GraphQLClient,
    bob: GraphQLClient,
    commands: Finds,
    mongo_uri: str,
    db_name: str,
) -> None:
    ours = await factories.organization(alice, "Ours")
    theirs = await factories.organization(bob, "Theirs")
    # Three years of our ledger, and another tenant's over the same days.
    await ledger(alice, ours, 3 * 365)
    await ledger(bob, theirs, 3 * 365)
    created = await factories.assessment(alice, ours, framework_key="soc2")
    await soc2.answer(alice, created["id"], soc2.best(12))
    start, as_of = today() - timedelta(days=120), today() - timedelta(days=30)
    variables = {"id": created["id"], "start": start.isoformat(), "asOf": as_of.isoformat()}
    # The first dry run of a day reads the ledger up to it once (the report's histories
    # come from it too); later ones read only the window.
    assert (await alice(DRY_RUN, variables))["data"]["assessment"]["operatingEffectiveness"]
    commands.reset()
    body = await alice(DRY_RUN, variables)
    assert body["data"]["assessment"]["operatingEffectiveness"]["controls"]
    simulated = await alice(SIMULATE, variables)
    assert simulated["data"]["simulateAudit"]["errors"] == []
    windows = [f for f in commands.finds if {"$gt", "$lte"} <= set(f["filter"]["performed_on"])]
    assert len(windows) == 2, commands.finds  # the dry run's and the mock audit's
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        database = client[db_name]
        for find in windows:
            explained = await database.command(
                "explain",
                {
                    "find": "control_occurrences",
                    "filter": find["filter"],
                    "projection": find.get("projection"),
                },
                verbosity="executionStats",
            )
            stats = explained["executionStats"]
            # Our occurrences from the start of the window's first annual period to its
            # last day: a fraction of the 2,190 stored, and every one examined is returned.
            assert stats["nReturned"] == (as_of - date(start.year, 1, 1)).days + 1
            assert stats["totalDocsExamined"] == stats["nReturned"]
            assert stats["totalKeysExamined"] <= stats["nReturned"] + 1
    finally:
        await client.close()
