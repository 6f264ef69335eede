"""What an embedding product relies on: provisioning keys, Idempotency-Key, counts, cursors."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import factories
from tests.conftest import GraphQLClient, user_key


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


CREATE_KEY = """mutation($name: String!) { createProvisioningKey(input: {name: $name}) {
  apiKey { id name } secret errors { code field message } } }"""
REVOKE_KEY = """mutation($id: ID!) { revokeProvisioningKey(input: {keyId: $id}) {
  revokedKeyId errors { code } } }"""
CREATE_ORG = """mutation($name: String!) { createOrganization(input: {name: $name}) {
  organization { id name } errors { code } } }"""
ORGS = """{ organizations(first: 10) { totalCount edges { node { id name } } } }"""


async def _provisioning_key(admin: GraphQLClient, name: str = "Acme GRC") -> tuple[str, str]:
    created = (await admin(CREATE_KEY, {"name": name}))["data"]["createProvisioningKey"]
    assert created["errors"] == [], created
    return created["apiKey"]["id"], created["secret"]


async def test_a_provisioning_key_creates_tenants_and_sees_only_them(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    admin = GraphQLClient(client, await user_key("user:root", platform_admin=True))
    other = await factories.organization(alice, "Someone Else")
    key_id, secret = await _provisioning_key(admin)
    product = GraphQLClient(client, secret)
    created = (await product(CREATE_ORG, {"name": "Tenant One"}))["data"]["createOrganization"]
    tenant = created["organization"]["id"]
    listed = (await product(ORGS))["data"]["organizations"]
    assert listed["totalCount"] == 1
    assert [e["node"]["name"] for e in listed["edges"]] == ["Tenant One"]
    hidden = await product("query($id: ID!) { organization(id: $id) { id } }", {"id": other})
    assert hidden["data"]["organization"] is None
    # It hands the tenant a key of that organisation, which works there.
    tenant_key = await factories.api_key(product, tenant, "tenant", "ASSESSOR")
    tenant_client = GraphQLClient(client, tenant_key["secret"])
    assessment = await factories.assessment(tenant_client, tenant)
    assert assessment["id"]
    refused = await factories_api_key_refused(product, other)
    assert refused == "NOT_FOUND"
    # Its use is audited under its own subject.
    events = await alice(
        """query($id: ID!) { organization(id: $id) { auditEvents(first: 5) { totalCount
          edges { node { actor action } } } } }""",
        {"id": tenant},
        expect_errors=True,
    )
    assert events["data"]["organization"] is None  # alice is not a member of the tenant
    audit = (
        await product(
            """query($id: ID!) { organization(id: $id) { auditEvents(first: 10) {
              totalCount edges { node { actor action } } } } }""",
            {"id": tenant},
        )
    )["data"]["organization"]["auditEvents"]
    actions = {(e["node"]["actor"], e["node"]["action"]) for e in audit["edges"]}
    assert (f"provisioning:{_object_id(key_id)}", "createOrganization") in actions
    assert audit["totalCount"] == len(audit["edges"])
    # Only a platform admin creates one; revoking it stops it at once.
    denied = (await alice(CREATE_KEY, {"name": "x"}))["data"]["createProvisioningKey"]
    assert denied["errors"][0]["code"] == "FORBIDDEN"
    keys = (await admin("{ provisioningKeys { id name } }"))["data"]["provisioningKeys"]
    assert [k["id"] for k in keys] == [key_id]
    revoked = (await admin(REVOKE_KEY, {"id": key_id}))["data"]["revokeProvisioningKey"]
    assert revoked == {"revokedKeyId": key_id, "errors": []}
    after = await product.raw(ORGS)
    assert after.status_code == 401
    again = (await admin(REVOKE_KEY, {"id": key_id}))["data"]["revokeProvisioningKey"]
    assert again["errors"][0]["code"] == "NOT_FOUND"


async def factories_api_key_refused(product: GraphQLClient, organization: str) -> str:
    body = await product(
        """mutation($org: ID!) { createApiKey(input: {organizationId: $org, name: "x"}) {
          errors { code } } }""",
        {"org": organization},
    )
    return str(body["data"]["createApiKey"]["errors"][0]["code"])


def _object_id(global_id: str) -> str:
    from service.api.ids import decode_any

    decoded = decode_any(global_id)
    assert decoded is not None
    return str(decoded[1])


async def _post(
    client: httpx.AsyncClient, token: str, body: dict[str, Any], key: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/graphql", json=body, headers=headers)


async def test_a_retried_mutation_with_one_idempotency_key_applies_once(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    token = str(alice.token)
    key = str(uuid.uuid4())
    body = {"query": CREATE_ORG, "variables": {"name": "Once Ltd"}}
    first = await _post(client, token, body, key)
    retried = await asyncio.gather(*(_post(client, token, body, key) for _ in range(3)))
    assert first.status_code == 200
    for response in retried:
        # The first answer again, or "still running" for a retry that raced it.
        assert response.status_code in (200, 409)
        if response.status_code == 200:
            assert response.json() == first.json()
            assert response.headers["idempotent-replayed"] == "true"
    listed = (await alice(ORGS))["data"]["organizations"]
    assert [e["node"]["name"] for e in listed["edges"]].count("Once Ltd") == 1
    # The same key with another body is refused; nothing is created.
    other = {"query": CREATE_ORG, "variables": {"name": "Twice Ltd"}}
    reused = await _post(client, token, other, key)
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Keys are per principal: another caller's same key is a new request.
    bob_token = await user_key("user:bob")
    mine = await _post(client, bob_token, body, key)
    assert mine.status_code == 200
    assert (
        mine.json()["data"]["createOrganization"]["organization"]["id"]
        != (first.json()["data"]["createOrganization"]["organization"]["id"])
    )
    # A key over 200 characters is a bad request; queries ignore the header.
    long = await _post(client, token, body, "k" * 201)
    assert long.status_code == 400
    query = await _post(client, token, {"query": ORGS}, key)
    assert query.status_code == 200 and "errors" not in query.json()
    names = [e["node"]["name"] for e in (await alice(ORGS))["data"]["organizations"]["edges"]]
    assert "Twice Ltd" not in names


async def test_two_concurrent_first_requests_with_one_key_make_one_organisation(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    token = str(alice.token)
    body = {"query": CREATE_ORG, "variables": {"name": "Race Ltd"}}
    key = str(uuid.uuid4())
    answers = await asyncio.gather(*(_post(client, token, body, key) for _ in range(4)))
    assert sorted({a.status_code for a in answers}) in ([200], [200, 409])
    names = [e["node"]["name"] for e in (await alice(ORGS))["data"]["organizations"]["edges"]]
    assert names.count("Race Ltd") == 1


async def test_total_count_matches_the_filter_and_cursors_follow_relay(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice, "Acme")
    for number in range(5):
        await factories.assessment(alice, org, name=f"a{number}")
    listed = """query($org: ID!, $after: String, $archived: Boolean!) {
      organization(id: $org) { assessments(first: 2, after: $after, includeArchived: $archived) {
        totalCount edges { cursor node { id } }
        pageInfo { hasNextPage endCursor hasPreviousPage startCursor } } } }"""
    page = (await alice(listed, {"org": org, "archived": False}))["data"]["organization"][
        "assessments"
    ]
    assert page["totalCount"] == 5
    info = page["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert info["startCursor"] == page["edges"][0]["cursor"]
    assert info["endCursor"] == page["edges"][-1]["cursor"]
    second = (await alice(listed, {"org": org, "after": info["endCursor"], "archived": False}))[
        "data"
    ]["organization"]["assessments"]
    assert second["totalCount"] == 5  # the whole list, not what is left after the cursor
    assert second["pageInfo"]["hasPreviousPage"] is True
    archived = await alice(
        """mutation($a: ID!) { archiveAssessment(input: {assessmentId: $a}) {
          errors { code } } }""",
        {"a": page["edges"][0]["node"]["id"]},
    )
    assert archived["data"]["archiveAssessment"]["errors"] == []
    without = (await alice(listed, {"org": org, "archived": False}))["data"]["organization"]
    with_archived = (await alice(listed, {"org": org, "archived": True}))["data"]["organization"]
    assert without["assessments"]["totalCount"] == 4
    assert with_archived["assessments"]["totalCount"] == 5
    occurrences = await alice(
        """query($org: ID!) { organization(id: $org) { occurrences(first: 1, controlKey: "X") {
          totalCount pageInfo { hasNextPage startCursor } } } }""",
        {"org": org},
    )
    assert occurrences["data"]["organization"]["occurrences"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "startCursor": None},
    }
