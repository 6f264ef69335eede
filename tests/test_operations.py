"""The example operations in schema/operations/ stay valid against the committed SDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

ROOT = Path(__file__).resolve().parent.parent / "schema"
OPERATIONS = sorted((ROOT / "operations").glob("*.graphql"))


def test_every_listed_operation_exists() -> None:
    listed = (ROOT / "operations" / "README.md").read_text()
    assert len(OPERATIONS) >= 8
    for path in OPERATIONS:
        assert f"`{path.name}`" in listed, f"{path.name} is not described in the README"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_operation_validates_against_the_schema(path: Path) -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    errors = validate(schema, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]
