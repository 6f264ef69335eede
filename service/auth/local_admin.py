"""The local admin key: one development key per DATA_DIR, retired by any production start.

In development without OIDC, ``readiness serve`` prints an API key with platform-admin
rights so that a newcomer can use GraphiQL at once. Its secret is kept in
``DATA_DIR/local-admin-key`` (mode 0600) and, as for every key, only its hash in the
database: each start of the same DATA_DIR prints the same key again, so a header saved in
GraphiQL keeps working. When the file is gone, or its key is no longer an active local
admin key (a production start revoked it), every local admin key is revoked and a new one
is minted and written. A production start revokes them all and records that in one
platform-level audit event.
"""

from __future__ import annotations

import os
from pathlib import Path

from service.principal import Principal, PrincipalKind
from service.storage.repositories import ApiKeyRepository
from service.storage.writes import audit_event, write
from service.telemetry import get_logger

KEY_FILE = "local-admin-key"
# A key is about 50 characters; anything longer is not one of ours.
MAX_KEY_FILE_BYTES = 256
SYSTEM_ACTOR_KIND = "SYSTEM"

log = get_logger("service.auth.local_admin")


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def _read_secret(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(raw) > MAX_KEY_FILE_BYTES:
        return None
    secret = raw.decode("ascii", errors="replace").strip()
    return secret or None


def _write_secret(path: Path, secret: str) -> None:
    """Write the file whole, readable by its owner only, and replace it in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (secret + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(partial, path)


async def development_key(data_dir: Path) -> str:
    """The local admin key of this DATA_DIR: the stored one while it is still active,
    otherwise a new one (every older local admin key revoked first)."""
    keys = ApiKeyRepository()
    path = key_path(data_dir)
    secret = _read_secret(path)
    if secret is not None:
        record = await keys.find_active(secret)
        if record is not None and record.local_admin:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return secret
    await keys.revoke_local_admin_keys()
    _record, secret = await keys.create(
        name="local admin (development)",
        subject="local-admin",
        created_by="readiness serve",
        platform_admin=True,
        local_admin=True,
    )
    _write_secret(path, secret)
    return secret


async def retire_local_admin_keys() -> int:
    """Revoke every local admin key (run at each production start); the number revoked.

    A revocation is recorded in one audit event of no organisation. It follows the
    revocation rather than sharing its transaction: should it fail, start-up fails too,
    and the keys stay revoked."""
    revoked = await ApiKeyRepository().revoke_local_admin_keys()
    if revoked:
        system = Principal(subject="readiness (production start)", kind=PrincipalKind.USER)
        event = audit_event(system, "revokeLocalAdminKeys", "ApiKey", None, None, revoked=revoked)
        # The service itself acts here, which no principal kind describes.
        event["actor_kind"] = SYSTEM_ACTOR_KIND
        await write([], event)
        log.warning("local admin keys revoked at production start", revoked=revoked)
    return revoked
