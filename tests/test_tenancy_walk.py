"""Every query and mutation, called with another tenant's ids, reads as missing.

The walk is driven by the schema itself: any mutation whose input takes an
ID, and any query field with an ID argument, is called by a stranger with
the victim's ids, so an operation added later is covered without editing
this test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.api.schema import build_schema
from tests import factories
from tests.conftest import GraphQLClient


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


def _named(type_: Any) -> Any:
    while hasattr(type_, "of_type"):
        type_ = type_.of_type
    return type_


def _is_required(type_: Any) -> bool:
    return type(type_).__name__ == "GraphQLNonNull"


def _value(name: str, type_: Any, ids: dict[str, str]) -> Any:
    named = _named(type_)
    if named.name == "ID":
        for prefix, value in ids.items():
            if name.lower().startswith(prefix.lower()):
                return value
        return ids["organization"]
    if type(type_).__name__ == "GraphQLNonNull" and type(type_.of_type).__name__ == "GraphQLList":
        inner = _named(type_.of_type)
        if hasattr(inner, "fields"):
            return [_input(inner, ids)]
        return []
    if type(type_).__name__ == "GraphQLList":
        return []
    if hasattr(named, "values"):
        return next(iter(named.values))
    if hasattr(named, "fields"):
        return _input(named, ids)
    return {
        "String": "iam.reviews",
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "Date": "2099-01-01",
    }[named.name]


def _input(input_type: Any, ids: dict[str, str]) -> dict[str, Any]:
    return {
        name: _value(name, field.type, ids)
        for name, field in input_type.fields.items()
        if _is_required(field.type) or _named(field.type).name == "ID"
    }


async def victim_ids(alice: GraphQLClient) -> dict[str, str]:
    org = await factories.organization(alice, "Victim")
    assessment = (await factories.assessment(alice, org))["id"]
    key = (await factories.api_key(alice, org, "k"))["apiKey"]["id"]
    return {"assessment": assessment, "apiKey": key, "organization": org}


async def test_every_mutation_with_foreign_ids_is_not_found(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    ids = await victim_ids(alice)
    await factories.organization(bob, "Stranger")
    schema = build_schema()._schema
    covered = []
    for name, field in schema.mutation_type.fields.items():
        input_arg = field.args.get("input")
        if input_arg is None:
            continue
        input_type = _named(input_arg.type)
        if not any(_named(f.type).name == "ID" for f in input_type.fields.values()):
            continue
        variables = {"input": _input(input_type, ids)}
        query = f"mutation($input: {input_type.name}!) {{ {name}(input: $input) {{ errors {{ code field }} }} }}"
        body = await bob(query, variables, expect_errors=True)
        assert "errors" not in body, (name, body)
        codes = [e["code"] for e in body["data"][name]["errors"]]
        # Global catalog imports without an organisation are FORBIDDEN for non-admins; with one, NOT_FOUND.
        assert codes and codes[0] == "NOT_FOUND", (name, variables, codes)
        covered.append(name)
    assert len(covered) >= 12, covered
    after = (
        await alice(
            "query($id: ID!) { assessment(id: $id) { version answers { value } } }",
            {"id": ids["assessment"]},
        )
    )["data"]["assessment"]
    assert after == {"version": 1, "answers": []}


async def test_every_query_with_foreign_ids_reads_as_missing(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    ids = await victim_ids(alice)
    for global_id in ids.values():
        for field in ("organization", "assessment", "node"):
            body = await bob(
                f"query($id: ID!) {{ {field}(id: $id) {{ __typename }} }}", {"id": global_id}
            )
            assert body["data"][field] is None, (field, global_id)
    frameworks = await bob(
        "query($o: ID) { frameworks(organizationId: $o) { key custom } }",
        {"o": ids["organization"]},
    )
    assert all(not f["custom"] for f in frameworks["data"]["frameworks"])
    schema = build_schema()._schema
    with_ids = [
        n
        for n, f in schema.query_type.fields.items()
        if any(_named(a.type).name == "ID" for a in f.args.values())
    ]
    assert set(with_ids) <= {
        "organization",
        "assessment",
        "node",
        "frameworks",
        "framework",
        "questionnaire",
    }, with_ids
