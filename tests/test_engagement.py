"""A consultant's housekeeping: archiving assessments and the headline an organisation shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from service.api.ids import decode_id
from tests import catalog_samples, factories
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


CREATE_FOLLOW_UP = """mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) {
  assessment { id status version copiedFrom { id } questionnaire { version }
    answers { questionKey value note } questionsToReview { key } }
  errors { code field message } } }"""
ANSWERS = """mutation($id: ID!, $v: Int!, $answers: [AnswerInput!]!) {
  saveAnswers(input: {assessmentId: $id, expectedVersion: $v, answers: $answers}) {
    assessment { version questionsToReview { key } } errors { code field message } } }"""
SINCE = """query($id: ID!) { assessment(id: $id) {
  report { controls { control { key } operatingSince } } } }"""


def follow_up_of(org: str, source: str | None, name: str = "Q3 follow-up") -> dict[str, Any]:
    return {
        "input": {
            "organizationId": org,
            "name": name,
            "frameworkKey": "mini",
            "scope": [],
            "auditType": "TYPE_2",
            "copyAnswersFrom": source,
        }
    }


async def since(client: GraphQLClient, assessment: str, control: str) -> str | None:
    body = await client(SINCE, {"id": assessment})
    return next(
        c["operatingSince"]
        for c in body["data"]["assessment"]["report"]["controls"]
        if c["control"]["key"] == control
    )


async def test_a_follow_up_starts_from_the_earlier_answers(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice)
    earlier = (await factories.assessment(alice, org, name="baseline"))["id"]
    answers = [
        {"questionKey": "iam.reviews", "value": "partial", "note": "two of four done"},
        {"questionKey": "iam.months", "value": "5"},
        {"questionKey": "log.central", "value": "3"},
    ]
    saved = await alice(ANSWERS, {"id": earlier, "v": 1, "answers": answers})
    assert saved["data"]["saveAnswers"]["errors"] == []
    body = await alice(CREATE_FOLLOW_UP, follow_up_of(org, earlier))
    created = body["data"]["createAssessment"]
    assert created["errors"] == []
    follow_up = created["assessment"]
    assert follow_up["copiedFrom"] == {"id": earlier}
    assert follow_up["status"] == "IN_PROGRESS"
    assert follow_up["questionsToReview"] == []
    assert {a["questionKey"]: (a["value"], a["note"]) for a in follow_up["answers"]} == {
        "iam.reviews": ("partial", "two of four done"),
        "iam.months": ("5", None),
        "log.central": ("3", None),
    }
    # The months keep counting from when they were first given.
    assert await since(alice, follow_up["id"], "IAM-01") == await since(alice, earlier, "IAM-01")
    # Another tenant's assessment, or an id that names none: NOT_FOUND on the field.
    theirs = (await factories.assessment(bob, await factories.organization(bob)))["id"]
    for source in (theirs, "not-an-id"):
        refused = (await alice(CREATE_FOLLOW_UP, follow_up_of(org, source)))["data"]
        assert refused["createAssessment"]["errors"] == [
            {
                "code": "NOT_FOUND",
                "field": ["input", "copyAnswersFrom"],
                "message": "assessment not found",
            }
        ]


async def test_a_follow_up_on_a_new_questionnaire_lists_what_to_answer_again(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    earlier = (await factories.assessment(alice, org, name="baseline"))["id"]
    answers = [
        {"questionKey": "iam.reviews", "value": "partial"},
        {"questionKey": "log.central", "value": "3"},
    ]
    assert (await alice(ANSWERS, {"id": earlier, "v": 1, "answers": answers}))["data"][
        "saveAnswers"
    ]["errors"] == []
    # The organisation's own next version: access reviews became yes/no, MFA is new.
    document = catalog_samples.questionnaire()
    access = document["sections"][1]["questions"]
    access[0]["kind"] = "YES_NO"
    access.insert(
        1,
        {"key": "iam.mfa", "text": "Is MFA enforced?", "kind": "YES_NO", "controls": ["IAM-01"]},
    )
    imported = await alice(
        """mutation($o: ID!, $d: String!) { importQuestionnaire(input: {organizationId: $o,
          document: $d}) { questionnaire { key version } errors { code field message } } }""",
        {"o": org, "d": yaml.safe_dump(document)},
    )
    assert imported["data"]["importQuestionnaire"]["errors"] == []
    created = (await alice(CREATE_FOLLOW_UP, follow_up_of(org, earlier)))["data"][
        "createAssessment"
    ]
    assert created["errors"] == []
    follow_up = created["assessment"]
    assert (
        follow_up["questionnaire"]["version"]
        == imported["data"]["importQuestionnaire"]["questionnaire"]["version"]
    )
    assert [a["questionKey"] for a in follow_up["answers"]] == ["log.central"]
    assert [q["key"] for q in follow_up["questionsToReview"]] == ["iam.reviews", "iam.mfa"]
    # Answered again, a question leaves the list.
    again = await alice(
        ANSWERS,
        {
            "id": follow_up["id"],
            "v": follow_up["version"],
            "answers": [{"questionKey": "iam.reviews", "value": "yes"}],
        },
    )
    assert again["data"]["saveAnswers"]["assessment"]["questionsToReview"] == [{"key": "iam.mfa"}]


DELETE = """mutation($o: ID!, $name: String!) { deleteOrganization(input: {organizationId: $o,
  confirmName: $name}) { deletedOrganizationId errors { code field message } } }"""


async def test_deleting_an_organisation_removes_its_data_and_records_who(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    from service.storage.documents import DOCUMENT_MODELS, AuditEvent

    org = await factories.organization(alice, "Acme   Ltd")
    kept = await factories.organization(alice, "Kept")
    await factories.member(alice, org, "user:bob", "ASSESSOR")
    await factories.api_key(alice, org, "ci")
    for owner in (org, kept):
        assessment = (await factories.assessment(alice, owner))["id"]
        await alice(
            ANSWERS,
            {"id": assessment, "v": 1, "answers": [{"questionKey": "iam.reviews", "value": "yes"}]},
        )
        recorded = await alice(
            """mutation($o: ID!) { recordOccurrences(input: {organizationId: $o, occurrences:
              [{controlKey: "IAM-01", performedOn: "2026-01-05"}]}) { errors { code } } }""",
            {"o": owner},
        )
        assert recorded["data"]["recordOccurrences"]["errors"] == []
    object_id = decode_id("Organization", org)

    async def rows() -> dict[str, int]:
        counts = {}
        for document in DOCUMENT_MODELS:
            field = "_id" if document.__name__ == "Organization" else "organization_id"
            if field in ("_id",) or "organization_id" in document.model_fields:
                collection = document.get_pymongo_collection()
                counts[document.__name__] = await collection.count_documents({field: object_id})
        return counts

    assert sum((await rows()).values()) > 5
    refused = await bob(DELETE, {"o": org, "name": "Acme Ltd"})
    assert [e["code"] for e in refused["data"]["deleteOrganization"]["errors"]] == ["FORBIDDEN"]
    wrong = await alice(DELETE, {"o": org, "name": "Acme"})
    assert wrong["data"]["deleteOrganization"]["errors"] == [
        {
            "code": "INVALID",
            "field": ["input", "confirmName"],
            "message": "type the organisation's name exactly to confirm",
        }
    ]
    assert sum((await rows()).values()) > 5
    done = await alice(DELETE, {"o": org, "name": "Acme Ltd"})
    assert done["data"]["deleteOrganization"] == {"deletedOrganizationId": org, "errors": []}
    assert await rows() == dict.fromkeys(await rows(), 0)
    query = "query($o: ID!) { organization(id: $o) { name } }"
    assert (await alice(query, {"o": org}))["data"]["organization"] is None
    assert (await bob(query, {"o": org}))["data"]["organization"] is None
    # The other organisation is untouched, and the deletion is on record at platform level.
    assert (await alice(query, {"o": kept}))["data"]["organization"] == {"name": "Kept"}
    event = await AuditEvent.get_pymongo_collection().find_one(
        {"action": "deleteOrganization", "target_id": str(object_id)}
    )
    assert event is not None
    assert event["organization_id"] is None and event["actor"] == "user:alice"
    assert event["details"]["assessments"] == 1 and event["details"]["members"] == 2
    again = await alice(DELETE, {"o": org, "name": "Acme Ltd"})
    assert [e["code"] for e in again["data"]["deleteOrganization"]["errors"]] == ["NOT_FOUND"]
