"""Driver errors become the project's own ``DatabaseUnavailable`` here, and nowhere else.

Repositories apply ``translated`` to each of their public coroutines once, in
their base class; ``storage.writes.write`` and ``Database.connect`` apply it
too. Errors a method expects (a duplicate key it handles) are caught inside the
method and never reach the translation.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from pymongo.errors import PyMongoError

from service.errors import DatabaseUnavailable

P = ParamSpec("P")
R = TypeVar("R")


def unavailable(error: PyMongoError) -> DatabaseUnavailable:
    """The project's error for a driver error: its first clause, which names the cause
    without the driver's topology description."""
    return DatabaseUnavailable(str(error).split(",")[0])


def translated(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(function)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await function(*args, **kwargs)
        except PyMongoError as error:
            raise unavailable(error) from error

    return call
