"""The ``readiness`` command as a user runs it: serve, load-frameworks, export-schema."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from service.app import create_app
from service.cli import _prepare
from service.settings import Settings
from service.storage.documents import ApiKey
from service.storage.embedded import free_loopback_port
from service.storage.repositories import ApiKeyRepository

ROOT = Path(__file__).resolve().parent.parent
CREATE_DURABLE = (
    'mutation { createOrganization(input: {name: "Durable"}) { organization { id } '
    "errors { code } } }"
)
READINESS = [sys.executable, "-m", "service.cli"]


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "ENVIRONMENT")}
    env.update(extra)
    return env


def test_export_schema_prints_the_committed_sdl() -> None:
    result = subprocess.run(
        [*READINESS, "export-schema"], capture_output=True, text=True, check=True
    )
    assert result.stdout == (ROOT / "schema" / "schema.graphql").read_text()


@pytest.mark.parametrize("command", ["serve", "load-frameworks"])
def test_unreachable_database_is_one_clear_line(command: str) -> None:
    result = subprocess.run(
        [*READINESS, command],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(
            MONGODB_URI="mongodb://user:secret@127.0.0.1:1/?serverSelectionTimeoutMS=300",
            MONGODB_TIMEOUT_MS="300",
        ),
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "MONGODB_URI" in lines[0]
    assert "secret" not in lines[0]


def _start(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*READINESS, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(DATA_DIR=str(data_dir)),
    )
    assert process.stdout is not None
    key = ""
    for line in process.stdout:
        if line.startswith("Local admin API key"):
            key = line.rsplit(" ", 1)[1].strip()
        if line.startswith("GraphiQL"):
            break
    assert key.startswith("rk_")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process, key
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not become ready")


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    assert process.stdout is not None
    process.stdout.close()
    return code


def test_serve_answers_graphql_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}/graphql"
    process, key = _start(tmp_path, port)
    try:
        created = httpx.post(
            url,
            json={"query": CREATE_DURABLE},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert created["data"]["createOrganization"]["errors"] == []
    finally:
        assert _stop(process) == 0

    process, same_key = _start(tmp_path, port)
    try:
        # The same DATA_DIR prints the same key again, and it still authenticates.
        assert same_key == key
        listed = httpx.post(
            url,
            json={"query": "{ organizations { edges { node { name } } } }"},
            headers={"Authorization": f"Bearer {same_key}"},
        ).json()
        assert listed["data"]["organizations"]["edges"] == [{"node": {"name": "Durable"}}]
    finally:
        assert _stop(process) == 0
    # The embedded database stopped with the service: the DATA_DIR lock is free again.
    lock = tmp_path / "readiness-embedded.lock"
    import fcntl

    with lock.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


async def _printed_key(
    settings: Settings, mongo_uri: str, capsys: pytest.CaptureFixture[str]
) -> str:
    """The key one ``readiness serve`` start prints (its preparation, without serving)."""
    await _prepare(settings, mongo_uri, print_key=True)
    printed = re.search(r"Local admin API key \(development only\): (\S+)", capsys.readouterr().out)
    assert printed is not None
    return printed.group(1)


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def _authenticates(http: httpx.AsyncClient, key: str) -> bool:
    response = await http.post(
        "/graphql",
        json={"query": "{ organizations { edges { cursor } } }"},
        headers={"Authorization": f"Bearer {key}"},
    )
    return response.status_code == 200


async def test_the_dev_key_is_kept_in_data_dir_until_its_file_or_record_goes(
    settings: Settings, mongo_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await _printed_key(settings, mongo_uri, capsys)
    stored = settings.data_dir / "local-admin-key"
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert await _printed_key(settings, mongo_uri, capsys) == key
    async with _running(settings) as http:
        assert await _authenticates(http, key)
        record = await ApiKey.find_one(ApiKey.local_admin == True)  # noqa: E712
        assert record is not None and key not in record.model_dump_json()  # stored hashed only

    # Without its file the key cannot be printed again: a new one replaces it.
    stored.unlink()
    replacement = await _printed_key(settings, mongo_uri, capsys)
    assert replacement != key
    assert stored.read_text().strip() == replacement
    async with _running(settings) as http:
        assert not await _authenticates(http, key)
        assert await _authenticates(http, replacement)
        # A revoked key (a production start revokes them all) is replaced, file and all.
        assert await ApiKeyRepository().revoke_local_admin_keys() == 1

    third = await _printed_key(settings, mongo_uri, capsys)
    assert third not in (key, replacement)
    assert stored.read_text().strip() == third
    async with _running(settings) as http:
        assert await _authenticates(http, third)
        active = ApiKey.find(ApiKey.local_admin == True, ApiKey.revoked_at == None)  # noqa: E711, E712
        assert await active.count() == 1


async def _oversized_message_close(address: str) -> tuple[int | None, str | None]:
    async with connect(
        f"ws://{address}/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
        max_size=None,
    ) as ws:
        await ws.send("x" * (2 * 1024 * 1024))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 30)
        return ws.close_code, ws.close_reason


def test_serve_refuses_a_websocket_message_over_1_mib_in_uvicorn(tmp_path: Path) -> None:
    port = free_loopback_port()
    process, _key = _start(tmp_path, port)
    try:
        code, reason = asyncio.run(_oversized_message_close(f"127.0.0.1:{port}"))
    finally:
        assert _stop(process) == 0
    # 1009 "message too big" from uvicorn's WebSocket protocol (ws_max_size), before the
    # app's own 1 MiB check (whose reason is "message over 1 MiB") could see it.
    assert code == 1009
    assert reason != "message over 1 MiB", reason


def test_metrics_add_up_every_worker_when_serve_runs_several(tmp_path: Path) -> None:
    port = free_loopback_port()
    process = subprocess.Popen(
        [*READINESS, "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(DATA_DIR=str(tmp_path)),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        # Fresh connections, so both workers answer some of them.
        for _ in range(40):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200

        def healthz_count(text: str) -> float:
            return sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("http_requests_total{")
                and 'status="2xx"' in line
                and "healthz" in line
            )

        # Whichever worker answers, /metrics counts every worker's requests.
        counts = {
            healthz_count(httpx.get(f"http://127.0.0.1:{port}/metrics").text) for _ in range(6)
        }
        assert counts == {40.0}, counts
    finally:
        _stop(process)
