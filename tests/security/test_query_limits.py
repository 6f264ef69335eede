"""Classes 1, 2 and the suggestions of 9: query limits, static cost, response size.

The concurrency test runs the app on a real uvicorn in a thread of its own (its own event
loop), so a request that pins the server cannot also stall the test: ``wait_for`` guards
against a hang (the old depth and alias rules took hours on the fan-out payload), and
/healthz is probed from the test's loop while the attacks are in flight.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
import uvicorn
import yaml
from graphql import parse, validate
from pymongo import AsyncMongoClient

from service.api import limits
from service.api.extensions import error_shaping
from service.api.schema import build_schema
from service.app import create_app
from service.catalog import models
from service.settings import Settings
from service.storage.embedded import free_loopback_port
from tests import catalog_samples, factories
from tests.conftest import GraphQLClient, production, user_key

HANG_GUARD = 20.0
ROOT = Path(__file__).resolve().parents[2]

REPORT = """
report { readiness completeness categories { category score }
  criteria { criterion { ref title controls { key name } } status score drivers { questionKey value } }
  controls { control { key name criteria { ref } } status score }
  gaps { kind severity title remediation criterion { ref } control { key } criteria { ref } }
  earliestObservationStart earliestReportDate }
"""


@pytest.fixture
def frameworks_dir() -> Path:
    """The shipped catalog: the attacks walk SOC 2's criteria and controls."""
    return Settings().frameworks_dir


def fan_out(fragments: int, spreads: int) -> str:
    """Each fragment spreads the one before it several times: exponential when walked."""
    definitions = ["fragment F0 on Control { key name criteria { ref } }"]
    for i in range(1, fragments):
        copies = " ".join(f"...F{i - 1}" for _ in range(spreads))
        definitions.append(f"fragment F{i} on Control {{ key {copies} }}")
    last = fragments - 1
    operation = f'{{ framework(key: "soc2") {{ controls {{ ...F{last} }} }} }}'
    return " ".join([operation, *definitions])


# The 137-byte walk: framework -> controls -> criteria -> controls -> ...
WALK = (
    '{framework(key:"soc2"){controls{criteria{controls{criteria{controls{criteria'
    "{controls{criteria{controls{criteria{key name}}}}}}}}}}}}"
)


def aliased_reports(assessment_id: str, count: int) -> str:
    """``count`` full reports of one assessment, one fragment spread under each alias."""
    reports = " ".join(
        f'r{i}: assessment(id: "{assessment_id}") {{ ...Full }}' for i in range(count)
    )
    return "{ " + reports + " } fragment Full on Assessment { " + REPORT + " }"


REPEATED = "{ " + " ".join("organizations { nodes { id name } }" for _ in range(100)) + " }"


def refusal(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED", body
    message: str = error["message"]
    return message


async def soc2_assessment(client: GraphQLClient) -> str:
    organization = await factories.organization(client)
    created = await factories.assessment(
        client, organization, name="Attack target", framework_key="soc2"
    )
    assessment_id: str = created["id"]
    return assessment_id


# --- class 1: validation is linear in the document -----------------------------------


def test_fan_out_is_measured_once_per_fragment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work is counted, not timed: one measure per selection set of the document."""
    document = parse(fan_out(fragments=30, spreads=3))
    selection_sets = fan_out(30, 3).count("{") - 1  # the operation's braces aside
    calls = 0
    measure = limits._DocumentMeasure.selections

    def counted(self: Any, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        return measure(self, *args)

    monkeypatch.setattr(limits._DocumentMeasure, "selections", counted)
    errors = validate(build_schema()._schema, document, limits.VALIDATION_RULES)
    assert calls <= selection_sets + 1  # 3**29 spreads, about 30 fragment walks
    assert errors[0].extensions == {"code": "LIMIT_EXCEEDED"}
    assert "costs more than" in errors[0].message


async def test_fan_out_is_refused_with_limit_exceeded(alice: GraphQLClient) -> None:
    message = refusal(await alice(fan_out(fragments=20, spreads=3), expect_errors=True))
    assert "the limit is 100000" in message
    too_many = fan_out(fragments=40, spreads=3)
    assert "fragment spreads found. Allowed: 100" in refusal(
        await alice(too_many, expect_errors=True)
    )
    definitions = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(51))
    spreads = " ".join(f"...F{i}" for i in range(51))
    assert "51 fragment definitions found" in refusal(
        await alice(f"{{ {spreads} }} {definitions}", expect_errors=True)
    )


async def test_depth_and_aliases_count_through_fragments(alice: GraphQLClient) -> None:
    # Six fragments nest two levels each: depth 14 through spreads.
    fragments = ["fragment D0 on Control { key }"]
    for i in range(1, 7):
        fragments.append(
            f"fragment D{i} on Control {{ criteria {{ controls {{ ...D{i - 1} }} }} }}"
        )
    deep = '{ framework(key: "soc2") { controls { ...D6 } } } ' + " ".join(fragments)
    assert "exceeds maximum operation depth of 12" in refusal(await alice(deep, expect_errors=True))
    # Ten aliases spread six times: 60 aliases in the executed operation.
    aliases = " ".join(f"a{i}: __typename" for i in range(10))
    spread = " ".join("...A" for _ in range(6))
    body = await alice(f"{{ {spread} }} fragment A on Query {{ {aliases} }}", expect_errors=True)
    assert "60 aliases found. Allowed: 50" in refusal(body)
    # Five spreads of it stay at the limit.
    fine = await alice(
        "{ " + " ".join("...A" for _ in range(5)) + f" }} fragment A on Query {{ {aliases} }}"
    )
    assert fine["data"]["a0"] == "Query"


async def test_repeated_fields_stop_at_the_merging_budget(alice: GraphQLClient) -> None:
    message = refusal(await alice(REPEATED, expect_errors=True))
    assert f"within {limits.OVERLAP_BUDGET} comparisons" in message
    few = "{ " + " ".join("organizations { nodes { id name } }" for _ in range(5)) + " }"
    assert (await alice(few))["data"]["organizations"]["nodes"] == []


def test_validation_past_its_deadline_is_refused_and_not_cached() -> None:
    @strawberry.type
    class Query:
        hello: str = "hi"

    late = limits.operation_limits(seconds=-1.0)
    with pytest.raises(limits.ValidationTimeout):
        validate(build_schema()._schema, parse("{ __typename }"), [late])

    schema = strawberry.Schema(
        query=Query,
        extensions=[lambda: limits.ValidationRules((late,)), error_shaping(production=True)],
    )
    result = schema.execute_sync("{ hello }")
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "LIMIT_EXCEEDED"}
    assert "validation took longer than" in result.errors[0].message


# --- class 2: static cost, response size -------------------------------------------


async def test_the_catalog_walk_is_refused_before_execution(alice: GraphQLClient) -> None:
    assert len(WALK.encode()) <= 137
    message = refusal(await alice(WALK, expect_errors=True))
    assert "costs more than 100000000; the limit is 100000" in message


async def test_fifty_aliased_reports_are_refused_and_one_report_passes(
    alice: GraphQLClient,
) -> None:
    assessment_id = await soc2_assessment(alice)
    message = refusal(await alice(aliased_reports(assessment_id, 50), expect_errors=True))
    assert "the limit is 100000" in message
    one = await alice(aliased_reports(assessment_id, 1))
    report = one["data"]["r0"]["report"]
    assert report["criteria"]
    assert report["gaps"]


async def test_a_page_of_a_hundred_assessments_with_gaps_is_within_cost(
    alice: GraphQLClient,
) -> None:
    query = """query($id: ID!) { organization(id: $id) { assessments(first: 100) { nodes { id
      report { readiness gaps { kind } } } } } }"""
    body = await alice(query, {"id": await factories.organization(alice)})
    assert body["data"]["organization"]["assessments"]["nodes"] == []


def test_catalog_list_sizes_cover_the_shipped_catalog() -> None:
    soc2 = ROOT / "frameworks" / "soc2"
    framework = yaml.safe_load((soc2 / "framework.yaml").read_text())
    controls = yaml.safe_load((soc2 / "controls.yaml").read_text())
    questionnaire = yaml.safe_load((soc2 / "questionnaire.yaml").read_text())
    criteria = framework["criteria"]
    per_criterion: dict[str, int] = {}
    for control in controls["controls"]:
        for ref in control["criteria"]:
            key = ref if isinstance(ref, str) else ref["ref"]
            per_criterion[key] = per_criterion.get(key, 0) + 1
    questions = [q for s in questionnaire["sections"] for q in s["questions"]]
    sizes = limits.LIST_SIZES
    assert sizes["Framework", "criteria"] >= len(criteria)
    assert sizes["Framework", "controls"] >= len(controls["controls"])
    assert sizes["Framework", "policyFamilies"] >= len(controls["policy_families"])
    assert sizes["Criterion", "pointsOfFocus"] >= max(len(c["points_of_focus"]) for c in criteria)
    assert sizes["Criterion", "controls"] >= max(per_criterion.values())
    assert sizes["Control", "criteria"] >= max(len(c["criteria"]) for c in controls["controls"])
    assert sizes["Questionnaire", "sections"] >= len(questionnaire["sections"])
    sections = sizes["Questionnaire", "sections"]
    assert sizes["QuestionnaireSection", "questions"] * sections >= len(questions)
    assert sizes["Question", "controls"] >= max(len(q.get("controls", [])) for q in questions)
    assert sizes["Assessment", "answers"] >= len(questions)


async def test_an_oversized_response_becomes_limit_exceeded(
    alice: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = '{ framework(key: "soc2") { controls { key name description remediation } } }'
    full = await alice.raw(query)
    assert len(full.content) > 20_000
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 20_000)
    capped = await alice(query, expect_errors=True)
    message = refusal(capped)
    assert f"the response of {len(full.content)} bytes is over the limit of 20000" in message


# --- class 9: no suggestions in production -----------------------------------------


async def test_production_errors_suggest_nothing(settings: Settings, tmp_path: Path) -> None:
    development = settings.model_copy(update={"frameworks_dir": Path("/nonexistent")})
    in_production = production(development, tmp_path)
    misspelled = "{ organizatons(first: 1) { nodes { id } } }"
    bad_enum = """mutation($i: AddMemberInput!) { addMember(input: $i) { errors { code } } }"""
    enum_input = {"i": {"organizationId": "x", "subject": "s", "role": "OWNR"}}
    messages: dict[str, list[str]] = {}
    for each in (in_production, development):
        app = create_app(each)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            client = GraphQLClient(http, await user_key("user:speller"))
            field = await client(misspelled, expect_errors=True)
            enum = await client(bad_enum, enum_input, expect_errors=True)
            messages[each.environment] = [
                field["errors"][0]["message"],
                enum["errors"][0]["message"],
            ]
    assert all("Did you mean" in m for m in messages["development"]), messages
    assert not any("Did you mean" in m for m in messages["production"]), messages
    assert "organizatons" in messages["production"][0]
    assert "OWNR" in messages["production"][1]


# --- every attack against a real server, /healthz probed meanwhile -------------------


@asynccontextmanager
async def served_in_thread(
    settings: Settings,
) -> AsyncIterator[tuple[str, asyncio.AbstractEventLoop]]:
    """The app on a real uvicorn with its own event loop in a daemon thread."""
    port = free_loopback_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", loop
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, HANG_GUARD)
        loop.close()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
        )
        await client.drop_database(settings.mongodb_db)
        await client.close()


def on(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, str]) -> Any:
    return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, loop))


async def test_attacks_are_refused_while_healthz_answers(settings: Settings) -> None:
    async with (
        served_in_thread(settings) as (base, loop),
        httpx.AsyncClient(base_url=base, timeout=HANG_GUARD) as http,
    ):
        key = await on(loop, user_key("user:attacker"))
        client = GraphQLClient(http, key)
        assessment_id = await soc2_assessment(client)
        attacks = {
            "fan-out": fan_out(fragments=20, spreads=3),
            "walk": WALK,
            "fifty reports": aliased_reports(assessment_id, 50),
            "repeated fields": REPEATED,
        }
        for name, query in attacks.items():
            probes: list[float] = []
            done = asyncio.Event()

            async def probe(probes: list[float] = probes, done: asyncio.Event = done) -> None:
                while not done.is_set():
                    started = time.monotonic()
                    response = await http.get("/healthz")
                    probes.append(time.monotonic() - started)
                    assert response.status_code == 200
                    await asyncio.sleep(0.01)

            async def attack(copy: int, query: str = query) -> dict[str, Any]:
                # Trailing spaces make each copy a new text: no parser or validation cache.
                return await client(query + " " * copy, expect_errors=True)

            prober = asyncio.create_task(probe())
            bodies = []
            for copy in range(5):
                started = time.monotonic()
                bodies.append(await asyncio.wait_for(attack(copy), HANG_GUARD))
                refused_in = time.monotonic() - started
            done.set()
            await prober
            for body in bodies:
                refusal(body)
            assert probes, name
            assert max(probes) < 1.0, (name, max(probes))
            print(f"{name}: refused in {refused_in:.3f} s, /healthz at most {max(probes):.3f} s")


IMPORT_FRAMEWORK = """
mutation($input: ImportCatalogDocumentInput!) { importFramework(input: $input) {
  published errors { code field message } } }"""


async def test_an_imported_framework_cannot_outgrow_the_query_price(alice: GraphQLClient) -> None:
    """Unpaged catalog lists are priced at what a catalog document may hold; an
    organisation's own framework past those sizes is refused, so a walk over it can never
    cost more than its static price."""
    org = await factories.organization(alice)
    base = catalog_samples.framework()
    template = base["controls"][0]

    def with_controls(count: int) -> str:
        document = copy.deepcopy(base)
        document["key"] = f"crowded-{count}"
        document["controls"] = [
            {**copy.deepcopy(template), "key": f"C-{n:03d}"} for n in range(count)
        ] + document["controls"][1:]
        return json.dumps(document)

    async def imported(document: str) -> dict[str, Any]:
        variables = {"input": {"organizationId": org, "format": "JSON", "document": document}}
        payload: dict[str, Any] = (await alice(IMPORT_FRAMEWORK, variables))["data"][
            "importFramework"
        ]
        return payload

    fits = await imported(with_controls(models.MAX_CONTROLS_PER_CRITERION))
    assert fits == {"published": True, "errors": []}
    crowded = await imported(with_controls(models.MAX_CONTROLS_PER_CRITERION + 1))
    assert crowded["published"] is False
    assert [e["code"] for e in crowded["errors"]] == ["LIMIT_EXCEEDED"]
    assert "CC1.1 has 26 controls; at most 25" in crowded["errors"][0]["message"]
    too_many = await imported(with_controls(models.MAX_CONTROLS + 1))
    assert too_many["published"] is False
    assert too_many["errors"] and too_many["errors"][0]["code"] in {"INVALID", "LIMIT_EXCEEDED"}
    assert limits.LIST_SIZES["Framework", "controls"] == models.MAX_CONTROLS
    assert limits.LIST_SIZES["Criterion", "controls"] == models.MAX_CONTROLS_PER_CRITERION
