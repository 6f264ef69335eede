"""Members, API keys and the audit log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from service.auth.authenticator import Authenticator
from service.settings import Settings
from tests import factories
from tests.conftest import GraphQLClient, running

ADD = """mutation($org: ID!, $subject: String!, $role: Role!) {
  addMember(input: {organizationId: $org, subject: $subject, role: $role}) { member { subject role } errors { code field message } } }"""
CHANGE = """mutation($org: ID!, $subject: String!, $role: Role!) {
  changeMemberRole(input: {organizationId: $org, subject: $subject, role: $role}) { member { subject role } errors { code message } } }"""
REMOVE = """mutation($org: ID!, $subject: String!) {
  removeMember(input: {organizationId: $org, subject: $subject}) { member { subject } errors { code message } } }"""
CREATE_KEY = """mutation($org: ID!, $role: Role) {
  createApiKey(input: {organizationId: $org, name: "CI", role: $role}) { apiKey { id name role prefix lastUsedAt revokedAt } secret errors { code } } }"""
REVOKE_KEY = """mutation($org: ID!, $id: ID!) {
  revokeApiKey(input: {organizationId: $org, apiKeyId: $id}) { apiKey { revokedAt } errors { code } } }"""


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


async def test_members_and_the_last_owner_rule(alice: GraphQLClient, bob: GraphQLClient) -> None:
    org = await factories.organization(alice, "Org")
    added = (await alice(ADD, {"org": org, "subject": "user:bob", "role": "VIEWER"}))["data"][
        "addMember"
    ]
    assert added == {"member": {"subject": "user:bob", "role": "VIEWER"}, "errors": []}
    assert (await bob("query($id: ID!) { organization(id: $id) { viewerRole } }", {"id": org}))[
        "data"
    ]["organization"] == {"viewerRole": "VIEWER"}
    duplicate = (await alice(ADD, {"org": org, "subject": "user:bob", "role": "OWNER"}))["data"][
        "addMember"
    ]
    assert duplicate["errors"][0]["code"] == "INVALID"
    # A VIEWER may not manage members.
    refused = (await bob(ADD, {"org": org, "subject": "user:eve", "role": "OWNER"}))["data"][
        "addMember"
    ]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    last = (await alice(CHANGE, {"org": org, "subject": "user:alice", "role": "VIEWER"}))["data"][
        "changeMemberRole"
    ]
    assert last["errors"][0]["code"] == "INVALID_STATE"
    last = (await alice(REMOVE, {"org": org, "subject": "user:alice"}))["data"]["removeMember"]
    assert last["errors"][0]["code"] == "INVALID_STATE"
    promoted = (await alice(CHANGE, {"org": org, "subject": "user:bob", "role": "OWNER"}))["data"][
        "changeMemberRole"
    ]
    assert promoted["member"] == {"subject": "user:bob", "role": "OWNER"}
    removed = (await bob(REMOVE, {"org": org, "subject": "user:alice"}))["data"]["removeMember"]
    assert removed["errors"] == []
    assert (await alice("query($id: ID!) { organization(id: $id) { id } }", {"id": org}))["data"][
        "organization"
    ] is None


OWNERS = "query($id: ID!) { organization(id: $id) { members { subject role } } }"


@pytest.mark.parametrize("second", ["demote", "remove"])
async def test_two_owners_leaving_at_once_leave_one_owner(
    alice: GraphQLClient, bob: GraphQLClient, second: str
) -> None:
    """Each request alone passes the last-owner check; together they must not both land."""
    org = await factories.organization(alice, "Org")
    await factories.member(alice, org, "user:bob", "OWNER")
    for _round in range(3):
        first = alice(CHANGE, {"org": org, "subject": "user:alice", "role": "VIEWER"})
        other = (
            bob(CHANGE, {"org": org, "subject": "user:bob", "role": "VIEWER"})
            if second == "demote"
            else bob(REMOVE, {"org": org, "subject": "user:bob"})
        )
        results = await asyncio.gather(first, other)
        payloads = [next(iter(r["data"].values())) for r in results]
        codes = sorted(p["errors"][0]["code"] if p["errors"] else "OK" for p in payloads)
        assert codes == ["INVALID_STATE", "OK"], payloads
        # Whoever is still an OWNER restores the other one for the next round.
        members = {}
        for client in (alice, bob):
            found = (await client(OWNERS, {"id": org}))["data"]["organization"]
            if found is not None:
                members = {m["subject"]: m["role"] for m in found["members"]}
        assert list(members.values()).count("OWNER") == 1, members
        owner = alice if members.get("user:alice") == "OWNER" else bob
        leaver = "user:bob" if owner is alice else "user:alice"
        if leaver in members:
            restore = await owner(CHANGE, {"org": org, "subject": leaver, "role": "OWNER"})
        else:
            restore = await owner(ADD, {"org": org, "subject": leaver, "role": "OWNER"})
        assert not next(iter(restore["data"].values()))["errors"]


async def test_api_keys_are_scoped_shown_once_and_revocable(
    alice: GraphQLClient, client: httpx.AsyncClient
) -> None:
    org = await factories.organization(alice, "Org")
    other = await factories.organization(alice, "Org")
    created = (await alice(CREATE_KEY, {"org": org, "role": "VIEWER"}))["data"]["createApiKey"]
    secret = created["secret"]
    assert secret.startswith("rk_")
    assert len(secret) >= 43
    assert created["apiKey"]["prefix"] == secret[:9]
    machine = GraphQLClient(client, secret)
    listed = await machine("{ organizations { nodes { id } } }")
    assert listed["data"]["organizations"]["nodes"] == [{"id": org}]
    assert (await machine("query($id: ID!) { organization(id: $id) { id } }", {"id": other}))[
        "data"
    ]["organization"] is None
    # VIEWER keys read but do not write.
    write = await machine(
        'mutation($org: ID!) { createAssessment(input: {organizationId: $org, name: "x", frameworkKey: "mini", scope: [], auditType: TYPE_1}) { errors { code } } }',
        {"org": org},
    )
    assert write["data"]["createAssessment"]["errors"][0]["code"] == "FORBIDDEN"
    keys = (
        await alice(
            "query($id: ID!) { organization(id: $id) { apiKeys { name lastUsedAt } } }", {"id": org}
        )
    )["data"]["organization"]["apiKeys"]
    assert keys[0]["name"] == "CI"
    assert keys[0]["lastUsedAt"] is not None
    assert secret not in str(keys)
    revoked = (await alice(REVOKE_KEY, {"org": org, "id": created["apiKey"]["id"]}))["data"][
        "revokeApiKey"
    ]
    assert revoked["apiKey"]["revokedAt"] is not None
    assert (await machine.raw("{ organizations { nodes { id } } }")).status_code == 401
    again = (await alice(REVOKE_KEY, {"org": org, "id": created["apiKey"]["id"]}))["data"][
        "revokeApiKey"
    ]
    assert again["errors"][0]["code"] == "NOT_FOUND"


async def test_every_mutation_writes_an_audit_event_for_owners(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice, "Org")
    await factories.member(alice, org, "user:bob", "ASSESSOR")
    await alice(
        'mutation($org: ID!) { renameOrganization(input: {organizationId: $org, name: "Renamed"}) { errors { code } } }',
        {"org": org},
    )
    assessment = (await factories.assessment(alice, org, name="x"))["id"]
    await factories.answers(
        alice, assessment, [{"questionKey": "iam.reviews", "value": "yes", "note": "secret note"}]
    )
    conflict = await alice(
        'mutation($id: ID!) { saveAnswers(input: {assessmentId: $id, expectedVersion: 1, answers: [{questionKey: "iam.reviews", value: "no"}]}) { errors { code } } }',
        {"id": assessment},
    )
    assert conflict["data"]["saveAnswers"]["errors"][0]["code"] == "VERSION_CONFLICT"
    more = [
        (
            "mutation($id: ID!) { r: exportAssessment(input: {assessmentId: $id, format: CSV}) { errors { code } } }",
            {"id": assessment},
        ),
        (
            'mutation($id: ID!) { r: draftPolicies(input: {assessmentId: $id, controlKeys: ["IAM-01"]}) { errors { code } } }',
            {"id": assessment},
        ),
        (
            "mutation($id: ID!) { r: submitAssessment(input: {assessmentId: $id}) { errors { code } } }",
            {"id": assessment},
        ),
        (
            "mutation($id: ID!) { r: reopenAssessment(input: {assessmentId: $id}) { errors { code } } }",
            {"id": assessment},
        ),
        (
            'mutation($org: ID!) { r: changeMemberRole(input: {organizationId: $org, subject: "user:bob", role: VIEWER}) { errors { code } } }',
            {"org": org},
        ),
    ]
    for mutation, variables in more:
        assert (await alice(mutation, variables))["data"]["r"]["errors"] == [], mutation
    events = (
        await alice(
            "query($id: ID!) { organization(id: $id) { auditEvents(first: 50) { edges { node { actor action targetType details requestId } } } } }",
            {"id": org},
        )
    )["data"]["organization"]["auditEvents"]["edges"]
    actions = [e["node"]["action"] for e in events]
    assert actions == [
        "changeMemberRole",
        "reopenAssessment",
        "submitAssessment",
        "draftPolicies",
        "exportAssessment",
        "saveAnswers",
        "createAssessment",
        "renameOrganization",
        "addMember",
        "createOrganization",
    ]
    assert all(
        e["node"]["actor"] == "user:alice" and len(e["node"]["requestId"]) == 32 for e in events
    )
    assert "secret note" not in str(events)
    saved = next(e["node"] for e in events if e["node"]["action"] == "saveAnswers")
    assert '"yes"' not in saved["details"]
    exported = next(e["node"] for e in events if e["node"]["action"] == "exportAssessment")
    assert exported["targetType"] == "Assessment" and '"CSV"' in exported["details"]
    denied = await bob(
        "query($id: ID!) { organization(id: $id) { auditEvents { edges { cursor } } } }",
        {"id": org},
        expect_errors=True,
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    schema = (await alice("{ __schema { mutationType { fields { name } } } }"))["data"]["__schema"][
        "mutationType"
    ]["fields"]
    # Nothing changes or removes an audit event (simulateAudit is a mock audit: it reads).
    names = [f["name"] for f in schema]
    assert "simulateAudit" in names
    assert not [n for n in names if "audit" in n.lower() and n != "simulateAudit"]


async def test_a_key_revoked_on_one_pod_stops_on_another_within_the_cache_time(
    settings: Settings, alice: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pod B caches verified keys for CACHE_SECONDS (10 s in production; short here).
    monkeypatch.setattr(Authenticator, "CACHE_SECONDS", 0.5)
    org = await factories.organization(alice, "Acme")
    created = (await alice(CREATE_KEY, {"org": org, "role": "VIEWER"}))["data"]["createApiKey"]
    async with running(settings) as pod_b:
        machine = GraphQLClient(pod_b, created["secret"])
        listed = "{ organizations { nodes { id } } }"
        assert (await machine.raw(listed)).status_code == 200  # cached on pod B now
        revoked = await alice(REVOKE_KEY, {"org": org, "id": created["apiKey"]["id"]})
        assert revoked["data"]["revokeApiKey"]["errors"] == []
        await asyncio.sleep(0.6)
        assert (await machine.raw(listed)).status_code == 401
