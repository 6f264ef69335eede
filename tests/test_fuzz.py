"""Schema-driven fuzzing: hundreds of generated queries and mutations, never a 500 or a trace."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from service.app import create_app
from service.settings import Settings
from tests.conftest import user_key

SDL = (Path(__file__).resolve().parent.parent / "schema" / "schema.graphql").read_text()
# Operations per kind. Generating one from the whole SDL takes about 0.13 s, so 300 per
# kind cost two minutes of every run; the examples are random, so each run explores new
# ones anyway. FUZZ_EXAMPLES=300 (or more) runs a longer search.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# Dates as clients send them (ISO days), and as they should not (any text), so a
# required Date argument (performedOn) neither stops generation nor goes untried.
SCALARS = {
    "Date": st.one_of(st.dates().map(date.isoformat), st.text(max_size=12)).map(nodes.String),
    "DateTime": st.datetimes().map(datetime.isoformat).map(nodes.String),
}


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    text = response.text
    assert "Traceback" not in text
    assert 'File "' not in text
    body: dict[str, Any] = response.json()
    assert "data" in body or "errors" in body


@pytest.mark.parametrize(("kind", "strategy"), [("queries", queries), ("mutations", mutations)])
async def test_generated_operations_never_fail_the_server(
    mongo_uri: str, tmp_path: Path, kind: str, strategy: Any
) -> None:
    app = create_app(
        Settings(
            mongodb_uri=mongo_uri,
            mongodb_db=f"fuzz_{kind}",
            frameworks_dir=tmp_path,
            rate_limit_burst=10**9,
        )
    )
    generated: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=strategy(SDL, custom_scalars=SCALARS))
    def collect(query: str) -> None:
        generated.append(query)

    collect()
    assert len(generated) >= EXAMPLES * 5 // 6  # 250 of 300: few are discarded
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        headers = {"Authorization": f"Bearer {await user_key('user:fuzzer')}"}
        for query in generated:
            _check(await http.post("/graphql", json={"query": query}, headers=headers))
        garbage = [
            {"query": 1},
            {"query": None},
            {"query": "{", "variables": "x"},
            {"query": "{ __typename }", "variables": [1]},
            {"query": "{ __typename }", "operationName": 7},
        ]
        for body in garbage:
            _check(await http.post("/graphql", json=body, headers=headers))
