"""Assessments through GraphQL on the small sample catalog: lifecycle, answers, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.conftest import GraphQLClient


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


CREATED = """id version status scope scopeExplicit observationWindowMonths auditType
             progress { answered total percent } report { readiness completeness }"""
CREATE = f"""
mutation($input: CreateAssessmentInput!) {{
  createAssessment(input: $input) {{
    assessment {{ {CREATED} }}
    errors {{ code field message }}
  }}
}}
"""
SAVE = """
mutation($input: SaveAnswersInput!) {
  saveAnswers(input: $input) {
    assessment { id version status scope answers { questionKey value note answeredBy }
                 report { readiness completeness gaps { kind control { key } questionKey } } }
    errors { code field message }
  }
}
"""
READ = """
query($id: ID!) { assessment(id: $id) { id version status answers { questionKey value note }
  report { readiness criteria { criterion { ref } status score drivers { questionKey value } } } } }
"""


async def create(client: GraphQLClient, org_id: str, **extra: Any) -> dict[str, Any]:
    """An assessment on the mini catalog, with the fields these tests read."""
    return await factories.assessment(
        client, org_id, name="Readiness 2026", select=CREATED, **extra
    )


async def save(
    client: GraphQLClient,
    assessment: dict[str, Any],
    answers: list[dict[str, Any]],
    version: int | None = None,
) -> dict[str, Any]:
    variables = {
        "assessmentId": assessment["id"],
        "expectedVersion": version or assessment["version"],
        "answers": answers,
    }
    return (await client(SAVE, {"input": variables}))["data"]["saveAnswers"]


async def test_create_defaults(alice: GraphQLClient) -> None:
    created = await create(alice, await factories.organization(alice))
    assert created["version"] == 1
    assert created["status"] == "DRAFT"
    assert created["scope"] == ["SECURITY"]
    assert created["scopeExplicit"] is False
    assert created["observationWindowMonths"] == 6
    assert created["report"]["readiness"] == 0.0
    assert created["progress"]["answered"] == 0


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"observationWindowMonths": 2}, ["input", "observationWindowMonths"], "3 to 12"),
        ({"observationWindowMonths": 13}, ["input", "observationWindowMonths"], "3 to 12"),
        ({"frameworkKey": "nope"}, ["input", "frameworkKey"], "unknown framework"),
        ({"name": "   "}, ["input", "name"], "1 to 200"),
        ({"targetDate": "2001-01-01"}, ["input", "targetDate"], "in the past"),
    ],
)
async def test_create_rejects_bad_input(
    alice: GraphQLClient, extra: dict[str, Any], field: list[str], message: str
) -> None:
    org_id = await factories.organization(alice)
    variables = {
        "organizationId": org_id,
        "name": "x",
        "frameworkKey": "mini",
        "scope": [],
        "auditType": "TYPE_2",
        **extra,
    }
    payload = (await alice(CREATE, {"input": variables}))["data"]["createAssessment"]
    assert payload["assessment"] is None
    assert any(
        e["field"] == field and message in e["message"] and e["code"] == "INVALID"
        for e in payload["errors"]
    ), payload
    listed = await alice(
        "query($id: ID!) { organization(id: $id) { assessments { edges { cursor } } } }",
        {"id": org_id},
    )
    assert listed["data"]["organization"]["assessments"]["edges"] == []


async def test_answers_round_trip_and_scope_is_suggested_not_applied(
    alice: GraphQLClient,
) -> None:
    assessment = await create(alice, await factories.organization(alice))
    payload = await save(
        alice,
        assessment,
        [
            {"questionKey": "scope.personal_data", "value": "yes"},
            {"questionKey": "iam.reviews", "value": "yes", "note": "Quarterly in Jira"},
        ],
    )
    assert payload["errors"] == []
    saved = payload["assessment"]
    assert saved["version"] == 2
    assert saved["status"] == "IN_PROGRESS"
    # Personal data suggests PRIVACY, with the reason; the scope stays what was chosen.
    assert saved["scope"] == ["SECURITY"]
    suggested = await alice(
        "query($id: ID!) { assessment(id: $id) { scope scopeExplicit suggestedScope "
        "scopeSuggestions { category reason } } }",
        {"id": assessment["id"]},
    )
    shown = suggested["data"]["assessment"]
    assert shown["suggestedScope"] == ["SECURITY", "PRIVACY"]
    assert shown["scopeExplicit"] is False
    assert shown["scopeSuggestions"] == [
        {"category": "PRIVACY", "reason": "Do you process personal data? Answered: yes."}
    ]
    assert {
        "questionKey": "iam.reviews",
        "value": "yes",
        "note": "Quarterly in Jira",
        "answeredBy": "user:alice",
    } in saved["answers"]
    read = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert read["version"] == 2
    criterion = next(c for c in read["report"]["criteria"] if c["criterion"]["ref"] == "CC1.1")
    assert criterion["drivers"] == [{"questionKey": "iam.reviews", "value": "yes"}]


@pytest.mark.parametrize(
    ("answer", "field", "message"),
    [
        (
            {"questionKey": "nope", "value": "yes"},
            ["answers", "0", "questionKey"],
            "unknown question",
        ),
        (
            {"questionKey": "iam.reviews", "value": "maybe"},
            ["answers", "0", "value"],
            "must be one of yes, partial, no",
        ),
        (
            {"questionKey": "iam.reviews", "value": "n/a"},
            ["answers", "0", "value"],
            "does not accept n/a",
        ),
        ({"questionKey": "iam.months", "value": "-1"}, ["answers", "0", "value"], "whole number"),
        ({"questionKey": "iam.months", "value": "3.5"}, ["answers", "0", "value"], "whole number"),
        ({"questionKey": "log.central", "value": "6"}, ["answers", "0", "value"], "must be one of"),
        (
            {"questionKey": "iam.reviews", "value": "yes", "note": "x" * 4001},
            ["answers", "0", "note"],
            "at most 4000",
        ),
    ],
)
async def test_bad_answers_save_nothing(
    alice: GraphQLClient, answer: dict[str, Any], field: list[str], message: str
) -> None:
    assessment = await create(alice, await factories.organization(alice))
    await save(alice, assessment, [{"questionKey": "iam.months", "value": "4"}])
    payload = await save(
        alice, assessment, [{"questionKey": "prv.notice", "value": "yes"}, answer], version=2
    )
    assert payload["assessment"] is None
    shifted = [field[0], "1", *field[2:]]
    assert [e["code"] for e in payload["errors"]] == ["INVALID"]
    assert payload["errors"][0]["field"] == shifted
    assert message in payload["errors"][0]["message"]
    read = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert read["version"] == 2
    assert read["answers"] == [{"questionKey": "iam.months", "value": "4", "note": None}]


async def test_version_conflict_changes_nothing(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    assert (await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no"}]))[
        "errors"
    ] == []
    stale = await save(
        alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version=1
    )
    assert stale["assessment"] is None
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
    assert stale["errors"][0]["field"] == ["input", "expectedVersion"]
    read = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert read["answers"] == [{"questionKey": "iam.reviews", "value": "no", "note": None}]


async def test_submitted_is_read_only_until_reopened(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    submit = "mutation($id: ID!) { submitAssessment(input: {assessmentId: $id}) { assessment { status version } errors { code } } }"
    reopen = "mutation($id: ID!) { reopenAssessment(input: {assessmentId: $id}) { assessment { status version } errors { code } } }"
    submitted = (await alice(submit, {"id": assessment["id"]}))["data"]["submitAssessment"]
    assert submitted["assessment"] == {"status": "SUBMITTED", "version": 2}
    blocked = await save(
        alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version=2
    )
    assert blocked["errors"][0]["code"] == "INVALID_STATE"
    again = (await alice(submit, {"id": assessment["id"]}))["data"]["submitAssessment"]
    assert again["errors"][0]["code"] == "INVALID_STATE"
    reopened = (await alice(reopen, {"id": assessment["id"]}))["data"]["reopenAssessment"]
    assert reopened["assessment"] == {"status": "IN_PROGRESS", "version": 3}
    assert (
        await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version=3)
    )["errors"] == []


HISTORY = """
query($id: ID!, $key: String, $first: Int) { assessment(id: $id) {
  answerHistory(questionKey: $key, first: $first) {
    questionKey value note answeredBy answeredAt replacedBy replacedAt } } }
"""


async def history(
    client: GraphQLClient, assessment: dict[str, Any], **variables: Any
) -> list[dict[str, Any]]:
    body = await client(HISTORY, {"id": assessment["id"], **variables})
    assert "errors" not in body, body
    return list(body["data"]["assessment"]["answerHistory"])


async def raw_assessment(assessment: dict[str, Any]) -> dict[str, Any]:
    from service.api.ids import decode_id
    from service.storage.documents import AssessmentRecord

    found = await AssessmentRecord.get_pymongo_collection().find_one(
        {"_id": decode_id("Assessment", assessment["id"])}
    )
    assert found is not None
    return dict(found)


async def test_history_keeps_earlier_values_and_clearing_works(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no", "note": "n1"}])
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version=2)
    cleared = await save(
        alice, assessment, [{"questionKey": "iam.reviews", "value": ""}], version=3
    )
    assert cleared["assessment"]["answers"] == []
    revisions = await history(alice, assessment)
    assert [(r["questionKey"], r["value"]) for r in revisions] == [
        ("iam.reviews", "yes"),
        ("iam.reviews", "no"),
    ]
    assert revisions[1]["note"] == "n1"
    assert revisions[1]["answeredBy"] == revisions[1]["replacedBy"] == "user:alice"
    assert revisions[1]["answeredAt"] <= revisions[1]["replacedAt"] <= revisions[0]["replacedAt"]


async def test_history_filters_by_question_and_caps_the_page(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    version = assessment["version"]
    for value in ["no", "partial", "yes", "no"]:
        payload = await save(
            alice,
            assessment,
            [
                {"questionKey": "iam.reviews", "value": value},
                {"questionKey": "scope.personal_data", "value": "yes"},
            ],
            version=version,
        )
        assert payload["errors"] == [], payload
        version = payload["assessment"]["version"]
    reviews = await history(alice, assessment, key="iam.reviews")
    assert [r["value"] for r in reviews] == ["yes", "partial", "no"]
    # scope.personal_data was sent four times with the same value: it keeps its first
    # answer (and date) and leaves no history.
    assert len(await history(alice, assessment)) == 3
    assert [r["value"] for r in await history(alice, assessment, key="iam.reviews", first=1)] == [
        "yes"
    ]
    too_many = await alice(HISTORY, {"id": assessment["id"], "first": 101}, expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_saves_do_not_grow_the_assessment_document(alice: GraphQLClient) -> None:
    """Earlier answers live in their own collection: the assessment stays one size."""
    import bson

    from service.storage.packing import unpacked

    assessment = await create(alice, await factories.organization(alice))
    version = assessment["version"]
    sizes = []
    for value in ["no", "yes"] * 5:
        payload = await save(
            alice,
            assessment,
            [{"questionKey": "iam.reviews", "value": value, "note": "x" * 200}],
            version=version,
        )
        version = payload["assessment"]["version"]
        raw = await raw_assessment(assessment)
        assert "answer_history" not in raw or raw["answer_history"] == []
        # Measured unpacked: compressed sizes follow the answers' timestamps by a byte.
        stored = unpacked({k: v for k, v in raw.items() if k != "updated_at"})
        sizes.append(len(bson.encode(stored)))
    # The same answer gives the same report, so the same size, however many saves came before.
    assert len(set(sizes[0::2])) == 1 and len(set(sizes[1::2])) == 1, sizes
    assert len(await history(alice, assessment)) == 9


async def test_a_conflicting_save_writes_no_revision(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no"}])
    stale = await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}])
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
    assert await history(alice, assessment) == []


async def test_history_kept_inside_older_assessments_is_still_read(alice: GraphQLClient) -> None:
    """Assessments saved before revisions had their own collection kept them inline."""
    from service.api.ids import decode_id
    from service.storage.documents import AssessmentRecord

    assessment = await create(alice, await factories.organization(alice))
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}])
    raw = await raw_assessment(assessment)
    inline = {
        "question_key": "iam.reviews",
        "value": "no",
        "note": None,
        "answered_by": "user:alice",
        "answered_at": raw["created_at"],
        "replaced_at": raw["created_at"],
        "replaced_by": "user:alice",
    }
    await AssessmentRecord.get_pymongo_collection().update_one(
        {"_id": decode_id("Assessment", assessment["id"])},
        {"$set": {"answer_history": [inline]}},
    )
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "partial"}], version=2)
    assert [r["value"] for r in await history(alice, assessment)] == ["yes", "no"]
    read = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert read["answers"][0]["value"] == "partial"


async def test_other_tenants_cannot_touch_an_assessment(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    assessment = await create(alice, await factories.organization(alice))
    assert (await bob(READ, {"id": assessment["id"]}))["data"]["assessment"] is None
    payload = await save(bob, assessment, [{"questionKey": "iam.reviews", "value": "yes"}])
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    alice_org = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert alice_org is not None
    org_id = (await alice("{ organizations { nodes { id } } }"))["data"]["organizations"]["nodes"][
        0
    ]["id"]
    foreign = await bob(
        CREATE,
        {
            "input": {
                "organizationId": org_id,
                "name": "x",
                "frameworkKey": "mini",
                "scope": [],
                "auditType": "TYPE_1",
            }
        },
    )
    assert foreign["data"]["createAssessment"]["errors"][0]["code"] == "NOT_FOUND"


async def test_concurrent_writers_lose_nothing(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    keys = ["iam.reviews", "iam.months", "log.central", "scope.personal_data"]
    values = {
        "iam.reviews": "partial",
        "iam.months": "5",
        "log.central": "4",
        "scope.personal_data": "no",
    }

    async def writer(key: str) -> int:
        attempts = 0
        while True:
            attempts += 1
            current = (
                await alice(
                    "query($id: ID!) { assessment(id: $id) { version } }", {"id": assessment["id"]}
                )
            )["data"]["assessment"]["version"]
            payload = await save(
                alice, assessment, [{"questionKey": key, "value": values[key]}], version=current
            )
            if not payload["errors"]:
                return attempts
            assert payload["errors"][0]["code"] == "VERSION_CONFLICT"

    await asyncio.gather(*(writer(k) for k in keys * 4))
    read = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    # Four writers per answer: the first to land changes it, the others save the same
    # value again, which changes nothing and moves no version.
    assert read["version"] == 1 + len(keys)
    assert {a["questionKey"]: a["value"] for a in read["answers"]} == values


async def test_the_scope_is_what_people_choose(alice: GraphQLClient) -> None:
    """Created without a scope, an assessment asks for it (SECURITY alone, not chosen);
    choosing sets it; scoping answers never change it; an empty list makes it unchosen."""
    assessment = await create(alice, await factories.organization(alice))
    update = """mutation($input: UpdateAssessmentInput!) { updateAssessment(input: $input) {
      assessment { version scope scopeExplicit } errors { code field message } } }"""
    chosen = (
        await alice(
            update,
            {"input": {"assessmentId": assessment["id"], "scope": ["PRIVACY"]}},
        )
    )["data"]["updateAssessment"]
    assert chosen["errors"] == []
    assert chosen["assessment"]["scope"] == ["SECURITY", "PRIVACY"]
    assert chosen["assessment"]["scopeExplicit"] is True
    saved = await save(
        alice,
        assessment,
        [{"questionKey": "scope.personal_data", "value": "no"}],
        version=chosen["assessment"]["version"],
    )
    assert saved["assessment"]["scope"] == ["SECURITY", "PRIVACY"]
    reset = (await alice(update, {"input": {"assessmentId": assessment["id"], "scope": []}}))[
        "data"
    ]["updateAssessment"]["assessment"]
    assert reset["scope"] == ["SECURITY"] and reset["scopeExplicit"] is False


async def test_a_save_that_changes_nothing_writes_nothing(alice: GraphQLClient) -> None:
    org_id = await factories.organization(alice)
    assessment = await create(alice, org_id)
    answer = {"questionKey": "iam.reviews", "value": "yes", "note": "quarterly"}
    first = await save(alice, assessment, [answer])
    assert first["errors"] == []
    version = first["assessment"]["version"]
    events = """query($id: ID!) { organization(id: $id) { auditEvents(first: 50) {
      edges { node { action } } } } }"""

    async def saves() -> int:
        body = await alice(events, {"id": org_id})
        edges = body["data"]["organization"]["auditEvents"]["edges"]
        return sum(1 for e in edges if e["node"]["action"] == "saveAnswers")

    before = await saves()
    # The same answer and note again, and clearing a question never answered.
    again = await save(
        alice, assessment, [answer, {"questionKey": "log.central", "value": ""}], version=version
    )
    assert again["errors"] == []
    assert again["assessment"]["version"] == version
    assert await history(alice, assessment) == []
    assert await saves() == before
    # A real change still moves the version and keeps the old value.
    changed = await save(alice, assessment, [{**answer, "note": "monthly"}], version=version)
    assert changed["assessment"]["version"] == version + 1
    assert [h["note"] for h in await history(alice, assessment)] == ["quarterly"]
    # Settings it already has: no new version either.
    update = """mutation($input: UpdateAssessmentInput!) { updateAssessment(input: $input) {
      assessment { version name } errors { code } } }"""
    same = (
        await alice(
            update,
            {"input": {"assessmentId": assessment["id"], "name": "Readiness 2026", "scope": []}},
        )
    )["data"]["updateAssessment"]
    assert same == {"assessment": {"version": version + 1, "name": "Readiness 2026"}, "errors": []}
