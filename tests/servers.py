"""The app under a real uvicorn in a child process on 127.0.0.1, for tests that need a
real server (its own event loop, its own GIL) rather than the in-process ASGI app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from service.storage.embedded import free_loopback_port


@contextmanager
def uvicorn_process(settings: dict[str, str]) -> Iterator[str]:
    """The app with ``settings`` (environment variables) until ready; yields its base URL."""
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
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
