"""HTTP surface: health, readiness, metrics, authentication failures and malformed bodies."""

from __future__ import annotations

import httpx
import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from service.api.schema import export_sdl
from tests.conftest import GraphQLClient

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": True, "catalog": True}


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = (await client.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32
    hostile = (await client.get("/healthz", headers={"X-Request-ID": 'x"; drop'})).headers
    assert hostile["x-request-id"] != 'x"; drop'


async def test_metrics_count_operations_by_name_and_outcome(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    await alice("query Mine { organizations { edges { cursor } } }")
    await alice(
        "query Broken { organizations(first: 500) { edges { cursor } } }", expect_errors=True
    )
    text = (await client.get("/metrics")).text
    assert 'graphql_operations_total{operation="Mine",outcome="ok"} 1.0' in text
    assert 'graphql_operations_total{operation="Broken",outcome="error"} 1.0' in text
    assert 'graphql_operation_duration_seconds_count{operation="Mine",outcome="ok"} 1.0' in text
    assert (
        'graphql_operation_duration_seconds_count{operation="Broken",outcome="error"} 1.0' in text
    )


async def test_client_chosen_operation_names_cannot_grow_the_metrics_without_bound(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    from service.telemetry import MAX_OPERATION_NAMES

    for n in range(MAX_OPERATION_NAMES + 20):
        await alice(f"query Q{n} {{ __typename }}")
    text = (await client.get("/metrics")).text
    named = {
        line.split('operation="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("graphql_operations_total{")
    }
    assert len(named) <= MAX_OPERATION_NAMES + 1
    assert 'graphql_operations_total{operation="other",outcome="ok"} 20.0' in text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer rk_" + "x" * 43},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer not-a-key"},
    ],
)
async def test_unauthenticated_requests_get_one_error_shape(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ organizations { edges { cursor } } }"}, headers=headers
    )
    assert response.status_code == 401
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"foo": 1}', "application/json"),
        (b"[1, 2", "application/json"),
        (b"query { x }", "text/plain"),
    ],
)
async def test_malformed_bodies_get_a_graphql_shaped_400(
    client: httpx.AsyncClient, alice: GraphQLClient, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {alice.token}", "Content-Type": content_type},
    )
    assert response.status_code in (400, 415)
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert body["errors"][0]["message"]


async def test_graphiql_page_is_served_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_syntax_errors_are_graphql_errors(alice: GraphQLClient) -> None:
    body = await alice("{ organizations { ", expect_errors=True)
    assert "Syntax Error" in body["errors"][0]["message"]


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text()
    assert committed == export_sdl(), "schema drift: run `make schema` and commit the result"


async def test_validation_cache_hits_for_a_repeated_query(alice: GraphQLClient) -> None:
    query = "query Repeat { organizations(first: 1) { pageInfo { hasNextPage } } }"
    await alice(query)
    cache = _get_validate_cache(128)
    before = cache.cache_info().hits
    await alice(query)
    await alice(query)
    assert cache.cache_info().hits - before == 2


def test_enum_output_index_names_every_member_as_strawberry_does() -> None:
    """The schema serialises enum members by look-up; the names must be Strawberry's."""
    from graphql import GraphQLEnumType
    from strawberry.schema.schema_converter import CustomGraphQLEnumType

    from service.api.schema import build_schema

    schema = build_schema()
    enums = [
        t
        for t in schema._schema.type_map.values()
        if isinstance(t, CustomGraphQLEnumType) and not t.name.startswith("__")
    ]
    assert {"GapKind", "Severity", "TrustCategory", "CriterionStatus"} <= {e.name for e in enums}
    for enum in enums:
        for member in enum.wrapped_cls:
            expected = CustomGraphQLEnumType.coerce_output_value(enum, member)
            assert enum.coerce_output_value(member) == expected
            assert enum.coerce_output_value(member.value) == expected
        with pytest.raises(Exception, match=r"cannot represent|Invalid value"):
            enum.coerce_output_value("no such value")
        assert isinstance(enum, GraphQLEnumType)
