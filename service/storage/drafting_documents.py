"""The documents of policy drafting: drafts, their earlier bodies, and the LLM token
usage the daily budgets count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from service.storage.documents import tenant_index


class PolicyDraftRecord(Document):
    """A drafted policy for one policy family, with its provenance.

    Earlier bodies are ``PolicyDraftRevision`` documents in their own collection, so this
    document stays the same size however often it is reviewed. ``revisions`` is where
    drafts written before that kept them (still read, never written).
    """

    organization_id: PydanticObjectId
    assessment_id: PydanticObjectId
    family: str
    title: str
    body: str
    controls: list[str]
    # The controls with gaps the draft was asked for (the rest of ``controls`` is the
    # family's baseline); empty on drafts written before whole-family drafting.
    gap_controls: list[str] = Field(default_factory=list)
    # The commitments as the draft was given them: key, what, text (the wording or the
    # placeholder), confirmed (set by an answer), question, answer.
    commitments: list[dict[str, Any]] = Field(default_factory=list)
    criteria: list[str]
    status: str
    generating: bool = False
    generator: str
    model: str | None = None
    prompt_version: str
    input_hash: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    fallback_reason: str | None = None
    revisions: list[dict[str, Any]] = Field(default_factory=list)
    version: int = 1
    created_at: datetime
    created_by: str
    updated_at: datetime
    # While generating: what any pod needs to finish the draft (the request and whose
    # budget it spends), the lease of the pod writing it (renewed while it works; once it
    # lapses another pod takes the draft over), the attempts so far, and the text so far
    # (written at a bounded rate, so a subscriber on any pod can follow it).
    job: dict[str, Any] | None = None
    lease_until: datetime | None = None
    attempts: int = 0
    progress: str = ""

    class Settings:
        name = "policy_drafts"
        indexes = [
            tenant_index(("assessment_id", pymongo.ASCENDING)),
            IndexModel([("generating", pymongo.ASCENDING), ("lease_until", pymongo.ASCENDING)]),
        ]


class LlmUsage(Document):
    """Tokens an organisation spent or holds reserved for drafting, per UTC day (the cost guard).

    One row per organisation and day that drafted with the LLM: about 100 bytes each."""

    organization_id: PydanticObjectId
    day: str
    tokens: int = 0

    class Settings:
        name = "llm_usage"
        indexes = [tenant_index(("day", pymongo.ASCENDING), unique=True)]


class PolicyDraftRevision(Document):
    """A policy draft's body and status as they were before a review replaced them.

    Append-only. ``number`` is the draft version the review replaced (1 for the first
    review), unique per draft, so revisions page by ``number``.
    """

    organization_id: PydanticObjectId
    draft_id: PydanticObjectId
    number: int
    body: str
    status: str
    replaced_at: datetime
    replaced_by: str

    class Settings:
        name = "policy_draft_revisions"
        indexes = [
            tenant_index(
                ("draft_id", pymongo.ASCENDING), ("number", pymongo.DESCENDING), unique=True
            ),
        ]


class PrincipalLlmUsage(Document):
    """Tokens one principal spent or holds reserved for drafting, per UTC day, across all
    its organisations (API keys count as the person who created them)."""

    subject: str
    day: str
    tokens: int = 0

    class Settings:
        name = "llm_usage_principals"
        indexes = [
            IndexModel([("subject", pymongo.ASCENDING), ("day", pymongo.ASCENDING)], unique=True)
        ]


# Registered with Beanie next to DOCUMENT_MODELS (see ``Database.connect``).
DRAFTING_MODELS: list[type[Document]] = [
    PolicyDraftRecord,
    LlmUsage,
    PolicyDraftRevision,
    PrincipalLlmUsage,
]
