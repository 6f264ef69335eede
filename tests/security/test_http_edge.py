"""Class 9, HTTP edges: hostile JSON bodies, /metrics, failed authentications.

A body nested 100,000 levels deep or carrying a 5,000-digit number answered
500; now 400 in the GraphQL error shape. ``/metrics`` can require a bearer
token and its label sets stay bounded whatever paths and operation names
clients send. Bearer tokens that fail to verify are rate limited per client
address.
"""

from __future__ import annotations

import random
import string
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from service.settings import Settings
from tests.conftest import GraphQLClient, running, user_key

TYPENAME = "{ __typename }"


def assert_bad_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert body["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"query": "{ __typename }", "variables": {"v": ' + "[" * 50_000 + "}}",
        '{"query": "{ __typename }", "variables": {"v": ' + "9" * 5_000 + "}}",
        '{"query": "{ __typename }", "extensions": ' + '{"a":' * 65 + "1" + "}" * 65 + "}",
        '{"query": "{ __typename }", "variables": {"n": -' + "9" * 20 + "}}",
    ],
    ids=["nesting-bomb", "nested-variables", "5000-digits", "65-levels", "beyond-int64"],
)
async def test_hostile_json_bodies_get_400_in_the_graphql_shape(
    client: httpx.AsyncClient, alice: GraphQLClient, body: str
) -> None:
    response = await client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {alice.token}", "Content-Type": "application/json"},
    )
    assert_bad_request(response)


async def test_json_within_bounds_is_still_accepted(alice: GraphQLClient) -> None:
    # Brackets inside strings (after an escaped quote too) do not count as nesting;
    # 64-bit integers are numbers.
    body = await alice(TYPENAME, {"s": '\\"' + "[" * 10_000, "n": [[[2**63 - 1]]]})
    assert body == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("value", [2**40, 2**63 - 1, -(2**63), 1e300])
async def test_large_numbers_in_variables_are_graphql_errors(
    alice: GraphQLClient, value: float
) -> None:
    response = await alice.raw(
        "query($n: Int) { organizations(first: $n) { nodes { id } } }", {"n": value}
    )
    assert response.status_code in (200, 400)
    assert "Int cannot represent" in response.json()["errors"][0]["message"]


async def test_a_huge_integer_literal_in_the_query_is_a_graphql_error(
    alice: GraphQLClient,
) -> None:
    response = await alice.raw("{ organizations(first: " + "9" * 5_000 + ") { nodes { id } } }")
    assert response.status_code in (200, 400)
    assert response.json()["errors"][0]["message"]


@pytest.fixture
async def metrics_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    update = {"metrics_token": SecretStr("scrape-me"), "auth_failure_burst": 5}
    async with running(settings.model_copy(update=update)) as http:
        yield http


async def test_metrics_require_the_metrics_token_when_one_is_set(
    metrics_app: httpx.AsyncClient,
) -> None:
    assert (await metrics_app.get("/metrics")).status_code == 401
    wrong = await metrics_app.get("/metrics", headers={"Authorization": "Bearer scrape-you"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    right = await metrics_app.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert right.status_code == 200
    assert "http_requests_total" in right.text


async def test_metrics_are_open_without_a_metrics_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "graphql_operations" in response.text


def _random_name(rng: random.Random) -> str:
    return "op" + "".join(rng.choices(string.ascii_letters + string.digits, k=24))


async def test_metric_labels_stay_bounded_whatever_clients_send(
    client: httpx.AsyncClient, alice: GraphQLClient
) -> None:
    rng = random.Random(13)
    for _ in range(1_000):
        await client.get("/" + "/".join(_random_name(rng) for _ in range(3)))
        await client.get(f"/reports/{_random_name(rng)}.md")
    for _ in range(1_000):
        await alice(f"query {_random_name(rng)} {{ __typename }}")
    exposition = (await client.get("/metrics")).text
    samples = [line for line in exposition.splitlines() if line and not line.startswith("#")]
    paths = {
        line.split('path="', 1)[1].split('"', 1)[0]
        for line in samples
        if line.startswith("http_requests_total")
    }
    assert paths <= {"/graphql", "/reports", "/healthz", "/readyz", "/metrics", "other"}
    statuses = {
        line.split('status="', 1)[1].split('"', 1)[0]
        for line in samples
        if line.startswith("http_requests_total")
    }
    assert statuses <= {"1xx", "2xx", "3xx", "4xx", "5xx"}
    operations = {
        line.split('operation="', 1)[1].split('"', 1)[0]
        for line in samples
        if line.startswith("graphql_operations_total")
    }
    assert len(operations) <= 201 and "other" in operations
    # 201 operation names x 3 outcomes x (1 counter + 14 histogram lines + created lines),
    # plus a few dozen path/status lines: well under 20,000 whatever was sent.
    assert len(samples) < 20_000
    assert len(exposition) < 4 * 1024 * 1024


def _client_at(app: Starlette, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://t"
    )


async def test_failed_authentications_are_rate_limited_per_client_address(
    app: Starlette,
) -> None:
    key = await user_key("user:good")
    limit = app.state.services.settings.auth_failure_burst
    async with _client_at(app, "203.0.113.7") as attacker, _client_at(app, "198.51.100.1") as other:
        forged = [
            "rk_" + "x" * 40,  # an unknown API key
            "not-a-token",
            "eyJhbGciOiJub25lIn0.e30.",  # unsigned JWT
        ]
        for attempt in range(limit):
            response = await attacker.post(
                "/graphql",
                json={"query": TYPENAME},
                headers={"Authorization": f"Bearer {forged[attempt % len(forged)]}"},
            )
            assert response.status_code == 401, attempt
        for bearer in (forged[0], key):
            refused = await attacker.post(
                "/graphql", json={"query": TYPENAME}, headers={"Authorization": f"Bearer {bearer}"}
            )
            assert refused.status_code == 429
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert int(refused.headers["retry-after"]) >= 1
        # Another address is not affected, and a valid token never counts as a failure.
        for _ in range(limit + 5):
            ok = await other.post(
                "/graphql", json={"query": TYPENAME}, headers={"Authorization": f"Bearer {key}"}
            )
            assert ok.status_code == 200
            assert ok.json() == {"data": {"__typename": "Query"}}
