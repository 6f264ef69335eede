"""GraphQL types of policy drafts."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from service.api.ids import decode_cursor, encode_cursor, global_id
from service.api.pagination import Connection, connection, page_size
from service.api.types.catalog import Control
from service.api.types.copying import copy_of, shown
from service.api.types.node import Node
from service.drafting.records import PolicyDraftRecord, PolicyDraftRevision
from service.drafting.service import LATEST_REVISIONS
from service.errors import InvalidInput

TYPE_NAME = "PolicyDraft"


@strawberry.enum(description="Where a draft stands in review.")
class DraftStatus(Enum):
    DRAFT = strawberry.enum_value(
        "DRAFT", description="Not reviewed yet; a redraft from changed inputs returns to it."
    )
    APPROVED = strawberry.enum_value(
        "APPROVED", description="Approved with reviewPolicyDraft, as drafted or edited."
    )
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected with reviewPolicyDraft.")


@strawberry.enum(description="What wrote a draft's body.")
class DraftGenerator(Enum):
    LLM = strawberry.enum_value(
        "LLM", description="The configured OpenAI-compatible model (see `model`)."
    )
    TEMPLATE = strawberry.enum_value(
        "TEMPLATE",
        description="Our templates: when no model is configured, or as a fallback (see "
        "`fallbackReason`).",
    )


@strawberry.type(description="Where a draft came from: enough to reproduce and audit it.")
class DraftProvenance:
    generator: DraftGenerator = strawberry.field(description="What wrote the body.")
    model: str | None = strawberry.field(
        description="The model's name as configured; null for a template draft."
    )
    prompt_version: str = strawberry.field(
        description="The prompt (policy-vN) or template (template-<name>) that produced it; "
        "empty while the draft is being written."
    )
    input_hash: str = strawberry.field(
        description="SHA-256 (hex) of the prompt version and every drafting input; drafting "
        "again with the same inputs returns this draft unchanged."
    )
    prompt_tokens: int = strawberry.field(
        description="Prompt tokens the model server reported; 0 for a template draft."
    )
    completion_tokens: int = strawberry.field(
        description="Generated tokens the model server reported; 0 for a template draft."
    )
    latency_ms: int = strawberry.field(
        description="How long generating the body took, in milliseconds."
    )


@strawberry.type(
    description="A draft's body and status as they were before a review or a redraft replaced them."
)
class DraftRevision:
    number: int = strawberry.field(
        description="The draft version this revision was (1 for the first draft)."
    )
    body: str = strawberry.field(description="The body as it was (Markdown).")
    status: DraftStatus = strawberry.field(description="The status it had then.")
    replaced_at: datetime = strawberry.field(description="When the review or redraft happened.")
    replaced_by: str = strawberry.field(
        description="The subject of the user or API key that reviewed or redrafted it."
    )

    @classmethod
    def of(cls, record: PolicyDraftRevision) -> DraftRevision:
        return copy_of(cls, record, status=DraftStatus(record.status))


@strawberry.enum(description="Where a policy's commitment comes from.")
class CommitmentSource(Enum):
    ANSWER = strawberry.enum_value("ANSWER", description="An answer sets its wording.")
    TO_CONFIRM = strawberry.enum_value(
        "TO_CONFIRM",
        description="No answer sets it: the policy carries a [TO CONFIRM: …] placeholder.",
    )


@strawberry.type(
    description="A deadline, cadence, retention period or threshold the policy commits to, "
    "which an auditor will test: set by an answer, or left for the company to confirm."
)
class PolicyCommitment:
    key: str = strawberry.field(description="The commitment's key within its policy family.")
    what: str = strawberry.field(description="What the commitment decides.")
    text: str = strawberry.field(
        description="Its wording in the policy: from the answer, or the placeholder."
    )
    source: CommitmentSource = strawberry.field(description="Whether an answer set it.")
    question_key: str | None = strawberry.field(
        description="The question whose answer sets it, if one does."
    )
    answer: str | None = strawberry.field(
        description="The answer given to that question (its label), if any."
    )

    @classmethod
    def of(cls, stored: dict[str, Any]) -> PolicyCommitment:
        return cls(
            key=str(stored["key"]),
            what=str(stored["what"]),
            text=str(stored["text"]),
            source=CommitmentSource.ANSWER
            if stored.get("confirmed")
            else CommitmentSource.TO_CONFIRM,
            question_key=stored.get("question"),
            answer=stored.get("answer"),
        )


@strawberry.type(
    name="PolicyDraft",
    description="A policy for one policy family of an assessment's controls, drafted by "
    "draftPolicies (from the LLM or templates) for people to review and adopt.",
)
class PolicyDraftType(Node):
    record: strawberry.Private[PolicyDraftRecord]

    @classmethod
    def of(cls, record: PolicyDraftRecord) -> PolicyDraftType:
        return cls(id=global_id(TYPE_NAME, record.id), record=record)

    title = shown("record.title", str, "The policy's title, as the draft names it.")

    body = shown("record.body", str, "Markdown.")

    family = shown(
        "record.family", str, "Key of the policy family it covers (access-control, backup, ...)."
    )

    @strawberry.field(description="The controls this policy documents.")
    async def controls(self, info: strawberry.Info) -> list[Control]:
        view = await info.context.assessment_loader.load(self.record.assessment_id)
        if view is None:
            return []
        framework = view.framework
        return [
            Control.of(framework, framework.controls[k])
            for k in self.record.controls
            if k in framework.controls
        ]

    @strawberry.field(description="Keys of the controls this policy documents.")
    def control_keys(self) -> list[str]:
        return list(self.record.controls)

    @strawberry.field(
        description="Keys of the controls with gaps the draft was asked for; the other "
        "controls are the family's baseline (empty on drafts written before whole-family "
        "drafting)."
    )
    def gap_control_keys(self) -> list[str]:
        return list(self.record.gap_controls)

    @strawberry.field(
        description="The commitments the draft makes that an auditor will test, and where "
        "each comes from; those still TO_CONFIRM need a decision before the policy is adopted."
    )
    def commitments(self) -> list[PolicyCommitment]:
        return [PolicyCommitment.of(c) for c in self.record.commitments]

    @strawberry.field(
        description="Refs of the criteria its controls address (such as CC6.1), sorted."
    )
    def criteria(self) -> list[str]:
        return list(self.record.criteria)

    @strawberry.field(description="Where the draft stands in review.")
    def status(self) -> DraftStatus:
        return DraftStatus(self.record.status)

    generating = shown(
        "record.generating", bool, "True while the draft is still being written (stream mode)."
    )

    @strawberry.field(description="What wrote the body; LLM while the model is still being tried.")
    def generator(self) -> DraftGenerator:
        return DraftGenerator(self.record.generator)

    model = shown(
        "record.model", str | None, "The model that wrote the body; null for a template draft."
    )

    @strawberry.field(
        description="Why the draft came from templates rather than the LLM, if it did."
    )
    def fallback_reason(self) -> str | None:
        return self.record.fallback_reason

    @strawberry.field(
        description="How the draft was produced: generator, prompt, inputs, tokens and time."
    )
    def provenance(self) -> DraftProvenance:
        return copy_of(
            DraftProvenance, self.record, generator=DraftGenerator(self.record.generator)
        )

    @strawberry.field(
        description=f"The latest {LATEST_REVISIONS} earlier bodies and statuses, oldest first; "
        "revisionHistory pages through all of them."
    )
    async def revisions(self, info: strawberry.Info) -> list[DraftRevision]:
        page = await info.context.drafting.revisions(self.record, LATEST_REVISIONS)
        return [DraftRevision.of(r) for r in reversed(page.items)]

    @strawberry.field(description="Earlier bodies and statuses, newest first.")
    async def revision_history(
        self,
        info: strawberry.Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many revisions: 0 to 100 (default 20)."),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="Start after this cursor (a previous page's `endCursor`)."
            ),
        ] = None,
    ) -> Connection[DraftRevision]:
        page = await info.context.drafting.revisions(
            self.record, page_size(first), _number_cursor(after)
        )
        return connection(
            page.items,
            page.has_next,
            lambda r: encode_cursor(r.number),
            DraftRevision.of,
            after=after,
            count=page.count,
        )

    version = shown(
        "record.version",
        int,
        "1 when first drafted, one more at each review or redraft; pass it to "
        "reviewPolicyDraft as expectedVersion to refuse a stale review.",
    )


@strawberry.type(
    description="An event of policyDraftProgress: a piece of the draft as it is generated, "
    "then its final body."
)
class DraftProgressEvent:
    draft_id: strawberry.ID = strawberry.field(description="Global id of the draft followed.")
    text: str = strawberry.field(description="The next piece of generated text, or the final body.")
    done: bool = strawberry.field(
        description="True on the last event, whose text is the whole final body."
    )


def _number_cursor(after: str | None) -> int | None:
    if after is None:
        return None
    values = decode_cursor(after)
    if values and len(values) == 1 and type(values[0]) is int:
        return int(values[0])
    raise InvalidInput("after is not a cursor of this list", ("after",))
