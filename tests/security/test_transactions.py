"""A change, its revisions and its audit event land together or not at all.

The embedded server presents itself as a one-node replica set and runs
transactions, so ``write`` uses them here; the event-first order kept for
servers without transactions is exercised by switching the capability off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from beanie import PydanticObjectId
from starlette.applications import Starlette

from service.principal import Principal, PrincipalKind, Role
from service.storage import writes
from service.storage.documents import AuditEvent, Membership
from service.storage.repositories import document_of, now
from service.storage.writes import (
    Capabilities,
    Duplicate,
    GuardedDelete,
    GuardedUpdate,
    GuardFailed,
    Insert,
    audit_event,
    write,
)
from tests.conftest import CommandCounter

ACTOR = Principal(subject="user:tester", kind=PrincipalKind.USER)
ORG = PydanticObjectId()


def member(subject: str, role: Role = Role.VIEWER) -> dict[str, Any]:
    return document_of(
        Membership(
            id=PydanticObjectId(), organization_id=ORG, subject=subject, role=role, created_at=now()
        )
    )


def event(action: str = "changeMemberRole") -> dict[str, Any]:
    return audit_event(ACTOR, action, "Member", "user:x", ORG)


async def events() -> int:
    return await AuditEvent.find(AuditEvent.organization_id == ORG).count()


@pytest.fixture(params=["transaction", "event first", "transaction, one command per step"])
def path(request: pytest.FixtureRequest, app: Starlette) -> Iterator[str]:
    """Each way ``write`` can run, against the same server."""
    bound = writes.capabilities()
    if request.param == "event first":
        writes.bind(Capabilities(transactions=False, client_bulk_write=bound.client_bulk_write))
    elif request.param == "transaction, one command per step":
        writes.bind(Capabilities(transactions=bound.transactions, client_bulk_write=False))
    try:
        yield request.param
    finally:
        writes.bind(bound)


async def test_the_embedded_server_is_detected_as_running_transactions(app: Starlette) -> None:
    database = app.state.services.database
    hello = await database.client.admin.command("hello")
    assert hello["setName"] == "secantus"
    assert database.capabilities == Capabilities(transactions=True, client_bulk_write=True)
    assert writes.capabilities() == database.capabilities
    assert await writes.probe(database.client) == database.capabilities


async def test_a_change_with_its_event_is_one_transaction(
    app: Starlette, commands: CommandCounter
) -> None:
    commands.reset()
    await write([Insert(Membership, member("user:x"))], event("addMember"))
    assert commands.commands == ["bulkWrite 1", "commitTransaction 1"]
    assert await Membership.find(Membership.subject == "user:x").count() == 1
    assert await events() == 1


async def test_a_failed_guard_leaves_neither_change_nor_event(path: str) -> None:
    kept = member("user:kept")
    await write([Insert(Membership, kept)])
    missing = {"_id": PydanticObjectId(), "organization_id": ORG, "role": Role.VIEWER}
    with pytest.raises(GuardFailed):
        await write([GuardedUpdate(Membership, missing, {"$set": {"role": Role.OWNER}})], event())
    with pytest.raises(GuardFailed):
        await write([GuardedDelete(Membership, missing)], event("removeMember"))
    stale = {"_id": kept["_id"], "organization_id": ORG, "role": Role.OWNER}
    with pytest.raises(GuardFailed):
        await write([GuardedUpdate(Membership, stale, {"$set": {"role": Role.VIEWER}})], event())
    assert await events() == 0
    # A guard never creates the document it did not find.
    assert [
        m.subject for m in await Membership.find(Membership.organization_id == ORG).to_list()
    ] == ["user:kept"]


async def test_a_guard_on_a_removed_member_does_not_bring_it_back(path: str) -> None:
    removed = member("user:gone")
    await write([Insert(Membership, removed)])
    guard = {"_id": removed["_id"], "organization_id": ORG, "role": Role.VIEWER}
    await write([GuardedDelete(Membership, guard)], event("removeMember"))
    with pytest.raises(GuardFailed):
        await write([GuardedUpdate(Membership, guard, {"$set": {"role": Role.OWNER}})], event())
    assert await Membership.find(Membership.organization_id == ORG).count() == 0
    assert await events() == 1


async def test_a_duplicate_insert_leaves_no_event(path: str) -> None:
    await write([Insert(Membership, member("user:x"))], event("addMember"))
    with pytest.raises(Duplicate):
        await write([Insert(Membership, member("user:x"))], event("addMember"))
    assert await Membership.find(Membership.subject == "user:x").count() == 1
    assert await events() == 1


async def test_with_transactions_a_later_refusal_undoes_the_earlier_steps(app: Starlette) -> None:
    missing = {"_id": PydanticObjectId(), "organization_id": ORG}
    with pytest.raises(GuardFailed):
        await write(
            [
                Insert(Membership, member("user:first")),
                GuardedUpdate(Membership, missing, {"$set": {"role": Role.OWNER}}),
            ],
            event(),
        )
    assert await Membership.find(Membership.organization_id == ORG).count() == 0
    assert await events() == 0


async def test_without_transactions_the_event_is_written_before_the_change(
    app: Starlette, commands: CommandCounter
) -> None:
    bound = writes.capabilities()
    writes.bind(Capabilities(transactions=False, client_bulk_write=True))
    try:
        commands.reset()
        await write([Insert(Membership, member("user:x"))], event("addMember"))
    finally:
        writes.bind(bound)
    assert commands.commands == ["insert audit_events", "insert members"]
    assert await events() == 1
