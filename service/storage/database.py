"""The MongoDB connection: PyMongo's async client with Beanie initialised on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from service.storage import writes
from service.storage.documents import DOCUMENT_MODELS, DRAFTING_MODELS

UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (PyMongoError,)


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached."""


class Database:
    """One client per process; Beanie documents bound to the configured database."""

    def __init__(
        self,
        uri: str,
        name: str,
        timeout_ms: int = 3000,
        event_listeners: Sequence[Any] = (),
    ) -> None:
        self.uri = uri
        self.name = name
        self.client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            uri,
            tz_aware=True,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            appname="readiness",
            event_listeners=list(event_listeners),
        )
        self.db: AsyncDatabase[dict[str, object]] = self.client[name]
        self.capabilities = writes.Capabilities()

    async def connect(self) -> None:
        """Check the server answers, bind the documents and ensure their indexes, and find
        out whether the server runs transactions."""
        try:
            await self.client.admin.command("ping")
        except PyMongoError as exc:
            raise DatabaseUnavailable(str(exc).split(",")[0]) from exc
        await init_beanie(database=self.db, document_models=[*DOCUMENT_MODELS, *DRAFTING_MODELS])
        # Whether ``write`` can put a change and its audit event in one transaction.
        self.capabilities = await writes.probe(self.client)
        writes.bind(self.capabilities)

    async def ping(self) -> bool:
        try:
            await self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        await self.client.close()
