"""Writing a change together with its revisions and its audit event.

``write`` takes the steps of one change (inserts, guarded updates, guarded deletes)
and the audit event that records it. Where the server runs multi-document
transactions (replica sets, sharded clusters, Atlas, and the embedded server,
which presents itself as a one-node replica set) the steps and the event are one
transaction: all land or none does. ``Database.connect`` finds this out once
(``probe``) and records it here (``bind``).

Without transactions (a standalone ``mongod``) the event is written first and
the steps after it, in order. An audit event is then never lost: a crash between
the two leaves at worst an event for a change that did not land (its request id
says which request to look at), never a change without its event. When the first
step is refused outright (its guard matched nothing, or it hit a unique index),
nothing changed and the event is withdrawn again.

A guarded write never creates a document. It is an update or a delete without
upsert, and a guard that matched nothing shows in its matched count: an upsert
used as a guard inserts a document whenever the filter does not match, for
instance a membership deleted a moment before, which is how a removed member
came back as an OWNER without a subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import Document
from bson import ObjectId
from pymongo import DeleteOne, InsertOne, UpdateMany, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import (
    BulkWriteError,
    ClientBulkWriteException,
    DuplicateKeyError,
    PyMongoError,
)

from service.principal import Principal
from service.storage.documents import AuditEvent, now
from service.storage.failures import translated
from service.telemetry import request_id_var

DUPLICATE_KEY = 11000
# MongoDB 8.0, the first server with the client-level ``bulkWrite`` command.
CLIENT_BULK_WRITE_WIRE_VERSION = 25
TRANSIENT = "TransientTransactionError"


class GuardFailed(Exception):
    """A guarded write matched nothing; nothing of the change was written."""


class Duplicate(Exception):
    """An insert collided with a unique index; nothing of the change was written."""


def audit_event(
    principal: Principal,
    action: str,
    target_type: str,
    target_id: object | None,
    organization_id: Any = None,
    **details: Any,
) -> dict[str, Any]:
    event = AuditEvent(
        actor=principal.subject,
        actor_kind=principal.kind.value,
        organization_id=organization_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        at=now(),
        request_id=request_id_var.get(),
        details=details,
    )
    document: dict[str, Any] = event.model_dump(by_alias=True, exclude={"id", "revision_id"})
    return document


@dataclass(frozen=True, slots=True)
class Insert:
    collection: type[Document]
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GuardedUpdate:
    """An update of the one document matching ``filter`` (including ``_id``); when none
    matches, ``write`` raises ``GuardFailed``. Never an upsert."""

    collection: type[Document]
    filter: dict[str, Any]
    update: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GuardedDelete:
    """A delete of the one document matching ``filter``; when none matches, ``write``
    raises ``GuardFailed`` (so a second removal records nothing)."""

    collection: type[Document]
    filter: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InsertMany:
    """Documents inserted in order (a batch of ledger occurrences)."""

    collection: type[Document]
    documents: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class UpdateEvery:
    """An update of every document matching ``filter``, however many (none is fine)."""

    collection: type[Document]
    filter: dict[str, Any]
    update: dict[str, Any]


Write = Insert | GuardedUpdate | GuardedDelete | InsertMany | UpdateEvery


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the connected server offers ``write``."""

    transactions: bool = False
    client_bulk_write: bool = False


_capabilities = Capabilities()


def bind(capabilities: Capabilities) -> None:
    """Record the connected server's capabilities. Beanie binds the documents to one
    database per process; what that database can do is recorded alongside."""
    global _capabilities  # noqa: PLW0603 - one bound database per process, like Beanie's
    _capabilities = capabilities


def capabilities() -> Capabilities:
    return _capabilities


async def probe(client: AsyncMongoClient[Any]) -> Capabilities:
    """Ask the server what it is, then try an empty transaction: a server may say it is
    a replica set member and still refuse transactions (an arbiter, a misconfigured
    proxy), so the answer comes from doing it once."""
    hello = await client.admin.command("hello")
    client_bulk_write = int(hello.get("maxWireVersion", 0)) >= CLIENT_BULK_WRITE_WIRE_VERSION
    replicated = "setName" in hello or hello.get("msg") == "isdbgrid"
    if not replicated or "logicalSessionTimeoutMinutes" not in hello:
        return Capabilities(transactions=False, client_bulk_write=client_bulk_write)
    collection = AuditEvent.get_pymongo_collection()

    async def read_once(session: AsyncClientSession) -> None:
        await collection.find_one({}, projection={"_id": 1}, session=session)

    try:
        async with client.start_session() as session:
            await session.with_transaction(read_once)
    except PyMongoError:
        return Capabilities(transactions=False, client_bulk_write=client_bulk_write)
    return Capabilities(transactions=True, client_bulk_write=client_bulk_write)


@translated
async def write(steps: Sequence[Write], event: dict[str, Any] | None = None) -> None:
    """Apply the steps of one change and its audit event: in one transaction where the
    server has them, otherwise the event first and then the steps in order.

    Raises ``GuardFailed`` when a guarded write matched nothing, ``Duplicate`` when an
    insert hit a unique index, and ``DatabaseUnavailable`` for any other failure. With
    transactions nothing was then written; without, the steps before the refused one have
    landed, so put the guard first."""
    if event is not None:
        # Chosen here, not by the driver, so a retried transaction or a withdrawal names it.
        event.setdefault("_id", ObjectId())
    if not _capabilities.transactions:
        await _event_first(steps, event)
        return
    ordered: list[Write] = [*steps, *([Insert(AuditEvent, event)] if event is not None else [])]
    if len(ordered) == 1:
        # One document's write is atomic on its own; a transaction would add a round trip.
        await _apply(ordered, None)
        return
    client = AuditEvent.get_pymongo_collection().database.client

    async def apply(session: AsyncClientSession) -> None:
        await _apply(ordered, session)

    # Not causally consistent: a retried transaction's first command would otherwise carry
    # ``readConcern.afterClusterTime``, which the embedded server refuses on ``bulkWrite``;
    # the session exists for this one transaction, so there is no earlier read to follow.
    async with client.start_session(causal_consistency=False) as session:
        await session.with_transaction(apply)


async def _event_first(steps: Sequence[Write], event: dict[str, Any] | None) -> None:
    """The order that never loses an event on a server without transactions."""
    if event is not None:
        await _apply_one(Insert(AuditEvent, event), None)
    for index, step in enumerate(steps):
        try:
            await _apply_one(step, None)
        except (GuardFailed, Duplicate):
            if index == 0 and event is not None:
                # Nothing changed, so the event would be a false record.
                await AuditEvent.get_pymongo_collection().delete_one({"_id": event["_id"]})
            raise


async def _apply(steps: Sequence[Write], session: AsyncClientSession | None) -> None:
    if not _capabilities.client_bulk_write:
        for step in steps:
            await _apply_one(step, session)
        return
    client = AuditEvent.get_pymongo_collection().database.client
    models: list[Any] = []
    guards: list[tuple[int, Write]] = []
    for step in steps:
        if isinstance(step, GuardedUpdate | GuardedDelete):
            guards.append((len(models), step))
        models.extend(_client_models(step))
    if not models:
        return
    try:
        result = await client.bulk_write(
            models, ordered=True, session=session, verbose_results=True
        )
    except ClientBulkWriteException as error:
        # A write conflict inside a transaction arrives wrapped, without its label on
        # the wrapper; raising the inner error lets the transaction be retried.
        inner = error.error
        if isinstance(inner, PyMongoError) and inner.has_error_label(TRANSIENT):
            raise inner from None
        errors = error.details.get("writeErrors") or []
        if errors and errors[0].get("code") == DUPLICATE_KEY:
            raise Duplicate from None
        raise
    for index, step in guards:
        if isinstance(step, GuardedUpdate) and result.update_results[index].matched_count == 0:
            raise GuardFailed
        if isinstance(step, GuardedDelete) and result.delete_results[index].deleted_count == 0:
            raise GuardFailed


async def _apply_one(step: Write, session: AsyncClientSession | None) -> None:
    collection = step.collection.get_pymongo_collection()
    if isinstance(step, Insert):
        try:
            await collection.insert_one(step.document, session=session)
        except DuplicateKeyError:
            raise Duplicate from None
    elif isinstance(step, InsertMany):
        if not step.documents:
            return
        try:
            await collection.insert_many(step.documents, ordered=True, session=session)
        except BulkWriteError as error:
            codes = {e.get("code") for e in error.details.get("writeErrors") or []}
            if DUPLICATE_KEY in codes:
                raise Duplicate from None
            raise
    elif isinstance(step, UpdateEvery):
        await collection.update_many(step.filter, step.update, session=session)
    elif isinstance(step, GuardedUpdate):
        updated = await collection.update_one(step.filter, step.update, session=session)
        if updated.matched_count == 0:
            raise GuardFailed
    elif (await collection.delete_one(step.filter, session=session)).deleted_count == 0:
        raise GuardFailed


def _client_models(step: Write) -> list[Any]:
    namespace = step.collection.get_pymongo_collection().full_name
    if isinstance(step, Insert):
        return [InsertOne(step.document, namespace=namespace)]
    if isinstance(step, InsertMany):
        return [InsertOne(document, namespace=namespace) for document in step.documents]
    if isinstance(step, UpdateEvery):
        return [UpdateMany(step.filter, step.update, namespace=namespace)]
    if isinstance(step, GuardedDelete):
        return [DeleteOne(step.filter, namespace=namespace)]
    return [UpdateOne(step.filter, step.update, namespace=namespace)]
