"""Running CPU-heavy pure-Python steps off the event loop, bounded in number and time.

Parsing an uploaded catalog document and rendering a report are pure Python: run on
the event loop, one large or hostile input stops every other request. They run here
instead, in a small thread pool of their own (never the loop's default executor, which
name resolution and other ``to_thread`` calls share), with at most ``MAX_PENDING`` jobs
running or queued at once (more is refused at once with LIMIT_EXCEEDED) and a deadline
of ``TIMEOUT_SECONDS`` per job. A Python thread cannot be stopped from outside, so a job
past its deadline runs on to its end; callers bound their input before handing it over
(size, nesting, integer length), which keeps that end near, and the job keeps its slot
until it ends, so abandoned jobs cannot pile up behind the caller's back.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from service.errors import LimitExceeded

MAX_WORKERS = 2
MAX_PENDING = 8
TIMEOUT_SECONDS = 10.0

P = ParamSpec("P")
T = TypeVar("T")


class WorkerPool:
    def __init__(
        self,
        workers: int = MAX_WORKERS,
        max_pending: int = MAX_PENDING,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.max_pending = max_pending
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cpu-work")
        self._lock = threading.Lock()
        self._pending = 0

    def _finished(self, _future: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1

    async def run(
        self,
        func: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``func(*args, **kwargs)`` in a worker thread; ``LimitExceeded`` when the pool is
        full or the job misses its deadline (other exceptions are the job's own)."""
        with self._lock:
            if self._pending >= self.max_pending:
                raise LimitExceeded("the server is busy with other large jobs; retry shortly")
            self._pending += 1
        # Log lines written by the job keep the request's id.
        context = contextvars.copy_context()
        future = self._executor.submit(context.run, functools.partial(func, *args, **kwargs))
        future.add_done_callback(self._finished)
        try:
            # On timeout the wrapper cancels the job if it has not started yet.
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            raise LimitExceeded(f"the job took longer than {self.timeout:g} s") from None


@functools.cache
def worker_pool() -> WorkerPool:
    """The process's pool for heavy steps, created on first use (threads start lazily)."""
    return WorkerPool()
