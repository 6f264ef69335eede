"""Class 8: no document grows without bound; a draft's history lives in its own collection.

A policy draft used to keep every earlier body inside itself, and reached MongoDB's
16 MB document limit after about 80 reviews of a large policy.
"""

from __future__ import annotations

from typing import Any

import bson
import pytest

from service.api.ids import decode_id
from service.assessment import answers as answers_module
from service.storage.drafting_documents import PolicyDraftRecord, PolicyDraftRevision
from tests import factories
from tests.conftest import GraphQLClient
from tests.test_drafting import draft, prepare

REVIEW = """mutation($d: ID!, $decision: ReviewDecision!, $body: String) {
  reviewPolicyDraft(input: {draftId: $d, decision: $decision, body: $body}) {
    draft { version } errors { code field message } } }"""
HISTORY = """query($d: ID!, $first: Int, $after: String) { node(id: $d) { ... on PolicyDraft {
  revisions { number body }
  revisionHistory(first: $first, after: $after) {
    edges { cursor node { number body status replacedBy } }
    pageInfo { hasNextPage endCursor } } } } }"""
REVIEWS = 120
VERSION = "query($id: ID!) { assessment(id: $id) { version answers { questionKey } } }"
BODY = "Edited policy text. " * 500  # 10 KB a review


async def review(client: GraphQLClient, draft_id: str, body: str | None) -> dict[str, Any]:
    decision = "APPROVE" if body is None else "REJECT"
    payload: dict[str, Any] = (
        await client(REVIEW, {"d": draft_id, "decision": decision, "body": body})
    )["data"]["reviewPolicyDraft"]
    return payload


async def draft_size(draft_id: str) -> int:
    raw = await PolicyDraftRecord.get_pymongo_collection().find_one(
        {"_id": decode_id("PolicyDraft", draft_id)}
    )
    assert raw is not None
    return len(bson.encode(raw))


async def test_many_reviews_keep_the_draft_small_and_revisions_page(alice: GraphQLClient) -> None:
    first = (await draft(alice, await prepare(alice)))["drafts"][0]
    for number in range(1, REVIEWS + 1):
        reviewed = await review(alice, first["id"], f"{number}\n{BODY}")
        assert reviewed["errors"] == []
        assert reviewed["draft"]["version"] == number + 1
    # The draft holds its current body only: about one review's worth, not 120 of them.
    assert await draft_size(first["id"]) < 2 * len(BODY)
    assert await PolicyDraftRevision.find({}).count() == REVIEWS

    seen: list[int] = []
    after = None
    while True:
        node = (await alice(HISTORY, {"d": first["id"], "first": 50, "after": after}))["data"][
            "node"
        ]
        page = node["revisionHistory"]
        seen += [edge["node"]["number"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(range(REVIEWS, 0, -1))  # every revision once, newest first
    # The plain list is bounded: the latest 100, oldest first.
    assert [r["number"] for r in node["revisions"]] == list(range(REVIEWS - 99, REVIEWS + 1))
    latest = node["revisions"][-1]
    assert latest["body"] == f"{REVIEWS - 1}\n{BODY}"  # replaced by the last review
    assert node["revisions"][0]["body"].startswith(f"{REVIEWS - 100}\n")
    # The last page ends with the first revision: the body as drafted.
    assert page["edges"][-1]["node"] == {
        "number": 1,
        "body": first["body"],
        "status": "DRAFT",
        "replacedBy": "user:alice",
    }


async def test_revisions_kept_inside_older_drafts_still_read(alice: GraphQLClient) -> None:
    first = (await draft(alice, await prepare(alice)))["drafts"][0]
    draft_id = decode_id("PolicyDraft", first["id"])
    kept = [
        {"body": f"old {n}", "status": "DRAFT", "replaced_at": n_at, "replaced_by": "user:alice"}
        for n, n_at in ((1, "2024-01-01T00:00:00Z"), (2, "2024-02-01T00:00:00Z"))
    ]
    # A draft as the previous version wrote it: two reviews embedded, now at version 3.
    await PolicyDraftRecord.get_pymongo_collection().update_one(
        {"_id": draft_id}, {"$set": {"revisions": kept, "version": 3}}
    )
    assert (await review(alice, first["id"], None))["errors"] == []
    node = (await alice(HISTORY, {"d": first["id"], "first": 2}))["data"]["node"]
    page = node["revisionHistory"]
    assert [e["node"]["number"] for e in page["edges"]] == [3, 2]
    assert page["edges"][1]["node"]["body"] == "old 2"
    rest = await alice(
        HISTORY, {"d": first["id"], "first": 2, "after": page["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["body"] for e in rest["data"]["node"]["revisionHistory"]["edges"]] == [
        "old 1"
    ]
    assert [r["number"] for r in node["revisions"]] == [1, 2, 3]


async def test_review_bodies_are_capped_in_bytes(alice: GraphQLClient) -> None:
    first = (await draft(alice, await prepare(alice)))["drafts"][0]
    for body in ("x" * 200_001, "€" * 70_000):  # the second is 210,000 bytes in UTF-8
        refused = await review(alice, first["id"], body)
        assert refused["draft"] is None
        assert refused["errors"][0]["code"] == "INVALID"
        assert refused["errors"][0]["field"] == ["input", "body"]
    assert (await review(alice, first["id"], "€" * 66_000))["errors"] == []
    assert await PolicyDraftRevision.find({}).count() == 1


SAVE = """mutation($input: SaveAnswersInput!) { saveAnswers(input: $input) {
  assessment { version answers { questionKey note } } errors { code field message } } }"""


async def test_an_assessments_answers_are_capped_in_total(
    alice: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each note is capped (4,000 characters), and so is the text of all answers together,
    so an assessment of a huge imported questionnaire cannot reach the document limit.
    The cap is lowered here to what three notes pass."""
    monkeypatch.setattr(answers_module, "MAX_TOTAL_TEXT_BYTES", 10_000)
    assessment_id = (await factories.assessment(alice, await factories.organization(alice)))["id"]
    note = "n" * 4000
    first = (
        await alice(
            SAVE,
            {
                "input": {
                    "assessmentId": assessment_id,
                    "expectedVersion": 1,
                    "answers": [
                        {"questionKey": "iam.reviews", "value": "yes", "note": note},
                        {"questionKey": "iam.months", "value": "4", "note": note},
                    ],
                }
            },
        )
    )["data"]["saveAnswers"]
    assert first["errors"] == []
    refused = (
        await alice(
            SAVE,
            {
                "input": {
                    "assessmentId": assessment_id,
                    "expectedVersion": 2,
                    "answers": [{"questionKey": "log.central", "value": "3", "note": note}],
                }
            },
        )
    )["data"]["saveAnswers"]
    assert refused["assessment"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("LIMIT_EXCEEDED", ["answers"])]
    assert "12,0" in refused["errors"][0]["message"]
    # Nothing changed: the version and both saved notes are as they were.
    kept = (await alice(VERSION, {"id": assessment_id}))["data"]["assessment"]
    assert kept["version"] == 2
    assert sorted(a["questionKey"] for a in kept["answers"]) == ["iam.months", "iam.reviews"]
