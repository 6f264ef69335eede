"""The development admin key does not survive into production (issue 13, class 6).

``readiness serve`` in development prints a local admin key with platform-admin
rights (kept in DATA_DIR/local-admin-key between starts). A production start on the
same database revokes every such key, recording that in one audit event, and a
production app refuses one even when it is still marked active.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from service.cli import _prepare
from service.settings import Settings
from service.storage.documents import ApiKey, AuditEvent
from service.storage.repositories import ApiKeyRepository
from tests.conftest import production, running

IMPORT_GLOBAL = """mutation { importFramework(input: {document: "a: {b: [1, 2", format: YAML}) {
  errors { code } } }"""


async def import_global(http: httpx.AsyncClient, key: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": IMPORT_GLOBAL}, headers={"Authorization": f"Bearer {key}"}
    )


async def dev_key(settings: Settings, mongo_uri: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The key exactly as ``readiness serve`` mints and prints it in development."""
    await _prepare(settings, mongo_uri, print_key=True)
    printed = re.search(r"Local admin API key \(development only\): (\S+)", capsys.readouterr().out)
    assert printed is not None
    return printed.group(1)


async def test_the_dev_key_is_revoked_and_refused_after_a_production_start(
    settings: Settings, mongo_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await dev_key(settings, mongo_uri, capsys)
    async with running(settings) as dev:
        response = await import_global(dev, key)
        # A platform admin passes the permission check and reaches the parser.
        assert response.status_code == 200
        assert response.json()["data"]["importFramework"]["errors"] == [{"code": "INVALID"}]

    async with running(production(settings, tmp_path)) as prod:
        assert (await import_global(prod, key)).status_code == 401
        stored = await ApiKey.find_one(ApiKey.local_admin == True)  # noqa: E712
        assert stored is not None and stored.revoked_at is not None
        # One platform-level audit event records the revocation.
        events = await AuditEvent.find(AuditEvent.action == "revokeLocalAdminKeys").to_list()
        assert [(e.organization_id, e.actor_kind, e.details) for e in events] == [
            (None, "SYSTEM", {"revoked": 1})
        ]

    # Back in development the key stays revoked: the next serve mints a new one.
    async with running(settings) as dev:
        assert (await import_global(dev, key)).status_code == 401
    new_key = await dev_key(settings, mongo_uri, capsys)
    assert new_key != key
    assert (settings.data_dir / "local-admin-key").read_text().strip() == new_key


async def test_production_refuses_a_local_admin_key_even_if_it_was_not_revoked(
    settings: Settings, tmp_path: Path
) -> None:
    async with running(production(settings, tmp_path)) as prod:
        # Minted after the start (a development process on the same database), so the
        # revocation at start-up never saw it: the authenticator still refuses it.
        record, secret = await ApiKeyRepository().create(
            name="local admin (development)",
            subject="local-admin",
            created_by="readiness serve",
            platform_admin=True,
            local_admin=True,
        )
        assert (await import_global(prod, secret)).status_code == 401
        stored = await ApiKey.get(record.id)
        assert stored is not None and stored.revoked_at is None


async def test_production_start_revokes_only_local_admin_keys(
    settings: Settings, tmp_path: Path
) -> None:
    async with running(settings):
        local, _secret = await ApiKeyRepository().create(
            name="local", subject="local-admin", created_by="t", local_admin=True
        )
        kept, _secret = await ApiKeyRepository().create(
            name="user key", subject="user:ci", created_by="t"
        )
    async with running(production(settings, tmp_path)):
        revoked, still = await ApiKey.get(local.id), await ApiKey.get(kept.id)
        assert revoked is not None and revoked.revoked_at is not None
        assert still is not None and still.revoked_at is None
        # Nothing left for a second pass, and no event for it.
        assert await ApiKeyRepository().revoke_local_admin_keys() == 0
    async with running(production(settings, tmp_path)):
        assert await AuditEvent.find(AuditEvent.action == "revokeLocalAdminKeys").count() == 1
