"""Completed report selections, kept per assessment version.

A full SOC 2 report through GraphQL is about 1,900 fields (61 criteria, some 200 gaps
with their criterion and control), and graphql-core spends a few microseconds on each:
most of the cost of reading a report. A report is a pure function of the assessment at a
version, the report's basis (engine, catalog versions, day, reporting lag, target date,
ledger stamp) and the fields asked for; so the completed result of a ``report`` field
is kept under that key and the same selection of the same assessment at the same
version is served from it:

- ``ReadinessReport.result_key`` is (assessment id, version, basis), set by
  ``Assessment.report`` for the default day only (``asOf`` reports are not kept);
- the selection is the request's document text, the field's position in it and the
  request's variables, so two documents never share an entry, whatever their fragments;
- a completion that added an error is not kept.

Every change of an assessment moves its version, and a day, a ledger batch or a catalog
version moves the basis, so an entry is never served for anything but what it was
computed from. Nothing under a report reads data outside the assessment and its pinned
catalog (``tests/test_report_results.py`` walks the schema to check it). Bounded: the
least recently used entry goes first past ``MAX_ENTRIES``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from service.recent import Recent

MAX_ENTRIES = 128


class ReportResults(Recent[tuple[object, ...], dict[str, Any]]):
    """Completed ``report`` selections by (report key, selection); one per app."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        super().__init__(max_entries)


class ReportCachingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing a ``report`` from ``results`` when the
    same selection of the same assessment version was completed before (``caching``
    gives each schema its own)."""

    results: ReportResults | None = None

    def complete_object_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        report_key = getattr(result, "result_key", None)
        results = self.results
        selection = self._selection(field_details_list) if report_key is not None else None
        if results is None or selection is None:
            return super().complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )
        key = (report_key, selection)
        found = results.get(key)
        if found is not None:
            return found
        errors = len(self.collected_errors.errors)
        completed = super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )
        if isinstance(completed, dict):
            if len(self.collected_errors.errors) == errors:
                results.put(key, completed)
            return completed

        async def kept() -> dict[str, Any]:
            value = await completed
            # Another field of the request may have failed meanwhile: then keep nothing.
            if len(self.collected_errors.errors) == errors:
                results.put(key, value)
            return value

        return kept()

    def _selection(self, field_details_list: FieldDetailsList) -> tuple[object, ...] | None:
        """The document, the field's position in it and the variables; None when the
        document has no locations to tell its fields apart."""
        locations = [details.node.loc for details in field_details_list]
        if any(loc is None for loc in locations):
            return None
        source = locations[0].source.body  # type: ignore[union-attr]
        starts = tuple(loc.start for loc in locations)  # type: ignore[union-attr]
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        name = self.operation.name.value if self.operation.name else None
        return (source, name, starts, variables)


def caching(results: ReportResults) -> type[ReportCachingExecutionContext]:
    """An execution context class completing reports from ``results``."""
    return type(
        "ReportCachingExecutionContext", (ReportCachingExecutionContext,), {"results": results}
    )
