"""The ``readiness`` command as a user runs it: serve, load-frameworks, export-schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.storage.embedded import free_loopback_port

ROOT = Path(__file__).resolve().parent.parent
CREATE_DURABLE = (
    'mutation { createOrganization(input: {name: "Durable"}) { organization { id } '
    "errors { code } } }"
)
READINESS = [sys.executable, "-m", "service.cli"]


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

    process, new_key = _start(tmp_path, port)
    try:
        # Each start mints a new local key and retires the previous one.
        old = httpx.post(
            url,
            json={"query": "{ organizations { edges { cursor } } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert old.status_code == 401
        listed = httpx.post(
            url,
            json={"query": "{ organizations { edges { node { name } } } }"},
            headers={"Authorization": f"Bearer {new_key}"},
        ).json()
        assert listed["data"]["organizations"]["edges"] == [{"node": {"name": "Durable"}}]
    finally:
        assert _stop(process) == 0
    # The embedded database stopped with the service: the DATA_DIR lock is free again.
    lock = tmp_path / "readiness-embedded.lock"
    import fcntl

    with lock.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
