"""Database round trips per operation, pinned so an N+1 regression fails a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from tests.conftest import CommandCounter, GraphQLClient


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


# What the measured saveAnswers selects: the answers and the report with its gaps.
SAVED = """id version status scope answers { questionKey value note answeredBy }
  report { readiness completeness gaps { kind control { key } questionKey } }"""


async def warm(client: GraphQLClient) -> None:
    # Authentication (10 s) and membership (5 s) are cached; count the operation itself.
    # The counts below are exact while the measured operation follows warm() within them.
    await client("{ organizations(first: 1) { edges { cursor } } }")


async def test_save_answers_takes_three_round_trips(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    assessment = await factories.assessment(alice, await factories.organization(alice))
    await warm(alice)
    commands.reset()
    # factories.answers fails the test unless the payload's errors are [].
    await factories.answers(
        alice,
        assessment["id"],
        [
            {"questionKey": "iam.reviews", "value": "yes"},
            {"questionKey": "iam.months", "value": "4"},
        ],
        select=SAVED,
    )
    # The read, then the change with its revisions and audit event in one transaction
    # (a bulkWrite and its commit; without transactions, the event and then the update).
    # A replica set without client bulkWrite (MongoDB before 8.0) sends one command per
    # step inside the transaction: 4 here.
    assert len(commands.commands) == 3, commands.commands


async def test_one_full_report_takes_one_round_trip(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    assessment = await factories.assessment(alice, await factories.organization(alice))
    await factories.answers(alice, assessment["id"], {"iam.reviews": "partial"})
    await warm(alice)
    commands.reset()
    body = await alice(REPORT, {"id": assessment["id"]})
    assert body["data"]["assessment"]["report"]["criteria"]
    # The assessment; the catalog is cached in the process.
    assert len(commands.commands) == 1, commands.commands


@pytest.mark.parametrize("count", [1, 100])
async def test_a_page_of_assessments_with_scores_is_constant(
    alice: GraphQLClient, commands: CommandCounter, count: int
) -> None:
    org_id = await factories.organization(alice)
    for _ in range(count):
        await factories.assessment(alice, org_id)
    await warm(alice)
    commands.reset()
    body = await alice(PAGE, {"id": org_id, "first": 100})
    assert len(body["data"]["organization"]["assessments"]["edges"]) == count
    # The organisation, the page, the latest readiness.
    assert len(commands.commands) == 3, commands.commands


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
    org_id = await factories.organization(alice)
    for _ in range(5):
        # Both in-scope controls answered: enough for the timeline to give a date.
        await factories.answered_assessment(
            alice, org_id, {"iam.reviews": "partial", "log.central": "2"}
        )
    await warm(alice)
    commands.reset()
    body = await alice(HEADLINES, {"id": org_id})
    nodes = body["data"]["organization"]["assessments"]["nodes"]
    assert len(nodes) == 5
    assert all(n["report"]["categories"] and n["report"]["earliestReportDate"] for n in nodes)
    # The organisation and one page query of the small summaries, no load of the full
    # assessments (answers, gap lists).
    assert len(commands.commands) == 2, commands.commands
    assert commands.commands.count("find assessment_summaries") == 1, commands.commands
    assert commands.commands.count("find assessments") == 0, commands.commands

    commands.reset()
    detailed = await alice(DETAILS, {"id": org_id})
    detailed_nodes = detailed["data"]["organization"]["assessments"]["nodes"]
    assert [n["report"]["readiness"] for n in detailed_nodes] == [
        n["report"]["readiness"] for n in nodes
    ]
    assert all(n["report"]["gaps"] for n in detailed_nodes)
    # Gap lists need the full assessments: one batched load for the whole page.
    assert commands.commands.count("find assessment_summaries") == 1, commands.commands
    assert commands.commands.count("find assessments") == 1, commands.commands
