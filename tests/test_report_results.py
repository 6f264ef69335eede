"""Completed report selections kept by assessment version: served again, never stale."""

from __future__ import annotations

import inspect
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from service.api.report_results import ReportResults
from service.api.types.report import ReadinessReport
from tests import factories
from tests.conftest import GraphQLClient
from tests.test_assessments import create, save

FULL = """query($id: ID!) { assessment(id: $id) { version report { readiness completeness
  categories { category score } criteria { criterion { ref } status score
  drivers { questionKey value } } gaps { kind severity title control { key } }
  timeline { blockers { reason } } } } }"""
HEADLINE = "query($id: ID!) { assessment(id: $id) { report { readiness } } }"
BY_KIND = """query($id: ID!, $kind: GapKind) { assessment(id: $id) { report {
  gaps(kind: $kind) { kind } } } }"""
RECORD = """mutation($input: RecordOccurrencesInput!) {
  recordOccurrences(input: $input) { recorded errors { code field message } } }"""


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


def results_of(app: Starlette) -> ReportResults:
    for route in app.routes:
        view = getattr(getattr(route, "endpoint", None), "schema", None)
        context = getattr(view, "execution_context_class", None)
        found = getattr(context, "results", None)
        if isinstance(found, ReportResults):
            return found
    raise AssertionError("no GraphQL view with report results")


async def report(client: GraphQLClient, query: str, **variables: Any) -> Any:
    body = await client(query, variables)
    assert "errors" not in body, body
    return body["data"]["assessment"]


async def test_the_same_report_is_served_again_until_the_assessment_moves(
    app: Starlette, alice: GraphQLClient
) -> None:
    results = results_of(app)
    org = await factories.organization(alice)
    assessment = await create(alice, org)
    saved = await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no"}])
    first = await report(alice, FULL, id=assessment["id"])
    hits = results.hits
    assert await report(alice, FULL, id=assessment["id"]) == first
    assert results.hits == hits + 1

    # Another selection of the same version is its own entry.
    assert await report(alice, HEADLINE, id=assessment["id"]) == {
        "report": {"readiness": first["report"]["readiness"]}
    }
    kinds = {g["kind"] for g in first["report"]["gaps"]}
    for kind in kinds:
        only = await report(alice, BY_KIND, id=assessment["id"], kind=kind)
        assert {g["kind"] for g in only["report"]["gaps"]} == {kind}

    # A save moves the version: the next read is the new report.
    version = saved["assessment"]["version"]
    await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version)
    after = await report(alice, FULL, id=assessment["id"])
    assert after["version"] == version + 1
    assert after["report"] != first["report"]


async def test_a_ledger_batch_moves_the_basis_of_the_kept_report(
    app: Starlette, alice: GraphQLClient
) -> None:
    """A ledger batch changes no assessment's version, only its ledger stamp: the kept
    report is then not served."""
    results = results_of(app)
    org = await factories.organization(alice)
    assessment = await create(alice, org)
    await save(alice, assessment, [{"questionKey": "log.central", "value": "4"}])
    await report(alice, FULL, id=assessment["id"])
    await report(alice, FULL, id=assessment["id"])
    misses = results.misses
    today = datetime.now(UTC).date().isoformat()
    body = await alice(
        RECORD,
        {
            "input": {
                "organizationId": org,
                "occurrences": [{"controlKey": "LOG-01", "performedOn": today}],
            }
        },
    )
    assert body["data"]["recordOccurrences"]["errors"] == []
    await report(alice, FULL, id=assessment["id"])
    assert results.misses == misses + 1


def test_nothing_under_a_report_reads_outside_the_assessment() -> None:
    """Every field reachable from ReadinessReport is an attribute or a resolver without
    ``info``: none reaches the request's services, so none reads data other than the
    assessment (through the report's own loader) and its pinned catalog."""
    seen: set[type] = set()
    pending: list[type] = [ReadinessReport]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for field in current.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if field.base_resolver is not None:
                parameters = inspect.signature(field.base_resolver.wrapped_func).parameters
                assert "info" not in parameters, f"{current.__name__}.{field.python_name}"
            pending.extend(_object_types(field.type))
    assert len(seen) > 5


def _object_types(annotation: Any) -> list[type]:
    of_type = getattr(annotation, "of_type", None)
    if of_type is not None:
        return _object_types(of_type)
    found = [a for a in typing.get_args(annotation) if hasattr(a, "__strawberry_definition__")]
    if hasattr(annotation, "__strawberry_definition__"):
        found.append(annotation)
    return found
