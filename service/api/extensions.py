"""Schema extensions: error shaping and per-operation metrics.

Both hook only ``on_operation`` (never ``resolve``), so fields stay
synchronous where their resolvers are. The query limits are validation rules
in ``service.api.limits``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from service.errors import DatabaseUnavailable, DomainError
from service.telemetry import Metrics, get_logger

log = get_logger("service.graphql")

# graphql-core's suggestions (" Did you mean 'organization'?"): validation hides them in
# production; errors raised later (variable coercion) lose them here.
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _reshape(error: GraphQLError, production: bool) -> GraphQLError:
    original = error.original_error
    expected = original is None or isinstance(original, GraphQLError)
    if production and expected and "Did you mean" in error.message:
        return GraphQLError(
            _SUGGESTION.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=error.extensions,
        )
    if expected:
        return error
    extra: dict[str, object] = {}
    if isinstance(original, DatabaseUnavailable):
        code, message = "SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly"
    elif isinstance(original, DomainError):
        code, message = original.code.value, str(original)
        field = original.problems[0].field
        if field is not None:
            # A query has no payload: the argument at fault goes with the code.
            extra = {"field": [str(part) for part in field]}
    else:
        log.error(
            "unexpected error",
            error_type=type(original).__name__,
            error=str(original),
            path=error.path,
            exc_info=original,
        )
        code = "INTERNAL_SERVER_ERROR"
        message = "unexpected error" if production else str(original)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


def error_shaping(production: bool) -> Callable[[], SchemaExtension]:
    class ErrorShaping(SchemaExtension):
        """Gives every error an ``extensions.code``; masks unexpected ones in production."""

        def on_operation(self) -> Iterator[None]:
            yield
            _reshape_result(self.execution_context.result, production)

        def on_stream_result(self, result: Any) -> Iterator[None]:
            """Each event of a subscription, before it reaches the client."""
            _reshape_result(result, production)
            yield

    return ErrorShaping


def _reshape_result(result: Any, production: bool) -> None:
    errors = getattr(result, "errors", None)
    if result is not None and errors:
        result.errors = [_reshape(error, production) for error in errors]


def operation_metrics(metrics: Metrics) -> Callable[[], SchemaExtension]:
    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            yield
            context = self.execution_context
            name = metrics.operation_label(context.operation_name)
            result = context.result
            errors = getattr(result, "errors", None) or []
            if any(
                (e.extensions or {}).get("code") == "SERVICE_UNAVAILABLE"
                or isinstance(e.original_error, DatabaseUnavailable)
                for e in errors
            ):
                outcome = "unavailable"
            elif errors or context.pre_execution_errors:
                outcome = "error"
            else:
                outcome = "ok"
            metrics.operations.labels(operation=name, outcome=outcome).inc()
            elapsed = time.perf_counter() - started
            metrics.latency.labels(operation=name, outcome=outcome).observe(elapsed)

    return OperationMetrics
