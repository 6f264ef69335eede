"""The app under a real uvicorn in a child process on 127.0.0.1, for tests that need a
real server (its own event loop, its own GIL) rather than the in-process ASGI app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from service.storage.embedded import free_loopback_port


@contextmanager
def uvicorn_server(settings: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The app with ``settings`` (environment variables) until ready; yields its base URL
    and its process (a test may kill it)."""
    port = free_loopback_port()
    command = [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the server did not become ready")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def uvicorn_process(settings: dict[str, str]) -> Iterator[str]:
    """The app with ``settings`` (environment variables) until ready; yields its base URL."""
    with uvicorn_server(settings) as (base, _process):
        yield base


@contextmanager
def development_server(
    mongo_uri: str, db_name: str, frameworks: Path, data_dir: Path, **extra: str
) -> Iterator[str]:
    """``uvicorn_process`` in development mode on the test's database and catalog; ``extra``
    adds settings (``RATE_LIMIT_BURST="1000000"``)."""
    settings = {
        "ENVIRONMENT": "development",
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": db_name,
        "FRAMEWORKS_DIR": str(frameworks),
        "DATA_DIR": str(data_dir),
        **extra,
    }
    with uvicorn_process(settings) as base:
        yield base
