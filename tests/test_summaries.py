"""A page of assessments reads small summaries kept in step with every change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.storage.documents import AssessmentSummary
from service.storage.repositories.assessment import backfill_summaries
from tests import factories
from tests.conftest import GraphQLClient


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


PAGE = """query($o: ID!, $archived: Boolean!) { organization(id: $o) {
  latestReadiness { readiness assessmentId }
  assessments(first: 10, includeArchived: $archived) { totalCount nodes { id name status
    version readiness report { readiness earliestReportDate categories { category score } } } } } }"""
ONE = """query($a: ID!) { assessment(id: $a) { id name status version readiness
  report { readiness earliestReportDate categories { category score } } } }"""


async def _page(client: GraphQLClient, org: str, archived: bool = False) -> dict[str, Any]:
    body = await client(PAGE, {"o": org, "archived": archived})
    return dict(body["data"]["organization"])


async def test_the_summary_follows_saves_submissions_and_archiving(alice: GraphQLClient) -> None:
    org = await factories.organization(alice, "Acme")
    first = await factories.answered_assessment(alice, org, {"iam.reviews": "partial"})
    second = await factories.answered_assessment(
        alice, org, {"iam.reviews": "yes", "log.central": "2"}, name="b"
    )
    await factories.answers(alice, first, {"iam.reviews": "yes"}, expected_version=2)
    await alice(
        "mutation($a: ID!) { submitAssessment(input: {assessmentId: $a}) { errors { code } } }",
        {"a": second},
    )
    page = await _page(alice, org)
    full = {a: (await alice(ONE, {"a": a}))["data"]["assessment"] for a in (first, second)}
    assert {n["id"]: n for n in page["assessments"]["nodes"]} == full
    assert page["latestReadiness"]["assessmentId"] == second  # the submitted one
    await alice(
        "mutation($a: ID!) { archiveAssessment(input: {assessmentId: $a}) { errors { code } } }",
        {"a": first},
    )
    listed = await _page(alice, org)
    assert [n["id"] for n in listed["assessments"]["nodes"]] == [second]
    everything = await _page(alice, org, archived=True)
    archived = next(n for n in everything["assessments"]["nodes"] if n["id"] == first)
    assert archived["version"] == full[first]["version"] + 1


async def test_assessments_stored_before_summaries_get_one_at_start(alice: GraphQLClient) -> None:
    org = await factories.organization(alice, "Acme")
    ids = [(await factories.assessment(alice, org, name=f"a{n}"))["id"] for n in range(3)]
    await AssessmentSummary.get_pymongo_collection().delete_many({})
    assert (await _page(alice, org))["assessments"]["nodes"] == []
    assert await backfill_summaries() == 3
    assert await backfill_summaries() == 0
    page = await _page(alice, org)
    assert sorted(n["id"] for n in page["assessments"]["nodes"]) == sorted(ids)
    assert page["assessments"]["totalCount"] == 3
