"""Live text of drafts being generated, for the ``policyDraftProgress`` subscription.

In process: a subscriber must reach the pod that generates the draft (or it
sees the finished body once generation ends, from the database).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bson import ObjectId

_DONE = None


class ProgressHub:
    def __init__(self) -> None:
        self._history: dict[ObjectId, list[str]] = {}
        self._listeners: dict[ObjectId, list[asyncio.Queue[str | None]]] = {}
        self._open: set[ObjectId] = set()

    def open(self, draft_id: ObjectId) -> None:
        self._open.add(draft_id)
        self._history[draft_id] = []

    def is_open(self, draft_id: ObjectId) -> bool:
        return draft_id in self._open

    def publish(self, draft_id: ObjectId, text: str) -> None:
        if draft_id not in self._open:
            return
        self._history[draft_id].append(text)
        for queue in self._listeners.get(draft_id, []):
            queue.put_nowait(text)

    def finish(self, draft_id: ObjectId) -> None:
        self._open.discard(draft_id)
        self._history.pop(draft_id, None)
        for queue in self._listeners.pop(draft_id, []):
            queue.put_nowait(_DONE)

    async def follow(self, draft_id: ObjectId) -> AsyncIterator[str]:
        """What was generated so far, then each new piece, until the draft is finished."""
        if draft_id not in self._open:
            return
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for earlier in self._history.get(draft_id, []):
            queue.put_nowait(earlier)
        self._listeners.setdefault(draft_id, []).append(queue)
        while True:
            piece = await queue.get()
            if piece is None:
                return
            yield piece
