"""Class 7: the LLM token budgets hold under concurrency and across organisations.

The fake LLM is a real OpenAI-compatible server on 127.0.0.1 that reports usage
measured from what it was sent (about 4 bytes a token), so a large prompt costs
what it would cost; a reservation of a fixed size could not cover it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from starlette.applications import Starlette

from service.principal import Principal, PrincipalKind, Role
from service.storage.drafting_documents import LlmUsage, PrincipalLlmUsage
from service.storage.repositories import DraftRepository
from service.storage.tenancy import TenantScope
from tests import factories
from tests.conftest import GraphQLClient, make_settings, running, user_key
from tests.fake_llm import Behaviour
from tests.test_drafting import draft

# Three notes at the answer limit make each prompt about 4,500 tokens, more than the
# 4,000 a draft used to reserve whatever its size.
LONG_NOTE = ("Access reviews are done by the platform team in a shared sheet. " * 70)[:4000]


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour(usage=None, delay=0.02)


@asynccontextmanager
async def drafting_app(
    mongo_uri: str, db_name: str, frameworks: Path, llm_url: str, **budgets: int
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        mongo_uri,
        db_name,
        frameworks,
        openai_api_key="sk-x",
        openai_base_url=llm_url,
        openai_model="m",
        openai_retries=0,
        draft_max_completion_tokens=2_000,
        **budgets,
    )
    async with running(settings) as http:
        yield http


ANSWERS = [
    {"questionKey": "scope.personal_data", "value": "yes"},
    {"questionKey": "iam.reviews", "value": "no", "note": LONG_NOTE},
    {"questionKey": "iam.months", "value": "2", "note": LONG_NOTE},
    {"questionKey": "log.central", "value": "1", "note": LONG_NOTE},
    {"questionKey": "prv.notice", "value": "no"},
]


async def organisation_with_assessment(client: GraphQLClient, name: str) -> tuple[str, str]:
    """A new organisation and an assessment with design gaps and long notes."""
    org = await factories.organization(client, name)
    # factories.answers fails the test unless saveAnswers reports no errors.
    return org, await factories.answered_assessment(client, org, ANSWERS)


async def watch(rows: Any, peak: dict[str, int], stop: asyncio.Event) -> None:
    """Record the highest total each usage row reaches while the drafts run."""
    while not stop.is_set():
        async for row in rows.find({}, {"tokens": 1}):
            key = str(row["_id"])
            peak[key] = max(peak.get(key, 0), int(row["tokens"]))
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.005)


async def test_fifty_concurrent_drafts_never_spend_past_the_budget(
    mongo_uri: str, db_name: str, mini_frameworks: Path, llm_url: str, behaviour: Behaviour
) -> None:
    budget = 40_000
    async with drafting_app(
        mongo_uri, db_name, mini_frameworks, llm_url, draft_daily_token_budget=budget
    ) as http:
        client = GraphQLClient(http, await user_key("user:racer"))
        org, first = await organisation_with_assessment(client, "Racer")
        # Drafting the same inputs again returns the same drafts, so the 50 calls go to 25
        # assessments of the one organisation (whose budget they share), two calls each.
        assessments = [first]
        for _ in range(24):
            assessments.append(await factories.answered_assessment(client, org, ANSWERS))
        stop = asyncio.Event()
        peak: dict[str, int] = {}
        watcher = asyncio.create_task(watch(LlmUsage.get_pymongo_collection(), peak, stop))
        results = await asyncio.gather(*(draft(client, a) for a in assessments * 2))
        stop.set()
        await watcher
        usage = await LlmUsage.find_one({})
        # A call that finds a family drafted from the same inputs returns that draft, maybe
        # while the other call still writes it: count each draft once, as it was finished.
        drafts = []
        for assessment in assessments:
            listed = await client(
                """query($a: ID!) { assessment(id: $a) { policyDrafts { id generator
                  fallbackReason provenance { promptTokens completionTokens } } } }""",
                {"a": assessment},
            )
            drafts += listed["data"]["assessment"]["policyDrafts"]

    llm = [d for d in drafts if d["generator"] == "LLM"]
    refused = [r for r in results if r["errors"]]
    assert usage is not None
    # Every request sets the completion cap the reservation counted on.
    assert behaviour.requests and all(r["body"]["max_tokens"] == 2_000 for r in behaviour.requests)
    # What was recorded (trued up to the usage the server reported) stays within the budget,
    # and so did every intermediate total, reservations included.
    assert usage.tokens <= budget
    assert max(peak.values()) <= budget
    reported = sum(
        d["provenance"]["promptTokens"] + d["provenance"]["completionTokens"] for d in llm
    )
    assert usage.tokens == reported
    # The budget was the limit: most of the 100 drafts were refused or templated.
    assert llm and len(llm) < 100
    budget_fallbacks = [d for d in drafts if "budget" in (d["fallbackReason"] or "")]
    assert budget_fallbacks or refused
    assert all(e["code"] == "LIMIT_EXCEEDED" for r in refused for e in r["errors"])


async def test_reservations_are_atomic_and_the_first_of_the_day_must_fit(app: Starlette) -> None:
    """Straight at the repository: no free first reservation, and of twenty first
    reservations racing for a budget that holds one, exactly one is granted."""
    principal = Principal(subject="user:first", kind=PrincipalKind.USER)
    drafts = DraftRepository(TenantScope(ObjectId(), Role.OWNER, principal))
    assert not await drafts.reserve("2030-01-01", "user:first", 5_000, (3_000, 10**6))
    assert await LlmUsage.find_one({}) is None
    granted = await asyncio.gather(
        *(drafts.reserve("2030-01-02", "user:first", 2_000, (3_000, 10**6)) for _ in range(20))
    )
    assert granted.count(True) == 1
    # The principal's row was given back for every organisation reservation refused.
    usage = await PrincipalLlmUsage.find_one({"subject": "user:first", "day": "2030-01-02"})
    assert usage is not None and usage.tokens == 2_000
    refused_by_principal = await asyncio.gather(
        *(drafts.reserve("2030-01-03", "user:first", 2_000, (10**6, 3_000)) for _ in range(20))
    )
    assert refused_by_principal.count(True) == 1
    organisation = await LlmUsage.find_one({"day": "2030-01-03"})
    assert organisation is not None and organisation.tokens == 2_000


async def test_new_organisations_bring_no_fresh_budget(
    mongo_uri: str, db_name: str, mini_frameworks: Path, llm_url: str, behaviour: Behaviour
) -> None:
    per_organisation, per_principal = 30_000, 45_000
    async with drafting_app(
        mongo_uri,
        db_name,
        mini_frameworks,
        llm_url,
        draft_daily_token_budget=per_organisation,
        draft_daily_token_budget_per_principal=per_principal,
    ) as http:
        client = GraphQLClient(http, await user_key("user:multi"))
        created = [await organisation_with_assessment(client, f"Shell {n}") for n in range(4)]
        # Four assessments in each of three organisations (drafting the same inputs twice
        # returns the same drafts, so each call drafts its own).
        assessments = [a for _, a in created[:3]]
        for org, _ in created[:3]:
            for _ in range(3):
                assessments.append(await factories.answered_assessment(client, org, ANSWERS))
        results = await asyncio.gather(*(draft(client, a) for a in assessments))
        principal = await PrincipalLlmUsage.find_one({"subject": "user:multi"})
        assert principal is not None
        organisations = await LlmUsage.find_all().to_list()
        # Each organisation within its budget, and all of them together within the
        # principal's, which is below the sum of the organisations' budgets.
        assert all(row.tokens <= per_organisation for row in organisations)
        assert sum(row.tokens for row in organisations) == principal.tokens <= per_principal
        drafts = [d for r in results for d in r["drafts"]]
        assert any("budget" in (d["fallbackReason"] or "") for d in drafts) or any(
            r["errors"] for r in results
        )

        # An API key minted in yet another organisation spends its creator's budget.
        org, assessment = created[3]
        minted = await factories.api_key(client, org, "bot", role="ASSESSOR")
        key = GraphQLClient(http, minted["secret"])
        before = principal.tokens
        payload = await draft(key, assessment)
        after = await PrincipalLlmUsage.find_one({"subject": "user:multi"})
        assert after is not None and before <= after.tokens <= per_principal
        assert await PrincipalLlmUsage.find({"subject": {"$regex": "^apikey:"}}).count() == 0
        if any(d["generator"] == "LLM" for d in payload["drafts"]):
            assert after.tokens > before
