"""The remediation plan through GraphQL on the SOC 2 catalog: order, date impact, items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

PLAN = """query($id: ID!) { assessment(id: $id) { version
  report { earliestReportDate gaps { id } }
  remediationPlan { priority dateImpactDays waiting
    gap { id kind severity effortWeeks control { key } questionKey }
    item { gapId owner dueDate status note version } } } }"""
UPDATE = """mutation($input: UpdateRemediationInput!) { updateRemediation(input: $input) {
  item { id gapId owner dueDate status note version updatedBy } errors { code field message } } }"""
ITEMS = """query($id: ID!) { assessment(id: $id) { remediationItems { gapId status owner } } }"""
QUESTIONS = """query($id: ID!) { assessment(id: $id) { questionnaire { sections { questions {
  key kind role options { value score } controls { key } } } } } }"""
SAVE = """mutation($id: ID!, $v: Int!, $answers: [AnswerInput!]!) {
  saveAnswers(input: {assessmentId: $id, expectedVersion: $v, answers: $answers}) {
    assessment { version } errors { code field message } } }"""
SEVERITY = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}


def today() -> date:
    return datetime.now(UTC).date()


async def plan_of(client: GraphQLClient, assessment: str) -> dict[str, Any]:
    body = await client(PLAN, {"id": assessment})
    assert "errors" not in body, body
    return dict(body["data"]["assessment"])


@pytest.fixture
async def company(alice: GraphQLClient) -> dict[str, Any]:
    org = await factories.organization(alice, "Midway")
    created = await factories.assessment(alice, org, framework_key="soc2")
    await soc2.answer(alice, created["id"], soc2.mixed)
    return {"org": org, "id": created["id"]}


async def test_the_plan_lists_every_open_gap_once_most_date_moving_first(
    alice: GraphQLClient, company: dict[str, Any]
) -> None:
    read = await plan_of(alice, company["id"])
    plan = read["remediationPlan"]
    assert sorted(p["gap"]["id"] for p in plan) == sorted(g["id"] for g in read["report"]["gaps"])
    assert [p["priority"] for p in plan] == list(range(1, len(plan) + 1))
    work = [p for p in plan if not p["waiting"]]
    waits = [p for p in plan if p["waiting"]]
    assert plan == work + waits  # waits come after all the work
    assert all(p["gap"]["kind"] == "OPERATING" and p["dateImpactDays"] == 0 for p in waits)
    assert all(p["gap"]["kind"] != "OPERATING" for p in work)
    keys = [
        (-p["dateImpactDays"], SEVERITY[p["gap"]["severity"]], p["gap"]["effortWeeks"])
        for p in work
    ]
    assert keys == sorted(keys)
    assert work[0]["dateImpactDays"] > 0, "the mixed profile has design work holding the date"
    assert any(p["dateImpactDays"] == 0 for p in work)  # recommendations hold nothing


async def test_closing_the_top_gap_brings_the_date_forward_by_its_impact(
    alice: GraphQLClient, company: dict[str, Any]
) -> None:
    read = await plan_of(alice, company["id"])
    top = read["remediationPlan"][0]
    assert top["gap"]["kind"] == "DESIGN"
    control = top["gap"]["control"]["key"]
    before = date.fromisoformat(read["report"]["earliestReportDate"])
    body = await alice(QUESTIONS, {"id": company["id"]})
    questions = [
        q
        for s in body["data"]["assessment"]["questionnaire"]["sections"]
        for q in s["questions"]
        if q["role"] == "DESIGN" and control in {c["key"] for c in q["controls"]}
    ]
    answers = [{"questionKey": q["key"], "value": soc2.best()(q)} for q in questions]
    saved = await alice(SAVE, {"id": company["id"], "v": read["version"], "answers": answers})
    assert saved["data"]["saveAnswers"]["errors"] == []
    after = await plan_of(alice, company["id"])
    assert date.fromisoformat(after["report"]["earliestReportDate"]) == before - timedelta(
        days=top["dateImpactDays"]
    )
    assert top["gap"]["id"] not in {p["gap"]["id"] for p in after["remediationPlan"]}


async def test_items_keep_owners_and_dates_through_saves_and_close_as_done(
    alice: GraphQLClient, bob: GraphQLClient, company: dict[str, Any]
) -> None:
    read = await plan_of(alice, company["id"])
    top = read["remediationPlan"][0]
    gap_id = top["gap"]["id"]
    due = (today() + timedelta(days=30)).isoformat()
    base = {"assessmentId": company["id"], "gapId": gap_id}
    created = (
        await alice(
            UPDATE,
            {"input": {**base, "owner": " Dana  Kim ", "dueDate": due, "status": "IN_PROGRESS"}},
        )
    )["data"]["updateRemediation"]
    assert created["errors"] == []
    assert created["item"] == {
        "id": created["item"]["id"],
        "gapId": gap_id,
        "owner": "Dana Kim",
        "dueDate": due,
        "status": "IN_PROGRESS",
        "note": None,
        "version": 1,
        "updatedBy": "user:alice",
    }
    # A stale version, an unknown gap, a past date, a long owner: refused, nothing changed.
    refusals = [
        ({**base, "note": "x", "expectedVersion": 7}, "VERSION_CONFLICT", "expectedVersion"),
        ({**base, "gapId": "R2FwOm5vbmU"}, "NOT_FOUND", "gapId"),
        ({**base, "dueDate": (today() - timedelta(days=1)).isoformat()}, "INVALID", "dueDate"),
        ({**base, "owner": "o" * 201}, "INVALID", "owner"),
    ]
    for variables, code, field in refusals:
        payload = (await alice(UPDATE, {"input": variables}))["data"]["updateRemediation"]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, ["input", field])]
    updated = (
        await alice(UPDATE, {"input": {**base, "note": "vendor chosen", "expectedVersion": 1}})
    )["data"]["updateRemediation"]["item"]
    assert (updated["version"], updated["note"], updated["owner"]) == (
        2,
        "vendor chosen",
        "Dana Kim",
    )
    # Another tenant cannot see or touch it.
    foreign = (await bob(UPDATE, {"input": {**base, "note": "mine"}}))["data"]
    assert foreign["updateRemediation"]["errors"][0]["code"] == "NOT_FOUND"
    # A save elsewhere keeps the item on its gap.
    other = next(p for p in read["remediationPlan"] if p["gap"]["questionKey"])
    saved = await alice(
        SAVE,
        {
            "id": company["id"],
            "v": read["version"],
            "answers": [{"questionKey": other["gap"]["questionKey"], "value": "n/a"}],
        },
    )
    version = read["version"]
    if saved["data"]["saveAnswers"]["errors"]:  # a question that takes no n/a
        assert saved["data"]["saveAnswers"]["errors"][0]["code"] == "INVALID"
    else:
        version += 1
    again = await plan_of(alice, company["id"])
    kept = next(p for p in again["remediationPlan"] if p["gap"]["id"] == gap_id)
    assert kept["item"]["owner"] == "Dana Kim" and kept["item"]["version"] == 2
    # Closing the gap keeps the item, as done.
    control = top["gap"]["control"]["key"]
    body = await alice(QUESTIONS, {"id": company["id"]})
    answers = [
        {"questionKey": q["key"], "value": soc2.best()(q)}
        for s in body["data"]["assessment"]["questionnaire"]["sections"]
        for q in s["questions"]
        if q["role"] == "DESIGN" and control in {c["key"] for c in q["controls"]}
    ]
    closed = await alice(SAVE, {"id": company["id"], "v": version, "answers": answers})
    assert closed["data"]["saveAnswers"]["errors"] == []
    items = (await alice(ITEMS, {"id": company["id"]}))["data"]["assessment"]["remediationItems"]
    assert {"gapId": gap_id, "status": "DONE", "owner": "Dana Kim"} in items


async def test_a_viewer_reads_the_plan_but_cannot_change_it(
    alice: GraphQLClient, bob: GraphQLClient, company: dict[str, Any]
) -> None:
    await factories.member(alice, company["org"], "user:bob", "VIEWER")
    read = await plan_of(bob, company["id"])
    gap_id = read["remediationPlan"][0]["gap"]["id"]
    payload = (
        await bob(UPDATE, {"input": {"assessmentId": company["id"], "gapId": gap_id, "note": "x"}})
    )["data"]["updateRemediation"]
    assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
