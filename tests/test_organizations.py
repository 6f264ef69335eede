"""The skeleton end to end: createOrganization, organizations, organization, node."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import CommandCounter, GraphQLClient

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


RENAME = """
mutation($org: ID!, $name: String!) { renameOrganization(input: {organizationId: $org,
  name: $name}) { errors { code } } }
"""
ADD_MEMBER = """
mutation($org: ID!, $subject: String!) { addMember(input: {organizationId: $org,
  subject: $subject, role: VIEWER}) { errors { code } } }
"""
COUNTED = "{ organizations(first: 2) { totalCount nodes { name } } }"


async def listed_names(client: GraphQLClient, first: int = 3) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        body = await client(LIST, {"first": first, "after": after})
        connection = body["data"]["organizations"]
        seen += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]


async def test_the_listing_follows_renames_and_new_members(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    """A principal's organisations are listed from its memberships, which carry the name:
    a rename moves the organisation in every member's listing, and a member added later
    finds it in its place."""
    ids = {name: (await create(alice, name))["id"] for name in ("Beta", "Delta", "Alpha")}
    body = await alice(RENAME, {"org": ids["Delta"], "name": "Aardvark"})
    assert body["data"]["renameOrganization"]["errors"] == []
    assert await listed_names(alice, 2) == ["Aardvark", "Alpha", "Beta"]
    for name in ("Beta", "Alpha"):
        body = await alice(ADD_MEMBER, {"org": ids[name], "subject": "user:bob"})
        assert body["data"]["addMember"]["errors"] == []
    await create(bob, "Bob's Own")
    await alice(RENAME, {"org": ids["Beta"], "name": "Zeta"})
    assert await listed_names(bob, 1) == ["Alpha", "Bob's Own", "Zeta"]
    body = await bob(COUNTED)
    assert body["data"]["organizations"] == {
        "totalCount": 3,
        "nodes": [{"name": "Alpha"}, {"name": "Bob's Own"}],
    }


async def test_memberships_stored_without_the_name_are_backfilled(
    alice: GraphQLClient, mongo_uri: str, db_name: str
) -> None:
    """Memberships stored before they carried the organisation's name get it at start."""
    from pymongo import AsyncMongoClient

    from service.storage.repositories.membership import backfill_membership_names

    for name in ("Gamma", "Alpha", "Beta"):
        await create(alice, name)
    raw: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        members = raw[db_name]["members"]
        await members.update_many({}, {"$unset": {"organization_name": ""}})
        assert await backfill_membership_names() == 3
        stored = sorted([m["organization_name"] async for m in members.find({})])
        assert stored == ["Alpha", "Beta", "Gamma"]
        assert await backfill_membership_names() == 0
    finally:
        await raw.close()
    assert await listed_names(alice, 2) == ["Alpha", "Beta", "Gamma"]


async def test_a_page_costs_the_same_with_many_organisations(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    """The first page reads one range of memberships and that page's organisations,
    whether the caller belongs to 3 organisations or 40."""
    costs = []
    for count in (3, 40):
        while len(await listed_names(alice, 100)) < count:
            await create(alice, f"Org {len(costs)}-{count}")
        await alice(LIST, {"first": 2})  # the caller's roles now cached
        commands.reset()
        body = await alice(LIST, {"first": 2})
        assert len(body["data"]["organizations"]["edges"]) == 2
        costs.append(sorted(commands.commands))
    assert costs[0] == costs[1] == ["find members", "find organizations"]
