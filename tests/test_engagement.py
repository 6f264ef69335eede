"""A consultant's housekeeping: archiving assessments and the headline an organisation shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.conftest import GraphQLClient

ARCHIVE = """mutation($id: ID!) { archiveAssessment(input: {assessmentId: $id}) {
  assessment { id archived version } errors { code field message } } }"""
LIST = """query($o: ID!, $all: Boolean!) { organization(id: $o) {
  assessments(includeArchived: $all) { nodes { id archived } } } }"""
HEADLINE = """query($o: ID!) { organization(id: $o) {
  latestReadiness { assessmentId readiness } } }"""
SAVE = """mutation($id: ID!, $v: Int!, $value: String!) { saveAnswers(input: {assessmentId: $id,
  expectedVersion: $v, answers: [{questionKey: "iam.reviews", value: $value}]}) {
  assessment { version readiness } errors { code field message } } }"""
SUBMIT = """mutation($id: ID!) { submitAssessment(input: {assessmentId: $id}) {
  assessment { version } errors { code } } }"""
UPDATE = """mutation($id: ID!) { updateAssessment(input: {assessmentId: $id, name: "renamed"}) {
  errors { code } } }"""


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


async def listed(client: GraphQLClient, org: str, everything: bool = False) -> list[str]:
    body = await client(LIST, {"o": org, "all": everything})
    return [n["id"] for n in body["data"]["organization"]["assessments"]["nodes"]]


async def save(client: GraphQLClient, assessment: str, version: int, value: str) -> dict[str, Any]:
    body = await client(SAVE, {"id": assessment, "v": version, "value": value})
    return dict(body["data"]["saveAnswers"])


async def test_an_archived_assessment_leaves_lists_and_is_read_only(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice)
    kept = (await factories.assessment(alice, org, name="kept"))["id"]
    old = (await factories.assessment(alice, org, name="old"))["id"]
    assert await bob(ARCHIVE, {"id": old}) == {
        "data": {
            "archiveAssessment": {
                "assessment": None,
                "errors": [
                    {
                        "code": "NOT_FOUND",
                        "field": ["input", "assessmentId"],
                        "message": "assessment not found",
                    }
                ],
            }
        }
    }
    archived = (await alice(ARCHIVE, {"id": old}))["data"]["archiveAssessment"]
    assert archived["errors"] == []
    assert archived["assessment"]["archived"] is True
    assert archived["assessment"]["version"] == 2
    assert await listed(alice, org) == [kept]
    assert await listed(alice, org, everything=True) == [old, kept]
    # Read-only: answers, settings, submission and a second archive are refused.
    refused = await save(alice, old, 2, "yes")
    assert [e["code"] for e in refused["errors"]] == ["INVALID_STATE"]
    assert "archived" in refused["errors"][0]["message"]
    assert (await alice(UPDATE, {"id": old}))["data"]["updateAssessment"]["errors"][0][
        "code"
    ] == "INVALID_STATE"
    assert (await alice(SUBMIT, {"id": old}))["data"]["submitAssessment"]["errors"][0][
        "code"
    ] == "INVALID_STATE"
    again = (await alice(ARCHIVE, {"id": old}))["data"]["archiveAssessment"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    # Still readable by id, with its answers and report.
    read = await alice("query($id: ID!) { assessment(id: $id) { version archived } }", {"id": old})
    assert read["data"]["assessment"] == {"version": 2, "archived": True}


async def test_the_headline_follows_the_latest_submitted_assessment(alice: GraphQLClient) -> None:
    org = await factories.organization(alice)
    submitted = (await factories.assessment(alice, org, name="baseline"))["id"]
    saved = await save(alice, submitted, 1, "yes")
    assert (await alice(SUBMIT, {"id": submitted}))["data"]["submitAssessment"]["errors"] == []
    follow_up = (await factories.assessment(alice, org, name="follow-up"))["id"]
    edited = await save(alice, follow_up, 1, "no")
    assert edited["assessment"]["readiness"] != saved["assessment"]["readiness"]
    # The draft was edited last; the headline still shows the submitted assessment.
    headline = (await alice(HEADLINE, {"o": org}))["data"]["organization"]["latestReadiness"]
    assert headline == {"assessmentId": submitted, "readiness": saved["assessment"]["readiness"]}
    # With the submitted one archived, the most recently updated draft.
    assert (await alice(ARCHIVE, {"id": submitted}))["data"]["archiveAssessment"]["errors"] == []
    headline = (await alice(HEADLINE, {"o": org}))["data"]["organization"]["latestReadiness"]
    assert headline == {"assessmentId": follow_up, "readiness": edited["assessment"]["readiness"]}
    # Nothing but archived assessments: no headline.
    assert (await alice(ARCHIVE, {"id": follow_up}))["data"]["archiveAssessment"]["errors"] == []
    assert (await alice(HEADLINE, {"o": org}))["data"]["organization"]["latestReadiness"] is None
