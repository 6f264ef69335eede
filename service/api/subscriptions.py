"""Root subscription fields: ``policyDraftProgress``."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from service.api.context import Context
from service.api.ids import decode_id
from service.api.types.policy import TYPE_NAME, DraftProgressEvent
from service.errors import NotFound


async def policy_draft_progress(
    info: strawberry.Info[Context, None], draft_id: strawberry.ID
) -> AsyncGenerator[DraftProgressEvent, None]:
    """The draft's text as it is generated, then its final body with ``done: true``."""
    object_id = decode_id(TYPE_NAME, draft_id)
    drafting = info.context.drafting
    record = await drafting.get(object_id) if object_id else None
    if record is None or object_id is None:
        raise NotFound("policy draft not found")
    async for piece in drafting.hub.follow(object_id):
        yield DraftProgressEvent(draft_id=draft_id, text=piece, done=False)
    final = await drafting.get(object_id)
    yield DraftProgressEvent(draft_id=draft_id, text=final.body if final else "", done=True)
