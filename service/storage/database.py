"""The MongoDB connection: PyMongo's async client with Beanie initialised on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from service.errors import DatabaseUnavailable
from service.storage import writes
from service.storage.documents import DOCUMENT_MODELS
from service.storage.drafting_documents import DRAFTING_MODELS
from service.storage.embedding_documents import EMBEDDING_MODELS
from service.storage.failures import unavailable

__all__ = ["Database", "DatabaseUnavailable"]


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
        out whether the server runs transactions. Raises ``DatabaseUnavailable``."""
        try:
            await self.client.admin.command("ping")
            await init_beanie(
                database=self.db,
                document_models=[*DOCUMENT_MODELS, *DRAFTING_MODELS, *EMBEDDING_MODELS],
            )
            # Whether ``write`` can put a change and its audit event in one transaction.
            self.capabilities = await writes.probe(self.client)
        except PyMongoError as error:
            raise unavailable(error) from error
        writes.bind(self.capabilities)

    async def ping(self) -> bool:
        try:
            await self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        await self.client.close()
