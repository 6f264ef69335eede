"""Shared set-up for the benchmarks: an embedded database, the app, keys, timing."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from service.app import create_app
from service.settings import Settings
from service.storage.embedded import EmbeddedServer
from service.storage.repositories import ApiKeyRepository

FRAMEWORKS = Path(__file__).resolve().parent.parent / "frameworks"


@asynccontextmanager
async def embedded_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-db-") as directory:
        server = EmbeddedServer(Path(directory))
        server.start()
        try:
            yield server.uri
        finally:
            server.close()


def bench_settings(uri: str, db: str) -> Settings:
    return Settings(
        mongodb_uri=uri,
        mongodb_db=db,
        environment="development",
        frameworks_dir=FRAMEWORKS,
        rate_limit_burst=1_000_000_000,
        rate_limit_per_second=1_000_000_000,
        log_level="WARNING",
    )


@dataclass
class Client:
    http: httpx.AsyncClient
    token: str

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]


@asynccontextmanager
async def in_process_app(uri: str, db: str) -> AsyncIterator[tuple[Starlette, Client]]:
    app = create_app(bench_settings(uri, db))
    async with app.router.lifespan_context(app):
        _record, secret = await ApiKeyRepository().create(
            name="bench", subject="user:bench", created_by="bench"
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            yield app, Client(http, secret)


async def median_seconds(action: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await action()  # warm caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def paired_medians(
    first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], repeat: int
) -> tuple[float, float]:
    """Median seconds of two actions timed alternately, so a noisy neighbour on a shared
    machine slows both sides of a ratio alike."""
    await first()
    await second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, into in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            await action()
            into.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])
