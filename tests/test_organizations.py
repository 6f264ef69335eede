"""The skeleton end to end: createOrganization, organizations, organization, node."""

from __future__ import annotations

import pytest

from tests.conftest import GraphQLClient

CREATE = """
mutation Create($name: String!) {
  createOrganization(input: {name: $name}) {
    organization { id name }
    errors { code field message }
  }
}
"""

LIST = """
query List($first: Int, $after: String) {
  organizations(first: $first, after: $after) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def create(client: GraphQLClient, name: str) -> dict:
    body = await client(CREATE, {"name": name})
    payload = body["data"]["createOrganization"]
    assert payload["errors"] == []
    return payload["organization"]


async def test_create_then_read_back(alice: GraphQLClient) -> None:
    created = await create(alice, "  Acme   Cloud ")
    assert created["name"] == "Acme Cloud"
    body = await alice(
        "query($id: ID!) { organization(id: $id) { id name } }", {"id": created["id"]}
    )
    assert body["data"]["organization"] == created
    body = await alice(
        "query($id: ID!) { node(id: $id) { id ... on Organization { name } } }",
        {"id": created["id"]},
    )
    assert body["data"]["node"] == created


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "name must not be blank"), ("x" * 201, "name must be at most 200 characters")],
)
async def test_bad_name_is_a_payload_error_and_saves_nothing(
    alice: GraphQLClient, name: str, message: str
) -> None:
    body = await alice(CREATE, {"name": name})
    payload = body["data"]["createOrganization"]
    assert payload["organization"] is None
    assert payload["errors"] == [
        {"code": "INVALID", "field": ["input", "name"], "message": message}
    ]
    listed = await alice(LIST)
    assert listed["data"]["organizations"]["edges"] == []


async def test_other_tenants_organization_reads_as_missing(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    created = await create(alice, "Alice Co")
    for query in (
        "query($id: ID!) { organization(id: $id) { id } }",
        "query($id: ID!) { node(id: $id) { id } }",
    ):
        body = await bob(query, {"id": created["id"]})
        assert next(iter(body["data"].values())) is None
    listed = await bob(LIST)
    assert listed["data"]["organizations"]["edges"] == []


async def test_garbage_ids_read_as_missing(alice: GraphQLClient) -> None:
    for garbage in ("", "nope", "T3JnYW5pemF0aW9uOnh5eg", "a" * 500):
        body = await alice("query($id: ID!) { organization(id: $id) { id } }", {"id": garbage})
        assert body["data"]["organization"] is None


async def test_keyset_pagination_walks_every_organisation_once(alice: GraphQLClient) -> None:
    names = [f"Org {i:02d}" for i in range(7)]
    for name in reversed(names):
        await create(alice, name)
    seen: list[str] = []
    after = None
    while True:
        body = await alice(LIST, {"first": 3, "after": after})
        connection = body["data"]["organizations"]
        seen += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == names


async def test_page_size_is_capped(alice: GraphQLClient) -> None:
    body = await alice(LIST, {"first": 101}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    body = await alice(LIST, {"first": 2, "after": "bogus"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
