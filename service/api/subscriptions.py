"""Root subscription fields: ``policyDraftProgress``."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from service.api.context import Context
from service.api.ids import decode_id
from service.api.types.policy import TYPE_NAME, DraftProgressEvent
from service.errors import NotFound

# How often a running stream checks that its caller may still read the draft.
RECHECK_SECONDS = 5.0


async def policy_draft_progress(
    info: strawberry.Info[Context, None],
    draft_id: Annotated[
        strawberry.ID,
        strawberry.argument(
            description="Global id of a draft the caller can read (from draftPolicies with "
            "stream: true); NOT_FOUND otherwise."
        ),
    ],
) -> AsyncGenerator[DraftProgressEvent, None]:
    """The draft's text as it is generated, then its final body with ``done: true``."""
    object_id = decode_id(TYPE_NAME, draft_id)
    drafting = info.context.drafting
    record = await drafting.get(object_id) if object_id else None
    if record is None or object_id is None:
        raise NotFound("policy draft not found")
    checked = time.monotonic()
    async for piece in drafting.writer.follow(object_id, drafting.get):
        if time.monotonic() - checked >= RECHECK_SECONDS:
            # A member removed (or a key revoked) while the stream runs stops receiving it,
            # as the next request would be refused.
            info.context.access.refresh()
            if await drafting.get(object_id) is None:
                raise NotFound("policy draft not found")
            checked = time.monotonic()
        yield DraftProgressEvent(draft_id=draft_id, text=piece, done=False)
    info.context.access.refresh()
    final = await drafting.get(object_id)
    if final is None:
        raise NotFound("policy draft not found")
    yield DraftProgressEvent(draft_id=draft_id, text=final.body, done=True)
