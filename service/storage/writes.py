"""Writing a change and its audit event in one round trip.

MongoDB 8's client-level ``bulkWrite`` takes writes to several collections in
one command; the change comes first and the audit event after it, ordered,
so the event is written only when the change was. A version-guarded update
is sent as an upsert: when the guard does not match, the upsert collides on
``_id`` and stops the batch (the caller then says why), so no event is ever
written for a change that did not happen. Servers before 8.0 get the same
writes one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import Document
from pymongo import AsyncMongoClient, DeleteOne, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, ClientBulkWriteException, OperationFailure

from service.auth.principal import Principal
from service.storage.documents import AuditEvent
from service.storage.repositories import now
from service.telemetry import request_id_var

COMMAND_NOT_FOUND = 59
DUPLICATE_KEY = 11000


class GuardFailed(Exception):
    """A guarded update matched nothing; nothing was written."""


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
    """An update that must match ``filter`` (including ``_id``) or write nothing."""

    collection: type[Document]
    filter: dict[str, Any]
    update: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete the one document matching ``filter`` (matching none is not an error)."""

    collection: type[Document]
    filter: dict[str, Any]


Write = Insert | GuardedUpdate | Delete


def _client_model(step: Write) -> Any:
    namespace = step.collection.get_pymongo_collection().full_name
    if isinstance(step, Insert):
        return InsertOne(step.document, namespace=namespace)
    if isinstance(step, Delete):
        return DeleteOne(step.filter, namespace=namespace)
    return UpdateOne(step.filter, step.update, upsert=True, namespace=namespace)


def _collection_model(step: Write) -> Any:
    if isinstance(step, Insert):
        return InsertOne(step.document)
    if isinstance(step, Delete):
        return DeleteOne(step.filter)
    return UpdateOne(step.filter, step.update, upsert=True)


async def write(steps: Sequence[Write], event: dict[str, Any] | None = None) -> None:
    """Apply the writes, then the audit event, in order and (on MongoDB 8) in one command.

    Raises ``GuardFailed`` when a guarded update matched nothing; the writes before it
    in ``steps`` have then landed, so put guards first."""
    ordered = [*steps, *([Insert(AuditEvent, event)] if event is not None else [])]
    client: AsyncMongoClient[Any] = AuditEvent.get_pymongo_collection().database.client
    try:
        await client.bulk_write([_client_model(step) for step in ordered], ordered=True)
    except ClientBulkWriteException as error:
        if _is_guard(error.write_errors, ordered):
            raise GuardFailed from None
        raise
    except OperationFailure as error:
        if error.code != COMMAND_NOT_FOUND:
            raise
        await _one_by_one(ordered)


def _is_guard(write_errors: Any, ordered: Sequence[Write], offset: int = 0) -> bool:
    """True when the first error is a guarded update colliding on its upsert."""
    if isinstance(write_errors, dict):
        write_errors = list(write_errors.values())
    errors = list(write_errors or [])
    if not errors:
        return False
    first = errors[0]
    index = offset + int(first.get("idx", first.get("index", 0)))
    return bool(
        first.get("code") == DUPLICATE_KEY
        and index < len(ordered)
        and isinstance(ordered[index], GuardedUpdate)
    )


async def _one_by_one(steps: list[Write]) -> None:
    for index, step in enumerate(steps):
        try:
            await step.collection.get_pymongo_collection().bulk_write(
                [_collection_model(step)], ordered=True
            )
        except BulkWriteError as error:
            if _is_guard(error.details.get("writeErrors"), steps, offset=index):
                raise GuardFailed from None
            raise
