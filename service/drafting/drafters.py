"""The two drafters: OpenAI-compatible LLM and offline templates.

``OpenAIDrafter`` streams a structured-output chat completion from any
OpenAI-compatible endpoint, retries 429 and 5xx answers with exponential
backoff, validates the JSON with pydantic, and retries once when the draft
does not cite every requested criterion. Every request it sends sets
``max_tokens`` and first reserves its cost (the prompt's estimated size plus
that cap) from a ``TokenAllowance``; the reservation is settled to what the
server reports it used. ``TemplateDrafter`` renders Jinja2
templates per policy family: deterministic, offline, and the fallback when
the LLM fails. Both write the whole family's policy: a template draft is the
family's baseline (its statements citing the family's in-scope criteria)
plus a statement for each control with a gap; an LLM draft must cite every
criterion and every gap control. Every deadline and cadence either comes
from the organisation's answers or is a visible ``[TO CONFIRM: …]``
placeholder (``service.drafting.commitments``): templates write them with
``commit(key)``, and an LLM draft that leaves out a placeholder it was given
is retried, then replaced by the template draft.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from openai import APIConnectionError, APIError, APIStatusError, APITimeoutError, AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import ValidationError

from service.drafting.commitments import defined
from service.drafting.document import PolicyDocument, json_schema
from service.drafting.prompt import PROMPT_VERSION, DraftRequest, messages
from service.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class DraftResult:
    document: PolicyDocument
    generator: str  # "LLM" or "TEMPLATE"
    model: str | None
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int


class DrafterUnavailable(Exception):
    """The drafter could not produce an acceptable draft; the message says why."""


class BudgetReached(DrafterUnavailable):
    """A token budget had no room for the next request to the LLM."""


class TokenAllowance(Protocol):
    """Where an LLM request's tokens are reserved before it is sent and settled after."""

    async def reserve(self, tokens: int) -> bool: ...

    async def settle(self, reserved: int, used: int) -> None: ...


class Drafter(Protocol):
    def cost(self, request: DraftRequest) -> int:
        """The most tokens one request for ``request`` is reserved for."""
        ...

    async def draft(
        self,
        request: DraftRequest,
        progress: Progress | None = None,
        allowance: TokenAllowance | None = None,
    ) -> DraftResult: ...


# A conservative token count: byte-level BPE tokenisers average about 4 bytes of English
# or JSON per token, so a third of the UTF-8 bytes over-counts; each message adds a few
# tokens of framing. Should a server still report more, the excess is recorded, not lost.
BYTES_PER_TOKEN = 3
TOKENS_PER_MESSAGE = 8


def estimate_tokens(text: str) -> int:
    return -(-len(text.encode()) // BYTES_PER_TOKEN) + TOKENS_PER_MESSAGE


RESPONSE_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {"name": "policy_document", "schema": json_schema(), "strict": True},
}
# Servers put a structured-output schema into the prompt: it counts like a message.
SCHEMA_TOKENS = estimate_tokens(json.dumps(RESPONSE_FORMAT))


def prompt_estimate(request: DraftRequest) -> int:
    """Tokens the prompt of ``request`` may take: its messages and the response schema."""
    return SCHEMA_TOKENS + sum(estimate_tokens(m["content"]) for m in messages(request))


async def _ignore(_text: str) -> None:
    return None


class TemplateDrafter:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - renders YAML for a Markdown document, not HTML
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["prose"] = _prose

    def template_for(self, family: str) -> str:
        name = f"{family}.yaml.j2"
        return name if (TEMPLATES / name).exists() else "default.yaml.j2"

    async def draft(self, request: DraftRequest, progress: Progress | None = None) -> DraftResult:
        started = time.perf_counter()
        # Every commitment of the family, as a placeholder unless the request resolved it
        # (a request built without answers, or a branch whose facts the request lacks).
        commitments = {c.key: c.placeholder() for c in defined(request.family_key)}
        commitments |= {c.key: c.wording for c in request.commitments}

        def commit(key: str) -> str:
            return commitments[key]  # a template naming an undefined commitment is a bug: fail

        rendered = self.env.get_template(self.template_for(request.family_key)).render(
            request=request, profile=request.profile, placeholder=_placeholder, commit=commit
        )
        fields = yaml.safe_load(rendered)
        fields["statements"] = _statements(request, fields.get("statements") or [])
        document = PolicyDocument.model_validate(fields)
        await (progress or _ignore)(document.title)
        return DraftResult(
            document=document,
            generator="TEMPLATE",
            model=None,
            prompt_version=f"template-{self.template_for(request.family_key)}",
            prompt_tokens=0,
            completion_tokens=0,
            latency_ms=int((time.perf_counter() - started) * 1000),
        )


def _placeholder(what: str) -> str:
    return f"[TO CONFIRM: {what}]"


def _prose(text: str) -> str:
    """Template prose as one line: templates wrap their sentences freely."""
    return " ".join(text.split())


StatementFields = dict[str, Any]


def _statements(request: DraftRequest, baseline: list[StatementFields]) -> list[StatementFields]:
    """The family's baseline, then one statement per gap control, then the rest.

    A baseline statement keeps the criteria it cites that the request covers (the
    family's in-scope criteria) and is left out when it cites none of them (a privacy
    statement when privacy is out of scope). A criterion that nothing else cites gets a
    statement of its own, so the draft answers for exactly the request's criteria (as an
    LLM draft must).
    """
    statements: list[StatementFields] = []
    for statement in baseline:
        cited = [ref for ref in statement["criteria"] if ref in request.criterion_refs]
        if cited:
            statements.append({**statement, "criteria": cited})
    statements += _gap_statements(request)
    covered = {ref for statement in statements for ref in statement["criteria"]}
    statements += [
        {
            "text": f"The company meets {criterion.title.lower()}: {criterion.description}",
            "criteria": [criterion.ref],
            "controls": [],
        }
        for criterion in request.criteria
        if criterion.ref not in covered
    ]
    return statements


# Cadence words in a control's evidence ("Quarterly access review records"): the cadence is
# a commitment of its own, so the evidence is named without it.
_CADENCE = re.compile(
    r"\b(?:daily|weekly|monthly|quarterly|semi-annual|six-monthly|annual|yearly)\s+", re.I
)


def _uncadenced(text: str) -> str:
    return _CADENCE.sub("", text).strip()


def _evidence(items: list[str]) -> str:
    named = [_uncadenced(item) for item in items]
    return "; ".join(item[:1].lower() + item[1:] for item in named if item)


def _gap_statements(request: DraftRequest) -> list[StatementFields]:
    """A statement for each control with a gap: put in place, owned, and leaving evidence."""
    gaps = set(request.gaps)
    statements: list[StatementFields] = []
    for control in request.controls:
        wanted = [ref for ref in control.criteria if ref in request.criterion_refs]
        if control.key not in gaps or not wanted:
            continue
        name, evidence = _uncadenced(control.name), _evidence(control.evidence)
        kept = f" and keeps, each time it runs, evidence an auditor can sample: {evidence}"
        owner = _placeholder(f"owner of {control.key}")
        statements.append(
            {
                "text": f"{name[:1].upper() + name[1:]} ({control.key}) is put in place as this "
                f"policy describes: it has a named owner ({owner}){kept if evidence else ''}.",
                "criteria": wanted,
                "controls": [control.key],
            }
        )
    return statements


class OpenAIDrafter:
    def __init__(self, settings: Settings) -> None:
        """The drafter ``settings`` configure; they must name a key and a model
        (``settings.llm_enabled``)."""
        if settings.openai_api_key is None or settings.openai_model is None:
            raise ValueError("the settings configure no LLM")
        self.client = AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=0,
        )
        self.model = settings.openai_model
        self.max_completion_tokens = settings.draft_max_completion_tokens
        self.retries = settings.openai_retries
        self.backoff = settings.openai_backoff_seconds

    async def close(self) -> None:
        await self.client.close()

    def cost(self, request: DraftRequest) -> int:
        return prompt_estimate(request) + self.max_completion_tokens

    async def _complete(
        self, request: DraftRequest, progress: Progress, allowance: TokenAllowance | None
    ) -> tuple[str, int, int]:
        """One streamed completion, retried with backoff on 429, 5xx and connection errors.

        Each attempt reserves its cost first and settles it after: to the usage the server
        reports; to nothing when the server refused (an HTTP error status) or could not be
        reached; to the whole reservation when it may have generated without saying how
        much (a stream cut short, a timeout, no usage reported)."""
        cost = self.cost(request)
        for attempt in range(self.retries + 1):
            if allowance is not None and not await allowance.reserve(cost):
                raise BudgetReached("the daily drafting token budget is reached")
            used, answering = cost, False
            try:
                stream = await self.client.chat.completions.create(
                    model=self.model,
                    messages=cast("list[ChatCompletionMessageParam]", messages(request)),
                    response_format=RESPONSE_FORMAT,
                    stream=True,
                    stream_options={"include_usage": True},
                    max_tokens=self.max_completion_tokens,
                    temperature=0.2,
                )
                answering = True
                text: list[str] = []
                usage: tuple[int, int] | None = None
                async for chunk in stream:
                    if chunk.usage is not None:
                        usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices:
                        if choice.delta.content:
                            text.append(choice.delta.content)
                            await progress(choice.delta.content)
                if usage is None:
                    return "".join(text), 0, 0
                used = usage[0] + usage[1]
                return "".join(text), usage[0], usage[1]
            except APIStatusError as error:
                used = 0
                retryable = error.status_code == 429 or error.status_code >= 500
                if not retryable or attempt == self.retries:
                    raise DrafterUnavailable(
                        f"LLM endpoint answered HTTP {error.status_code}"
                    ) from None
            except APITimeoutError:
                raise DrafterUnavailable("LLM endpoint timed out") from None
            except APIConnectionError:
                used = cost if answering else 0
                if attempt == self.retries:
                    raise DrafterUnavailable("LLM endpoint unreachable") from None
            except (APIError, ValueError) as error:
                # An error event in the middle of a stream, or a body that is not the JSON
                # the protocol promises: retried like a 5xx.
                if attempt == self.retries:
                    reason = type(error).__name__
                    raise DrafterUnavailable(f"LLM stream failed ({reason})") from None
            finally:
                if allowance is not None:
                    await allowance.settle(cost, used)
            await asyncio.sleep(self.backoff * 2**attempt)
        raise DrafterUnavailable("LLM endpoint kept failing")

    async def draft(
        self,
        request: DraftRequest,
        progress: Progress | None = None,
        allowance: TokenAllowance | None = None,
    ) -> DraftResult:
        started = time.perf_counter()
        prompt_total = completion_total = 0
        problem = "no answer"
        for _ in range(2):
            text, prompt_tokens, completion_tokens = await self._complete(
                request, progress or _ignore, allowance
            )
            prompt_total += prompt_tokens
            completion_total += completion_tokens
            try:
                document = PolicyDocument.model_validate_json(text)
            except ValidationError as error:
                problem = f"draft did not match the policy schema ({error.error_count()} problems)"
                continue
            shortfall = _shortfall(request, document)
            if shortfall is not None:
                problem = shortfall
                continue
            return DraftResult(
                document=document,
                generator="LLM",
                model=self.model,
                prompt_version=PROMPT_VERSION,
                prompt_tokens=prompt_total,
                completion_tokens=completion_total,
                latency_ms=int((time.perf_counter() - started) * 1000),
            )
        raise DrafterUnavailable(problem)


def _shortfall(request: DraftRequest, document: PolicyDocument) -> str | None:
    """Why an LLM draft does not do what was asked, or None when it does."""
    missing = request.criterion_refs - document.criteria()
    invented = document.criteria() - request.criterion_refs
    if missing or invented:
        return (
            f"draft did not address the requested criteria (missing {sorted(missing)}, "
            f"unknown {sorted(invented)})"
        )
    cited = {key for statement in document.statements for key in statement.controls}
    uncited = [key for key in request.gaps if key not in cited]
    if uncited:
        return f"draft did not cite the gap controls {uncited}"
    text = document.model_dump_json()
    dropped = [
        c.key
        for c in request.unconfirmed
        if json.dumps(c.placeholder, ensure_ascii=False)[1:-1] not in text
    ]
    if dropped:
        return f"draft left out the placeholders of the commitments {dropped}"
    return None
