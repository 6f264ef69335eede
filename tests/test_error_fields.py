"""Every mutation's error ``field`` names a field of that mutation's own input type.

Domain code reports paths such as ``organizationId`` (the organisation whose
role it checked); a mutation whose input has no such field must not hand that
path back. The walk calls every mutation of the permission matrix as a VIEWER
and as a non-member, and checks each returned path against the schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLNonNull

from service.api.schema import build_schema
from tests import test_permissions as matrix
from tests.conftest import GraphQLClient, user_key


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


def input_fields() -> dict[str, set[str]]:
    """Per mutation, the GraphQL names of its input type's fields."""
    mutation_type = build_schema()._schema.mutation_type
    assert mutation_type is not None
    fields: dict[str, set[str]] = {}
    for name, field in mutation_type.fields.items():
        input_type = field.args["input"].type
        if isinstance(input_type, GraphQLNonNull):
            input_type = input_type.of_type
        assert isinstance(input_type, GraphQLInputObjectType)
        fields[name] = set(input_type.fields)
    return fields


def names_input_field(path: list[str] | None, fields: set[str]) -> bool:
    if path is None:
        return True
    inner = path[1:] if path[:1] == ["input"] else path
    return bool(inner) and inner[0] in fields


def with_fields(query: str) -> str:
    assert "errors { code }" in query
    return query.replace("errors { code }", "errors { code field message }")


async def test_a_viewers_save_answers_error_points_at_the_assessment(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    ids = await matrix.setup(alice, bob, "VIEWER")
    query, variables = matrix.OPERATIONS["saveAnswers"]
    errors = (await bob(with_fields(query), variables(ids)))["data"]["r"]["errors"]
    assert errors == [
        {
            "code": "FORBIDDEN",
            "field": ["input", "assessmentId"],
            "message": "the VIEWER role may not do this",
        }
    ]


@pytest.mark.parametrize("caller", ["VIEWER", "non-member"])
async def test_every_error_path_names_a_field_of_the_mutations_input(
    client: httpx.AsyncClient, alice: GraphQLClient, bob: GraphQLClient, caller: str
) -> None:
    fields = input_fields()
    ids = await matrix.setup(alice, bob, "VIEWER")
    who = bob if caller == "VIEWER" else GraphQLClient(client, await user_key("user:mallory"))
    seen: list[tuple[str, Any]] = []
    for operation, (query, variables) in matrix.OPERATIONS.items():
        mutation = operation.split(" ")[0]
        errors = (await who(with_fields(query), variables(ids)))["data"]["r"]["errors"]
        for error in errors:
            seen.append((mutation, error["field"]))
            assert names_input_field(error["field"], fields[mutation]), (caller, operation, error)
    # Every mutation refused to this caller answered with a path, not a bare null.
    table = matrix.matrix()
    refused = {o for o in matrix.OPERATIONS if caller != "VIEWER" or not table[o]["VIEWER"]}
    assert {m for m, path in seen if path} == {o.split(" ")[0] for o in refused}
