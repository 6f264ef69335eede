"""The embedded MongoDB wire-protocol server used when ``MONGODB_URI`` is unset.

SecantusDB (GPL-2.0, an optional extra) runs in a child process rather than
in-process: the API's event loop then never competes with the database for
the GIL, a clean stop is one SIGTERM, and tests can stop and restart the
database under a running service. Storage lives in ``DATA_DIR`` and survives
restarts. A lock file in ``DATA_DIR`` makes a second server on the same
directory fail with a clear message before WiredTiger is ever opened.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Self

_PR_SET_PDEATHSIG = 1
_LOCK_NAME = "readiness-embedded.lock"
_STORE_DIR = "mongo"


def _die_with_parent() -> None:
    # Linux: the database gets SIGTERM if the service dies without stopping it.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedServerError(RuntimeError):
    """The embedded database could not be started."""


def free_loopback_port() -> int:
    """A port the OS says is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedServer:
    """A SecantusDB child process bound to loopback with its store in ``data_dir``."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_loopback_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock_file: IO[str] | None = None
        self._log_path = self.data_dir / "embedded-server.log"

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _acquire_lock(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock_file = (self.data_dir / _LOCK_NAME).open("a+")
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "another process"
            lock_file.close()
            raise EmbeddedServerError(
                f"DATA_DIR {self.data_dir} is already in use by an embedded database "
                f"({holder}); stop that server or choose another DATA_DIR"
            ) from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"pid {os.getpid()}\n")
        lock_file.flush()
        self._lock_file = lock_file

    def start(self, timeout: float = 30.0) -> None:
        """Start the child process and wait until it accepts connections."""
        if self._lock_file is None:
            self._acquire_lock()
        store = self.data_dir / _STORE_DIR
        store.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            str(store),
            "--log-level",
            "WARNING",
        ]
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise EmbeddedServerError(
                    f"embedded database exited at start: {self._last_log_line()}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedServerError(f"embedded database did not listen within {timeout:.0f} s")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the child cleanly (SIGTERM lets WiredTiger checkpoint), then release the lock."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        self.stop()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _last_log_line(self) -> str:
        try:
            lines = self._log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        for line in reversed(lines):
            if line.strip():
                return line.strip()[-300:]
        return "no log"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
