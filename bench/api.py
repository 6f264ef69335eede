"""The API path: GraphQL overhead over a plain JSON route, and how pages scale.

- overhead: one full report through Starlette + Strawberry vs the same report
  dict built from the same service call and serialised by a plain Starlette route;
- look-up by id: the same report when its organisation holds 100 assessments vs 1;
- page size: a page of 100 assessments with their category scores vs a page of 1;
- data size: the same page of 20 when the database holds 10,000 assessments vs 100.
"""

from __future__ import annotations

import random
from typing import Any

from bson import ObjectId
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.engine import SCOPING
from bench.support import (
    Client,
    embedded_database,
    in_process_app,
    median_seconds,
    paired_medians,
)
from service.assessment.service import AssessmentService
from service.catalog.repository import CatalogRepository
from service.storage.documents import AssessmentRecord
from service.storage.tenancy import Access

REPORT = """
query($id: ID!) { assessment(id: $id) { report { readiness completeness
  categories { category score criteriaMet criteriaTotal }
  criteria { criterion { ref } status score }
  gaps { kind severity criterion { ref } control { key } title effortWeeks } } } }
"""
PAGE = """
query($id: ID!, $first: Int!) { organization(id: $id) { assessments(first: $first) {
  nodes { id name status readiness completeness report { categories { category score } } } } } }
"""
ORG = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }"
CREATE = """
mutation($o: ID!) { createAssessment(input: {organizationId: $o, name: "Bench",
  frameworkKey: "soc2",
  scope: [SECURITY, AVAILABILITY, PROCESSING_INTEGRITY, CONFIDENTIALITY, PRIVACY],
  auditType: TYPE_2}) { assessment { id version } } }
"""
QUESTIONS = """
query($id: ID!) { assessment(id: $id) { questionnaire { sections { questions {
  key kind role options { value score } } } } } }
"""
SAVE = """
mutation($input: SaveAnswersInput!) { saveAnswers(input: $input) {
  assessment { version } errors { code message } } }
"""


def random_answers(questions: list[dict[str, Any]], rng: random.Random) -> list[dict[str, str]]:
    answers = []
    for question in questions:
        if question["role"] == "SCOPING":
            value = SCOPING.get(question["key"])
        elif question["kind"] == "MONTHS":
            value = str(rng.randint(0, 12))
        else:
            value = rng.choice([o["value"] for o in question["options"]])
        if value is not None:
            answers.append({"questionKey": question["key"], "value": value})
    return answers


async def answered_assessment(client: Client, org_id: str, rng: random.Random) -> str:
    created = (await client(CREATE, {"o": org_id}))["createAssessment"]["assessment"]
    sections = (await client(QUESTIONS, {"id": created["id"]}))["assessment"]["questionnaire"]
    questions = [q for s in sections["sections"] for q in s["questions"]]
    variables = {
        "assessmentId": created["id"],
        "expectedVersion": created["version"],
        "answers": random_answers(questions, rng),
    }
    await client(SAVE, {"input": variables})
    return str(created["id"])


def plain_route(app: Any) -> None:
    """The same report, without GraphQL: service call (with the app's caches, as a JSON
    route of the service would have), dict, JSON."""
    services = app.state.services

    async def plain(request: Request) -> Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        principal = await services.authenticator.authenticate(token)
        access = Access(principal, services.memberships)
        assessments = AssessmentService(
            access,
            CatalogRepository(services.catalog),
            services.engine_models,
            services.clock,
            services.settings.report_lag_days,
            services.ledger_histories,
            services.decoded_reports,
        )
        view = await assessments.get(ObjectId(request.path_params["id"]))
        assert view is not None
        report = view.report
        return JSONResponse(
            {
                "readiness": report.readiness,
                "completeness": report.completeness,
                "categories": [
                    {
                        "category": c.category,
                        "score": c.score,
                        "criteriaMet": c.criteria_met,
                        "criteriaTotal": c.criteria_total,
                    }
                    for c in report.categories
                ],
                "criteria": [
                    {"criterion": {"ref": c.ref}, "status": c.status.value, "score": c.score}
                    for c in report.criteria
                ],
                "gaps": [
                    {
                        "kind": g.kind.value,
                        "severity": g.severity.value,
                        "criterion": {"ref": g.criterion},
                        "control": {"key": g.control} if g.control else None,
                        "title": g.title,
                        "effortWeeks": g.effort_weeks,
                    }
                    for g in report.gaps
                ],
            }
        )

    app.router.routes.append(Route("/plain/{id}", plain))


async def run(repeat: int = 30) -> dict[str, float]:
    rng = random.Random(11)
    async with embedded_database() as uri, in_process_app(uri, "bench_api") as (app, client):
        plain_route(app)
        org_id = (await client(ORG, {"n": "Bench"}))["createOrganization"]["organization"]["id"]
        ids = [await answered_assessment(client, org_id, rng) for _ in range(100)]
        from service.api.ids import decode_id

        target = ids[0]
        raw_id = str(decode_id("Assessment", target))
        headers = {"Authorization": f"Bearer {client.token}"}

        async def graphql_report() -> None:
            await client(REPORT, {"id": target})

        async def plain_report() -> None:
            response = await client.http.get(f"/plain/{raw_id}", headers=headers)
            response.raise_for_status()

        graphql, plain = await paired_medians(graphql_report, plain_report, repeat)

        # The same report when its organisation holds one assessment, not 100: a look-up by
        # id must not scan the organisation.
        lone_org = (await client(ORG, {"n": "Lone"}))["createOrganization"]["organization"]["id"]
        lone = await answered_assessment(client, lone_org, rng)
        in_org, alone = await paired_medians(
            graphql_report, lambda: client(REPORT, {"id": lone}), repeat
        )

        async def page(first: int) -> None:
            await client(PAGE, {"id": org_id, "first": first})

        page_100, page_1 = await paired_medians(
            lambda: page(100), lambda: page(1), max(repeat // 3, 5)
        )
        page_20_small = await median_seconds(lambda: page(20), repeat)

        # 9,900 more assessments in 99 other organisations: the same page must not slow down.
        collection = AssessmentRecord.get_pymongo_collection()
        template = await collection.find_one({"_id": ObjectId(raw_id)})
        assert template is not None
        for _batch in range(99):
            other = ObjectId()
            docs = [{**template, "_id": ObjectId(), "organization_id": other} for _ in range(100)]
            await collection.insert_many(docs)
        total = await collection.estimated_document_count()
        page_20_large = await median_seconds(lambda: page(20), repeat)
    return {
        "graphql_report_ms": round(graphql * 1000, 2),
        "plain_report_ms": round(plain * 1000, 2),
        "graphql_overhead_ratio": round(graphql / plain, 2),
        "report_in_org_of_100_vs_1_ratio": round(in_org / alone, 2),
        "page_100_vs_1_ratio": round(page_100 / page_1, 2),
        "assessments_in_db": total,
        "page_20_at_10k_vs_100_ratio": round(page_20_large / page_20_small, 2),
    }
