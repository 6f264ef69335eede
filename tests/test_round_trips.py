"""Database round trips per operation, pinned so an N+1 regression fails a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CommandCounter, GraphQLClient
from tests.test_assessments import create, org, save


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


REPORT = """
query($id: ID!) { assessment(id: $id) { version report { readiness completeness
  categories { category score } criteria { criterion { ref controls { key } } status score drivers { questionKey } }
  controls { control { key criteria { ref } } status score } gaps { kind severity criterion { ref } control { key } }
  earliestObservationStart earliestReportDate } } }
"""
PAGE = """
query($id: ID!, $first: Int) { organization(id: $id) { name latestReadiness { readiness }
  assessments(first: $first) { edges { node { id name status readiness completeness version } } } } }
"""


async def warm(client: GraphQLClient) -> None:
    # Authentication and membership are cached for a few seconds; count the operation itself.
    await client("{ organizations(first: 1) { edges { cursor } } }")


async def test_save_answers_takes_at_most_three_round_trips(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    assessment = await create(alice, await org(alice))
    await warm(alice)
    commands.reset()
    payload = await save(
        alice,
        assessment,
        [
            {"questionKey": "iam.reviews", "value": "yes"},
            {"questionKey": "iam.months", "value": "4"},
        ],
    )
    assert payload["errors"] == []
    # The read, then the change with its revisions and audit event in one transaction
    # (a bulkWrite and its commit; without transactions, the event and then the update).
    assert len(commands.commands) <= 3, commands.commands


async def test_one_full_report_takes_at_most_two_round_trips(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    assessment = await create(alice, await org(alice))
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "partial"}])
    await warm(alice)
    commands.reset()
    body = await alice(REPORT, {"id": assessment["id"]})
    assert body["data"]["assessment"]["report"]["criteria"]
    assert len(commands.commands) <= 2, commands.commands


@pytest.mark.parametrize("count", [1, 100])
async def test_a_page_of_assessments_with_scores_is_constant(
    alice: GraphQLClient, commands: CommandCounter, count: int
) -> None:
    org_id = await org(alice)
    for _ in range(count):
        await create(alice, org_id)
    await warm(alice)
    commands.reset()
    body = await alice(PAGE, {"id": org_id, "first": 100})
    assert len(body["data"]["organization"]["assessments"]["edges"]) == count
    assert len(commands.commands) <= 3, commands.commands


HEADLINES = """
query($id: ID!) { organization(id: $id) { assessments(first: 100) { nodes { id
  report { readiness completeness categories { category score } earliestReportDate } } } } }
"""
DETAILS = """
query($id: ID!) { organization(id: $id) { assessments(first: 100) { nodes { id
  report { readiness gaps { kind } } } } } }
"""


async def test_report_headlines_on_a_page_come_from_the_summary(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    org_id = await org(alice)
    for _ in range(5):
        assessment = await create(alice, org_id)
        await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "partial"}])
    await warm(alice)
    commands.reset()
    body = await alice(HEADLINES, {"id": org_id})
    nodes = body["data"]["organization"]["assessments"]["nodes"]
    assert len(nodes) == 5
    assert all(n["report"]["categories"] and n["report"]["earliestReportDate"] for n in nodes)
    # One page query, no load of the full assessments (answers, gap lists).
    assert len(commands.commands) <= 3, commands.commands
    assert commands.commands.count("find assessments") == 1, commands.commands

    commands.reset()
    detailed = await alice(DETAILS, {"id": org_id})
    detailed_nodes = detailed["data"]["organization"]["assessments"]["nodes"]
    assert [n["report"]["readiness"] for n in detailed_nodes] == [
        n["report"]["readiness"] for n in nodes
    ]
    assert all(n["report"]["gaps"] for n in detailed_nodes)
    # Gap lists need the full assessments: one batched load for the whole page.
    assert commands.commands.count("find assessments") == 2, commands.commands
