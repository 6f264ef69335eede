"""A GraphQL fuzzer over the SDL: fragments, aliases, fan-out and nested inputs.

hypothesis-graphql writes operations field by field (with nested input objects for the
mutations, and invalid ones in its negative mode); the strategy below reshapes each one
as a client or an attacker could: aliases, selections moved into named fragments spread
one to three times (so fragments spread fragments), inline fragments, a chain of
fragments fanning out, and nested JSON variables. Every request must finish (refused or
answered), never with a 500 or a traceback, and every answer must be GraphQL-shaped.
The examples are derandomised so a failure reproduces.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from tests.conftest import GraphQLClient
from tests.test_fuzz import SCALARS

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = build_schema(SDL)
HANG_GUARD = 10.0


class Reshape(Visitor):
    """Applies one drawn choice to each field with a selection."""

    def __init__(self, type_info: TypeInfo, draw: st.DrawFn) -> None:
        super().__init__()
        self.type_info = type_info
        self.draw = draw
        self.fragments: list[FragmentDefinitionNode] = []

    def leave_field(self, node: FieldNode, *_args: Any) -> FieldNode | None:
        choice = self.draw(st.sampled_from(["keep", "alias", "fragment", "inline"]))
        if choice == "keep":
            return None
        if choice == "alias" or node.selection_set is None:
            alias = f"x{len(self.fragments)}_{self.draw(st.integers(0, 99))}"
            return replace(node, alias=NameNode(value=alias))
        named = get_named_type(self.type_info.get_type())
        if named is None:
            return None
        condition = NamedTypeNode(name=NameNode(value=named.name))
        if choice == "inline":
            inline = InlineFragmentNode(
                type_condition=condition, directives=(), selection_set=node.selection_set
            )
            return replace(node, selection_set=SelectionSetNode(selections=(inline,)))
        name = f"F{len(self.fragments)}"
        self.fragments.append(
            FragmentDefinitionNode(
                name=NameNode(value=name),
                type_condition=condition,
                directives=(),
                selection_set=node.selection_set,
            )
        )
        spreads = self.draw(st.integers(1, 3))
        spread = FragmentSpreadNode(name=NameNode(value=name), directives=())
        return replace(node, selection_set=SelectionSetNode(selections=(spread,) * spreads))


@st.composite
def reshaped(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> str:
    document: DocumentNode = draw(documents)
    type_info = TypeInfo(SCHEMA)
    reshape = Reshape(type_info, draw)
    changed = visit(document, TypeInfoVisitor(type_info, reshape))
    return print_ast(replace(changed, definitions=(*changed.definitions, *reshape.fragments)))


@st.composite
def fan_out(draw: st.DrawFn) -> str:
    """A chain of fragments, each spreading the previous one several times."""
    length = draw(st.integers(1, 40))
    copies = draw(st.integers(1, 5))
    on = draw(st.sampled_from(["Query", "Control"]))
    leaf = "__typename" if on == "Query" else "key criteria { ref controls { key } }"
    definitions = [f"fragment C0 on {on} {{ a: {leaf} }}"]
    for i in range(1, length):
        spreads = " ".join(f"...C{i - 1}" for _ in range(copies))
        definitions.append(f"fragment C{i} on {on} {{ __typename {spreads} }}")
    top = f"...C{length - 1}"
    if on == "Control":
        top = f'framework(key: "mini") {{ controls {{ {top} }} }}'
    return "{ " + top + " } " + " ".join(definitions)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=80,
)


def operations(schema: GraphQLSchema) -> st.SearchStrategy[dict[str, Any]]:
    def as_node(document: DocumentNode) -> DocumentNode:
        return document

    plain = st.one_of(
        queries(schema, print_ast=as_node, custom_scalars=SCALARS),
        mutations(schema, print_ast=as_node, custom_scalars=SCALARS),
        queries(schema, print_ast=as_node, mode=Mode.NEGATIVE, custom_scalars=SCALARS),
    )
    text = st.one_of(reshaped(plain), reshaped(plain), fan_out())
    return st.fixed_dictionaries({"query": text}, optional={"variables": JSON})


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    body = response.json()
    assert isinstance(body, dict)
    assert "data" in body or "errors" in body, body
    for error in body.get("errors") or []:
        assert isinstance(error["message"], str), body


async def test_reshaped_operations_never_fail_the_server(alice: GraphQLClient) -> None:
    generated: list[dict[str, Any]] = []

    @settings(
        max_examples=250,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=operations(SCHEMA))
    def collect(request: dict[str, Any]) -> None:
        generated.append(request)

    collect()
    assert len(generated) >= 200
    assert any("fragment" in r["query"] for r in generated)
    assert any("..." in r["query"] and " on " in r["query"] for r in generated)
    assert any("variables" in r for r in generated)
    headers = {"Authorization": f"Bearer {alice.token}"}
    refused = 0
    for request in generated:
        response = await asyncio.wait_for(
            alice.http.post("/graphql", json=request, headers=headers), HANG_GUARD
        )
        check(response)
        errors = response.json().get("errors") or []
        refused += any((e.get("extensions") or {}).get("code") == "LIMIT_EXCEEDED" for e in errors)
    assert refused > 0  # the fan-out chains reach the limits
