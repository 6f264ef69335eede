"""The real SOC 2 catalog end to end: scenarios a readiness engine must get right."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

REPORT = """
query($id: ID!) { assessment(id: $id) { scope progress { answered total }
  report { readiness earliestObservationStart earliestReportDate
    categories { category score }
    criteria { criterion { ref } status score }
    gaps { kind severity criterion { ref } control { key } } } } }
"""
CATALOG = """
{ framework(key: "soc2") { criteria { ref pointsOfFocus { topic } } controls { key criteria { ref } } }
  questionnaire(key: "soc2-readiness") { questionCount
    coverage { pointsOfFocusTotal pointsOfFocusCovered uncovered } sections { questions { kind controls { key } } } } }
"""


async def report(client: GraphQLClient, assessment_id: str) -> dict[str, Any]:
    data = (await client(REPORT, {"id": assessment_id}))["data"]["assessment"]
    return dict(data)


async def scenario(client: GraphQLClient, chooser: soc2.Chooser, **extra: Any) -> dict[str, Any]:
    org_id = await factories.organization(client, "Acme Analytics")
    created = await factories.assessment(
        client,
        org_id,
        name="Readiness 2026",
        framework_key="soc2",
        **{"scope": soc2.ALL_CATEGORIES, **extra},
    )
    await soc2.answer(client, created["id"], chooser)
    # The cloud provider's SOC report is current (its period ended two weeks ago).
    ended = (datetime.now(UTC).date() - timedelta(days=14)).isoformat()
    await soc2.current_cloud_report(client, created["id"], ended)
    return await report(client, created["id"])


def is_incident_response(question: dict[str, Any]) -> bool:
    controls = question["controls"]
    return bool(controls) and all(c["key"].startswith("INC-") for c in controls)


async def test_the_catalog_is_complete(alice: GraphQLClient) -> None:
    data = (await alice(CATALOG))["data"]
    criteria = data["framework"]["criteria"]
    assert len(criteria) == 61
    assert sum(len(c["pointsOfFocus"]) for c in criteria) == 330
    controls = data["framework"]["controls"]
    assert len(controls) >= 100
    addressed = {ref["ref"] for c in controls for ref in c["criteria"]}
    assert addressed == {c["ref"] for c in criteria}
    questionnaire = data["questionnaire"]
    assert questionnaire["questionCount"] >= 150
    months = [q for s in questionnaire["sections"] for q in s["questions"] if q["kind"] == "MONTHS"]
    assert len(months) >= 15
    # Every control's operating history is asked for, or a Type II date could not be told.
    timed = {c["key"] for q in months for c in q["controls"]}
    assert timed == {c["key"] for c in controls}
    assert questionnaire["coverage"] == {
        "pointsOfFocusTotal": 330,
        "pointsOfFocusCovered": 330,
        "uncovered": [],
    }


async def test_all_best_answers_are_ready(alice: GraphQLClient) -> None:
    result = await scenario(alice, soc2.best(12))
    assert len(result["scope"]) == 5
    assert result["report"]["readiness"] >= 95
    assert [g for g in result["report"]["gaps"] if g["kind"] == "DESIGN"] == []
    assert all(c["status"] == "MET" for c in result["report"]["criteria"])
    assert result["progress"]["answered"] == result["progress"]["total"]


async def test_all_worst_answers_meet_nothing(alice: GraphQLClient) -> None:
    result = await scenario(alice, soc2.worst)
    assert result["report"]["readiness"] <= 15
    assert not any(c["status"] == "MET" for c in result["report"]["criteria"])
    assert any(g["severity"] == "CRITICAL" for g in result["report"]["gaps"])


async def test_everything_but_incident_response(alice: GraphQLClient) -> None:
    best = await scenario(alice, soc2.best(12))
    worst = await scenario(alice, soc2.worst)
    org_id = await factories.organization(alice, "No IR")
    created = await factories.assessment(alice, org_id, name="Readiness 2026", framework_key="soc2")
    choose_best = soc2.best(12)
    await soc2.answer(
        alice,
        created["id"],
        lambda q: soc2.worst(q) if is_incident_response(q) else choose_best(q),
    )
    result = await report(alice, created["id"])
    statuses = {c["criterion"]["ref"]: c["status"] for c in result["report"]["criteria"]}
    assert {statuses[ref] for ref in ("CC7.3", "CC7.4", "CC7.5")} <= {"NOT_MET", "PARTIAL"}
    assert "MET" not in {statuses[ref] for ref in ("CC7.3", "CC7.4")}
    design = [g for g in result["report"]["gaps"] if g["kind"] == "DESIGN"]
    assert design
    assert all(g["control"]["key"].startswith("INC-") for g in design)
    assert any(g["criterion"]["ref"].startswith("CC7.") for g in design)
    readiness = result["report"]["readiness"]
    assert worst["report"]["readiness"] < readiness < best["report"]["readiness"]


async def test_two_months_of_operation_against_a_six_month_window(alice: GraphQLClient) -> None:
    result = await scenario(alice, soc2.best(2), observationWindowMonths=6)
    operating = [g for g in result["report"]["gaps"] if g["kind"] == "OPERATING"]
    assert operating
    assert [g for g in result["report"]["gaps"] if g["kind"] == "DESIGN"] == []
    ready = await scenario(alice, soc2.best(12), observationWindowMonths=6)
    later = date.fromisoformat(result["report"]["earliestReportDate"])
    assert later > date.fromisoformat(ready["report"]["earliestReportDate"])

    type_1 = await scenario(alice, soc2.best(2), auditType="TYPE_1")
    assert [g for g in type_1["report"]["gaps"] if g["kind"] == "OPERATING"] == []
