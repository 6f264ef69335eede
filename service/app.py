"""The ASGI application factory: Starlette + Strawberry, middleware and lifespan.

``create_app`` builds everything from one ``Settings`` object; nothing is
created at import time. The lifespan connects to MongoDB (starting the
embedded server when no ``MONGODB_URI`` is set and none was started by the
CLI), ensures indexes, and loads the frameworks shipped in ``frameworks/``.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from service.api import graphiql
from service.api.report_files import report_file, shared_report
from service.api.report_results import ReportResults
from service.api.schema import build_schema
from service.api.view import GraphQLView
from service.auth.authenticator import Authenticator
from service.auth.limits import BodySizeLimitMiddleware, RateLimiter
from service.auth.local_admin import retire_local_admin_keys
from service.auth.middleware import (
    TOO_MANY_FAILURES,
    AuthenticationMiddleware,
    bearer_token,
    client_address,
)
from service.auth.responses import error_body
from service.catalog.loader import load_directory
from service.catalog.repository import CatalogRepository
from service.drafting.drafters import OpenAIDrafter
from service.drafting.writer import DraftingConfig, DraftRecovery, DraftWriter
from service.runtime import Services
from service.settings import Settings
from service.storage.database import Database
from service.storage.embedded import EmbeddedServer
from service.storage.repositories.assessment import backfill_summaries
from service.storage.repositories.membership import backfill_membership_names
from service.telemetry import Metrics, RequestContextMiddleware, configure_logging, get_logger
from service.webhooks.worker import WebhookWorker

log = get_logger("service.app")


async def start_services(services: Services) -> None:
    settings = services.settings
    uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
    if uri is None:
        services.embedded = EmbeddedServer(settings.data_dir)
        services.embedded.start()
        uri = services.embedded.uri
    services.database = Database(
        uri, settings.mongodb_db, settings.mongodb_timeout_ms, services.event_listeners
    )
    await services.database.connect()
    if settings.is_production:  # a development admin key never outlives a production start
        await retire_local_admin_keys()
    if written := await backfill_summaries():
        log.info("assessment summaries written", count=written)
    if written := await backfill_membership_names():
        log.info("organisation names written into memberships", count=written)
    report = await load_directory(settings.frameworks_dir, CatalogRepository(services.catalog))
    services.catalog_loaded = True
    log.info("catalog loaded", published=report.published, unchanged=report.unchanged)
    worker = services.webhook_worker = WebhookWorker(settings)
    recovery = services.draft_recovery = DraftRecovery(
        DraftWriter(services.drafting, services.progress), settings.draft_recovery_poll_seconds
    )
    for name, work in (("webhook-worker", worker.run()), ("draft-recovery", recovery.run())):
        task = asyncio.create_task(work, name=name)
        services.background.add(task)
        task.add_done_callback(services.background.discard)


async def stop_services(services: Services) -> None:
    for loop in (services.webhook_worker, services.draft_recovery):
        if loop is not None:
            loop.stop()
    tasks = list(services.background)
    for task in tasks:
        task.cancel()
    # A delivery cut short keeps its lease until it expires; then any pod sends it again.
    if tasks:
        await asyncio.wait(tasks, timeout=1)
    if services.webhook_worker is not None:
        await services.webhook_worker.close()
    if isinstance(services.drafting.llm, OpenAIDrafter):
        await services.drafting.llm.close()
    if services.database is not None:
        await services.database.close()
    if services.embedded is not None:
        services.embedded.close()


def drafting_config(settings: Settings) -> DraftingConfig:
    return DraftingConfig(
        llm=OpenAIDrafter(settings) if settings.llm_enabled else None,
        daily_token_budget=settings.draft_daily_token_budget,
        daily_token_budget_per_principal=settings.draft_daily_token_budget_per_principal,
        lease_seconds=settings.draft_lease_seconds,
    )


def metrics_refusal(
    request: Request, expected: SecretStr, failures: RateLimiter | None
) -> Response | None:
    """None when a scrape carries ``METRICS_TOKEN``; else 401, or 429 for an address with
    too many failed authentications (a wrong metrics token counts as one)."""
    address = client_address(request.scope)
    if failures is not None and (wait := failures.wait(address)) > 0:
        return Response(
            error_body("RATE_LIMITED", TOO_MANY_FAILURES),
            status_code=429,
            headers={"Retry-After": failures.retry_after(wait)},
            media_type="application/json",
        )
    token = bearer_token(request.scope) or ""
    if hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        return None
    if failures is not None:
        failures.take(address)
    return Response(
        error_body("UNAUTHENTICATED", "the metrics token is required"),
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        media_type="application/json",
    )


def create_app(
    settings: Settings | None = None, event_listeners: list[Any] | None = None
) -> Starlette:
    """Build the app; ``event_listeners`` go to PyMongo (tests count commands with them)."""
    settings = settings or Settings()
    if problems := settings.auth_problems():
        raise RuntimeError("; ".join(problems))
    configure_logging(settings.log_level)
    metrics = Metrics(multiprocess=settings.prometheus_multiproc_dir is not None)
    services = Services(
        settings=settings,
        metrics=metrics,
        authenticator=Authenticator(settings),
        limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        failures=RateLimiter(settings.auth_failures_per_minute / 60, settings.auth_failure_burst),
        event_listeners=list(event_listeners or []),
        drafting=drafting_config(settings),
    )
    schema = build_schema(
        production=settings.is_production, metrics=metrics, report_results=ReportResults()
    )
    graphql = GraphQLView(
        services,
        schema=schema,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=False,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
    )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        database_ok = services.database is not None and await services.database.ping()
        ready = database_ok and services.catalog_loaded
        return JSONResponse(
            {
                "status": "ready" if ready else "unavailable",
                "database": database_ok,
                "catalog": services.catalog_loaded,
            },
            status_code=200 if ready else 503,
        )

    async def prometheus(request: Request) -> Response:
        if settings.metrics_token is not None:
            refused = metrics_refusal(request, settings.metrics_token, services.failures)
            if refused is not None:
                return refused
        return PlainTextResponse(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await start_services(services)
        log.info("started", environment=settings.environment)
        try:
            yield
        finally:
            await stop_services(services)
            log.info("stopped")

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/reports/{assessment_id}.{suffix}", report_file, methods=["GET"]),
            Route("/shared/{token}", shared_report, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", prometheus),
            *([] if settings.is_production else graphiql.routes()),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(
        AuthenticationMiddleware,
        authenticator=services.authenticator,
        allow_ide=not settings.is_production,
        limiter=services.limiter,
        failures=services.failures,
    )
    # Added last, so it runs first: an oversized body is refused before anything reads it.
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.state.services = services
    return app
