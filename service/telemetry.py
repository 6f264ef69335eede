"""Structured logs, request ids and Prometheus metrics.

Logs are JSON lines carrying the request id of the request that produced
them. Nothing request-supplied is logged except the method, path, operation
name and outcome: never headers, tokens, variables or answer text.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from contextvars import ContextVar

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def _add_request_id(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    event.setdefault("request_id", request_id_var.get())
    return event


def configure_logging(level: str = "INFO") -> None:
    # Libraries log through the standard library: render their records as the same JSON
    # lines as ours, so every line on stderr parses.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _add_request_id,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    logging.basicConfig(handlers=[handler], level=level.upper(), force=True)
    # Strawberry logs every error of a result; error shaping logs the unexpected ones
    # once, with the request id, and domain errors are answers, not incidents.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_request_id,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


MAX_OPERATION_NAMES = 200


class Metrics:
    """The service's Prometheus metrics, in a registry owned by one app instance.

    With ``multiprocess`` (several uvicorn workers sharing PROMETHEUS_MULTIPROC_DIR),
    prometheus_client keeps every value in a file of that directory, and ``exposition``
    adds up all the workers' files, so /metrics is the same whichever worker answers."""

    def __init__(self, multiprocess: bool = False) -> None:
        self.multiprocess = multiprocess
        self.registry = CollectorRegistry()
        self.operations = Counter(
            "graphql_operations",
            "GraphQL operations by operation name and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "graphql_operation_duration_seconds",
            "GraphQL operation latency by operation name and outcome",
            ["operation", "outcome"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.http = Counter(
            "http_requests",
            "HTTP requests by path group and status class",
            ["path", "status"],
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def exposition(self) -> bytes:
        """The text /metrics answers: this process's metrics, or every worker's."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
        return generate_latest(combined)

    def operation_label(self, name: str | None) -> str:
        """The label for an operation name. Names come from clients, so the first
        ``MAX_OPERATION_NAMES`` seen get a series each and later ones share "other":
        a client cannot grow the registry without bound."""
        label = (name or "anonymous")[:64]
        if label in self._operation_names:
            return label
        if len(self._operation_names) >= MAX_OPERATION_NAMES:
            return "other"
        self._operation_names.add(label)
        return label


class RequestContextMiddleware:
    """Gives every request an id (or keeps a sane incoming one) and logs its outcome."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = get_logger("service.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                path = _path_group(scope["path"])
                self.metrics.http.labels(path=path, status=f"{status // 100}xx").inc()
                if path not in ("/healthz", "/metrics"):
                    self.log.info(
                        "request",
                        method=scope["method"],
                        path=path,
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )
            request_id_var.reset(token)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if 0 < len(candidate) <= 64 and candidate.replace("-", "").isalnum():
                return candidate
    return None


def _path_group(path: str) -> str:
    # Report paths carry ids: group them so labels stay bounded.
    if path.startswith("/reports/"):
        return "/reports"
    if path in ("/graphql", "/graphql/", "/healthz", "/readyz", "/metrics"):
        return path.rstrip("/") or "/"
    return "other"
