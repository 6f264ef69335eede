"""Writing a draft to the end, on any pod: generation under a lease, progress for every pod.

A draft is stored ``generating`` with its job (the request and whose budget it spends)
and a lease held by the pod writing it. ``DraftWriter.finish`` renews the lease while it
works and writes the text so far to the draft at most every ``PROGRESS_SECONDS``, so a
subscriber on another pod follows it from the database. When a pod stops mid-draft (a
rolling update, a scale-in, a crash) its lease lapses and ``DraftRecovery``, which every
pod runs, takes the draft over and writes it again from its job; after ``MAX_ATTEMPTS``
it writes it from templates, which cannot fail, so no draft stays generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId

from service.assessment.notifications import outbox_event
from service.drafting.document import to_markdown
from service.drafting.drafters import (
    BudgetReached,
    Drafter,
    DrafterUnavailable,
    DraftResult,
    TemplateDrafter,
)
from service.drafting.progress import ProgressHub
from service.drafting.prompt import DraftRequest
from service.ids import encode_id
from service.storage.drafting_documents import PolicyDraftRecord
from service.storage.repositories import DraftRepository, now
from service.storage.tenancy import system_scope
from service.telemetry import get_logger

log = get_logger("service.drafting")

# Free text kept on a draft: a generated body, a fallback reason.
MAX_BODY_BYTES = 200_000
MAX_REASON_CHARS = 1_000
# How often the text so far is written for subscribers on other pods, and how much of it.
PROGRESS_SECONDS = 0.5
MAX_PROGRESS_CHARS = 100_000
# Attempts (the first pod's and each take-over) before a draft is written from templates.
MAX_ATTEMPTS = 3
# How often a subscriber on another pod reads the draft for new text.
FOLLOW_SECONDS = 0.3


@dataclass(frozen=True)
class DraftingConfig:
    llm: Drafter | None
    daily_token_budget: int
    daily_token_budget_per_principal: int = 400_000
    # How long a pod's claim on a draft it writes lasts without renewal; renewed every third.
    lease_seconds: float = 30.0


@dataclass(frozen=True)
class DailyBudget:
    """The ``TokenAllowance`` of one draft: both of the day's usage rows."""

    drafts: DraftRepository
    day: str
    payer: str
    budgets: tuple[int, int]

    async def reserve(self, tokens: int) -> bool:
        return await self.drafts.reserve(self.day, self.payer, tokens, self.budgets)

    async def settle(self, reserved: int, used: int) -> None:
        await self.drafts.adjust(self.day, self.payer, used - reserved)

    def job(self, request: DraftRequest) -> dict[str, Any]:
        """What another pod needs to write the draft: stored with it until it is done."""
        return {
            "request": request.data(),
            "day": self.day,
            "payer": self.payer,
            "budgets": list(self.budgets),
        }


class DraftWriter:
    """Generates drafts and stores them finished; shared by requests and recovery."""

    def __init__(self, config: DraftingConfig, hub: ProgressHub) -> None:
        self.config = config
        self.hub = hub
        self.templates = TemplateDrafter()
        self.lease = timedelta(seconds=config.lease_seconds)

    async def _generate(
        self,
        budget: DailyBudget,
        request: DraftRequest,
        draft_id: ObjectId,
        llm: Drafter | None,
    ) -> tuple[DraftResult, str | None]:
        pieces: list[str] = []
        written = time.monotonic()

        async def progress(text: str) -> None:
            nonlocal written
            self.hub.publish(draft_id, text)
            pieces.append(text)
            if time.monotonic() - written >= PROGRESS_SECONDS:
                written = time.monotonic()
                await budget.drafts.save_progress(draft_id, "".join(pieces)[-MAX_PROGRESS_CHARS:])

        reason: str | None = None
        if llm is not None:
            try:
                return await llm.draft(request, progress, budget), None
            except BudgetReached:
                reason = "the daily drafting token budget is reached; drafted from templates"
            except DrafterUnavailable as error:
                reason = f"LLM drafting failed ({error}); drafted from templates"
            except Exception as error:  # a draft must never be left half-written
                log.exception("llm drafter failed unexpectedly", error_type=type(error).__name__)
                reason = "LLM drafting failed unexpectedly; drafted from templates"
        result = await self.templates.draft(request)
        return result, reason

    async def _renew(self, drafts: DraftRepository, draft_id: ObjectId) -> None:
        """Keep this pod's lease on the draft while it works on it."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await drafts.renew(draft_id, now() + self.lease)
            except Exception as error:  # the next renewal may succeed; the work goes on
                log.warning("draft lease renewal failed", error=type(error).__name__)

    async def finish(
        self,
        budget: DailyBudget,
        record: PolicyDraftRecord,
        request: DraftRequest,
        *,
        llm: Drafter | bool | None = True,
        reason: str | None = None,
    ) -> PolicyDraftRecord:
        """Write ``record`` from ``request`` and store it finished. ``llm``: True for the
        configured drafter, else the drafter to use (None: templates, saying ``reason``)."""
        assert record.id is not None  # noqa: S101
        drafter = self.config.llm if llm is True else (llm or None)
        renewal = asyncio.create_task(self._renew(budget.drafts, record.id))
        try:
            result, fallback = await self._generate(budget, request, record.id, drafter)
            fallback = fallback or reason
            fields = {
                "title": result.document.title,
                "body": bounded(to_markdown(result.document)),
                "generating": False,
                "generator": result.generator,
                "model": result.model,
                "prompt_version": result.prompt_version,
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "latency_ms": result.latency_ms,
                "fallback_reason": fallback[:MAX_REASON_CHARS] if fallback else None,
                "updated_at": now(),
            }
            ready = outbox_event(
                record.organization_id,
                "DRAFT_READY",
                record.assessment_id,
                {
                    "draftId": encode_id("PolicyDraft", record.id),
                    "family": record.family,
                    "generator": result.generator,
                },
            )
            await budget.drafts.finish(record.id, fields, ready)
            finished: PolicyDraftRecord = record.model_copy(update=fields)
            return finished
        finally:
            renewal.cancel()
            self.hub.finish(record.id)

    async def follow(
        self, draft_id: ObjectId, read: Callable[[ObjectId], Awaitable[PolicyDraftRecord | None]]
    ) -> AsyncIterator[str]:
        """The draft's text as it is written: from this pod's hub when this pod writes it,
        else from the progress another pod stores (``read``: the draft as the caller may
        see it); ends when the draft is finished."""
        if self.hub.is_open(draft_id):
            async for piece in self.hub.follow(draft_id):
                yield piece
            return
        sent = 0
        while True:
            record = await read(draft_id)
            if record is None or not record.generating:
                return
            if len(record.progress) > sent:
                yield record.progress[sent:]
                sent = len(record.progress)
            await asyncio.sleep(FOLLOW_SECONDS)


class DraftRecovery:
    """Takes over drafts whose pod stopped writing them, on any pod."""

    def __init__(self, writer: DraftWriter, poll_seconds: float) -> None:
        self.writer = writer
        self.poll = poll_seconds
        self.stopping = False
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        """End ``run`` at its next turn, even if a cancellation is lost in a driver call."""
        self.stopping = True
        self._stopped.set()

    async def run(self) -> None:
        while not self.stopping:
            try:
                took = await self.turn()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("draft recovery turn failed", error=type(error).__name__)
                took = False
            if not took:
                # Asleep until the next look, or until stopped.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), timeout=self.poll)

    async def turn(self) -> bool:
        """Take over one lapsed draft and write it; whether there was one."""
        moment = now()
        record = await DraftRepository.take_lapsed(moment, moment + self.writer.lease)
        if record is None:
            return False
        assert record.id is not None  # noqa: S101
        drafts = DraftRepository(system_scope(record.organization_id))
        log.info("taking over a draft", draft=str(record.id), attempt=record.attempts)
        if record.job is None:
            # Written before drafts carried their job: nothing to write it again from.
            await drafts.finish(
                record.id,
                {
                    "generating": False,
                    "fallback_reason": "the pod writing this draft stopped; draft it again",
                    "updated_at": now(),
                },
            )
            return True
        job = record.job
        request = DraftRequest.from_data(job["request"])
        budget = DailyBudget(drafts, job["day"], job["payer"], tuple(job["budgets"]))
        self.writer.hub.open(record.id)
        if record.attempts > MAX_ATTEMPTS:
            reason = (
                f"the pods writing this draft stopped {record.attempts - 1} times; "
                "drafted from templates"
            )
            await self.writer.finish(budget, record, request, llm=None, reason=reason)
        else:
            await self.writer.finish(budget, record, request)
        return True


def bounded(body: str) -> str:
    """A generated body within ``MAX_BODY_BYTES``: cut at a line and marked as cut.

    Only a template draft for a family with very many long controls gets near it."""
    if len(body.encode()) <= MAX_BODY_BYTES:
        return body
    marker = f"\n\n[TRUNCATED: the draft exceeded {MAX_BODY_BYTES:,} bytes]\n"
    kept = body.encode()[: MAX_BODY_BYTES - len(marker.encode())].decode(errors="ignore")
    return kept.rsplit("\n", 1)[0] + marker
