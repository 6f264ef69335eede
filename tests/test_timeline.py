"""The Type II timeline through GraphQL on the SOC 2 catalog: dated, explained, calibrated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from service.scoring.rules import add_months, months_between
from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

TIMELINE = """status earliestObservationStart earliestReportDate latestReportDate type1ReportDate
  targetDate meetsTarget blockers { control { key keyControl effortWeeks } reason holdsStartUntil
  criteria { ref } }"""
REPORT = f"""
query($id: ID!, $asOf: Date) {{ assessment(id: $id) {{ status version submittedAt
  report(asOf: $asOf) {{ asOf earliestObservationStart earliestReportDate
    timeline {{ {TIMELINE} }}
    criteria {{ criterion {{ ref }} status }}
    controls {{ control {{ key keyControl effortWeeks }} status operatingSince monthsOperated }}
    gaps {{ id kind control {{ key }} questionKey }} }} }} }}
"""
SUBMIT = """mutation($id: ID!) { submitAssessment(input: {assessmentId: $id}) {
  assessment { status submittedAt } errors { code field message } } }"""


def today() -> date:
    return datetime.now(UTC).date()


def set_today(app: Starlette, day: date) -> None:
    """Moves the service's calendar (what "today" is for reports and dated answers)."""
    app.state.services.clock = lambda: day


async def report(client: GraphQLClient, assessment_id: str, as_of: date | None = None) -> Any:
    variables = {"id": assessment_id, "asOf": as_of.isoformat() if as_of else None}
    return (await client(REPORT, variables))["data"]["assessment"]


async def assessed(
    client: GraphQLClient, chooser: soc2.Chooser, audit_type: str = "TYPE_2", **extra: Any
) -> str:
    org_id = await factories.organization(client)
    created = await factories.assessment(
        client,
        org_id,
        framework_key="soc2",
        audit_type=audit_type,
        **{"scope": soc2.ALL_CATEGORIES, **extra},
    )
    await soc2.answer(client, created["id"], chooser)
    # The company has its cloud provider's current SOC report (see test_subservices).
    ended = (today() - timedelta(days=14)).isoformat()
    await soc2.current_cloud_report(client, created["id"], ended)
    return str(created["id"])


def evidence_no(months: int) -> soc2.Chooser:
    """Everything in place and running ``months``, but every evidence question "no"."""
    best = soc2.best(months)

    def choose(question: dict[str, Any]) -> str | None:
        if question["role"] == "EVIDENCE":
            return soc2.ranked(question)[-1]
        return best(question)

    return choose


async def test_an_empty_assessment_has_no_date_and_an_honest_one_has(
    alice: GraphQLClient,
) -> None:
    org_id = await factories.organization(alice)
    empty = await factories.assessment(alice, org_id, framework_key="soc2")
    result = (await report(alice, empty["id"]))["report"]
    assert result["timeline"]["status"] == "INSUFFICIENT_ANSWERS"
    assert result["timeline"]["earliestReportDate"] is None
    assert result["earliestReportDate"] is None and result["timeline"]["blockers"] == []
    honest = (await report(alice, await assessed(alice, soc2.mixed)))["report"]
    assert honest["timeline"]["status"] in {"READY", "PLANNED"}
    assert honest["earliestReportDate"] is not None


async def test_the_same_answers_give_the_same_date_as_time_passes(
    app: Starlette, alice: GraphQLClient
) -> None:
    """Controls running for two months, everything in place: the window starts the day
    they started, read today, 60 days later (asOf) or with the calendar moved on."""
    assessment_id = await assessed(alice, soc2.best(2))
    now = await report(alice, assessment_id)
    start = date.fromisoformat(now["report"]["earliestObservationStart"])
    assert start == add_months(today(), -2)
    assert now["report"]["timeline"]["status"] == "READY"
    assert {b["reason"] for b in now["report"]["timeline"]["blockers"]} == {"OPERATING_HISTORY"}
    later = await report(alice, assessment_id, today() + timedelta(days=60))
    assert later["report"]["asOf"] == (today() + timedelta(days=60)).isoformat()
    assert later["report"]["earliestReportDate"] == now["report"]["earliestReportDate"]
    assert later["report"]["earliestObservationStart"] == now["report"]["earliestObservationStart"]
    months = {c["monthsOperated"] for c in later["report"]["controls"]}
    started = add_months(today(), -2)
    assert months == {months_between(started, today() + timedelta(days=60))}  # counting on
    assert {c["operatingSince"] for c in later["report"]["controls"]} == {started.isoformat()}
    set_today(app, today() + timedelta(days=60))
    moved = await report(alice, assessment_id)
    assert moved["report"]["earliestReportDate"] == now["report"]["earliestReportDate"]


async def test_a_submitted_report_is_frozen_on_its_submission_day(
    app: Starlette, alice: GraphQLClient
) -> None:
    assessment_id = await assessed(alice, soc2.mixed)
    before = await report(alice, assessment_id)
    submitted = (await alice(SUBMIT, {"id": assessment_id}))["data"]["submitAssessment"]
    assert submitted["errors"] == [] and submitted["assessment"]["submittedAt"]
    set_today(app, today() + timedelta(days=45))
    frozen = await report(alice, assessment_id)
    assert frozen["report"]["asOf"] == today().isoformat()
    assert frozen["report"]["timeline"] == before["report"]["timeline"]
    planned = await report(alice, assessment_id, today() + timedelta(days=45))
    assert planned["report"]["asOf"] == (today() + timedelta(days=45)).isoformat()


async def test_twelve_months_claimed_without_evidence_are_not_back_dated(
    alice: GraphQLClient,
) -> None:
    with_evidence = (await report(alice, await assessed(alice, soc2.best(12))))["report"]
    # A year of evidence: the 6-month window can lie wholly in the past.
    assert with_evidence["earliestObservationStart"] == add_months(today(), -6).isoformat()
    assert with_evidence["timeline"]["blockers"] == []
    without = (await report(alice, await assessed(alice, evidence_no(12))))["report"]
    assert without["earliestObservationStart"] >= today().isoformat()
    reasons = {b["reason"] for b in without["timeline"]["blockers"]}
    assert "NO_EVIDENCE" in reasons
    assert not any(
        c["status"] == "MET"
        for c in without["criteria"]
        if c["criterion"]["ref"]
        in {
            b_ref["ref"]
            for b in without["timeline"]["blockers"]
            if b["reason"] == "NO_EVIDENCE" and b["control"]["keyControl"]
            for b_ref in b["criteria"]
        }
    )


async def test_one_partial_control_whose_criteria_stay_met_moves_nothing(
    alice: GraphQLClient,
) -> None:
    """A refinement answered "partly" on a non-key control is a recommendation: it holds no
    date, so the date moves by less than the control's design effort (here, not at all)."""
    best = soc2.best(12)
    assessment_id = await assessed(alice, best)
    baseline = await report(alice, assessment_id)
    controls = {c["control"]["key"]: c["control"] for c in baseline["report"]["controls"]}
    candidates = [
        q
        for q in await soc2.questions(alice, assessment_id)
        if q["role"] == "DESIGN"
        and len(q["controls"]) == 1
        and not controls[q["controls"][0]["key"]]["keyControl"]
        and len(soc2.ranked(q)) >= 3
    ]
    version = baseline["version"]
    for question in candidates:
        key = question["controls"][0]["key"]
        middle = soc2.ranked(question)[len(soc2.ranked(question)) // 2]
        version = (
            await factories.answers(
                alice, assessment_id, {question["key"]: middle}, expected_version=version
            )
        )["version"]
        after = (await report(alice, assessment_id))["report"]
        control = next(c for c in after["controls"] if c["control"]["key"] == key)
        met = {c["criterion"]["ref"] for c in after["criteria"] if c["status"] == "MET"}
        if control["status"] == "PARTIAL" and await control_criteria(alice, key) <= met:
            shift = date.fromisoformat(after["earliestReportDate"]) - date.fromisoformat(
                baseline["report"]["earliestReportDate"]
            )
            assert timedelta(0) <= shift <= timedelta(weeks=controls[key]["effortWeeks"])
            assert shift == timedelta(0)
            assert key not in {b["control"]["key"] for b in after["timeline"]["blockers"]}
            assert any(g["control"] and g["control"]["key"] == key for g in after["gaps"])
            return
        # Not the case this test is about: put the answer back and try the next.
        version = (
            await factories.answers(
                alice,
                assessment_id,
                {question["key"]: best(question) or ""},
                expected_version=version,
            )
        )["version"]
    raise AssertionError("no non-key control found whose partial design keeps its criteria met")


async def control_criteria(client: GraphQLClient, key: str) -> set[str]:
    query = """query($key: String!) { framework(key: "soc2") { controls(search: $key) {
      key criteria { ref } } } }"""
    controls = (await client(query, {"key": key}))["data"]["framework"]["controls"]
    return {r["ref"] for c in controls if c["key"] == key for r in c["criteria"]}


async def test_blockers_explain_the_start_exactly(alice: GraphQLClient) -> None:
    for chooser in (soc2.mixed, soc2.best(3), evidence_no(9)):
        result = (await report(alice, await assessed(alice, chooser)))["report"]
        timeline = result["timeline"]
        start = date.fromisoformat(timeline["earliestObservationStart"])
        holds = [date.fromisoformat(b["holdsStartUntil"]) for b in timeline["blockers"]]
        floor = add_months(today(), -6)
        assert start == max([floor, *holds])
        assert holds == sorted(holds, reverse=True)
        assert all(day > floor for day in holds)
        assert timeline["status"] == ("PLANNED" if start > today() else "READY")


async def test_gap_ids_stay_the_same_across_unrelated_saves(alice: GraphQLClient) -> None:
    assessment_id = await assessed(alice, soc2.mixed)
    first = await report(alice, assessment_id)
    gaps = {g["id"]: g for g in first["report"]["gaps"]}
    assert len(gaps) == len(first["report"]["gaps"])  # unique
    # Close one gap by answering its question; every other gap keeps its id.
    unanswered = next(g for g in first["report"]["gaps"] if g["kind"] == "UNANSWERED")
    questions = {q["key"]: q for q in await soc2.questions(alice, assessment_id)}
    value = soc2.best(12)(questions[unanswered["questionKey"]])
    await factories.answers(
        alice,
        assessment_id,
        {unanswered["questionKey"]: value or ""},
        expected_version=first["version"],
    )
    second = await report(alice, assessment_id)
    ids = {g["id"] for g in second["report"]["gaps"]}
    assert unanswered["id"] not in ids
    assert set(gaps) - {unanswered["id"]} <= ids | {
        g["id"] for g in first["report"]["gaps"] if g["control"] == unanswered["control"]
    }
    unrelated = {i for i, g in gaps.items() if g["control"] != unanswered["control"]}
    assert unrelated <= ids


async def test_type_1_has_no_operating_history_blockers(alice: GraphQLClient) -> None:
    result = await report(alice, await assessed(alice, soc2.mixed, audit_type="TYPE_1"))
    timeline = result["report"]["timeline"]
    reasons = {b["reason"] for b in timeline["blockers"]}
    assert reasons <= {"DESIGN_GAP", "UNANSWERED"}
    assert timeline["type1ReportDate"] == timeline["earliestReportDate"]


async def test_the_target_date_is_compared(alice: GraphQLClient) -> None:
    target = today() + timedelta(days=400)
    assessment_id = await assessed(alice, soc2.best(2), targetDate=target.isoformat())
    timeline = (await report(alice, assessment_id))["report"]["timeline"]
    assert timeline["targetDate"] == target.isoformat()
    assert timeline["meetsTarget"] is (date.fromisoformat(timeline["earliestReportDate"]) <= target)
    latest = date.fromisoformat(timeline["latestReportDate"])
    assert latest - date.fromisoformat(timeline["earliestReportDate"]) == timedelta(weeks=6)


async def test_as_of_out_of_range_is_refused_with_its_field(alice: GraphQLClient) -> None:
    org_id = await factories.organization(alice)
    created = await factories.assessment(alice, org_id, framework_key="soc2")
    for day in (today() - timedelta(days=1), add_months(today(), 12 * 5) + timedelta(days=1)):
        body = await alice(
            REPORT, {"id": created["id"], "asOf": day.isoformat()}, expect_errors=True
        )
        error = body["errors"][0]
        assert error["extensions"]["code"] == "INVALID"
        assert error["extensions"]["field"] == ["asOf"]
    fine = await report(alice, created["id"], add_months(today(), 12 * 5))
    assert fine["report"]["asOf"] == add_months(today(), 12 * 5).isoformat()


async def test_bad_months_answers_are_refused_and_change_nothing(alice: GraphQLClient) -> None:
    org_id = await factories.organization(alice)
    created = await factories.assessment(alice, org_id, framework_key="soc2")
    mutation = """mutation($input: SaveAnswersInput!) { saveAnswers(input: $input) {
      assessment { version } errors { code field message } } }"""
    for value in ("-1", "1.5", "241", "twelve", "²", "9" * 5000):
        body = await alice(
            mutation,
            {
                "input": {
                    "assessmentId": created["id"],
                    "expectedVersion": created["version"],
                    "answers": [
                        {"questionKey": "iam.sso", "value": "yes"},
                        {"questionKey": "iam.months_access_management", "value": value},
                    ],
                }
            },
        )
        payload = body["data"]["saveAnswers"]
        assert payload["assessment"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("INVALID", ["answers", "1", "value"])
        ], value
    after = await report(alice, created["id"])
    assert after["version"] == created["version"]


async def test_a_short_window_is_only_for_a_first_type_2_report(alice: GraphQLClient) -> None:
    org_id = await factories.organization(alice)
    short = {"framework_key": "soc2", "observationWindowMonths": 3, "scope": soc2.ALL_CATEGORIES}
    first = await factories.assessment(alice, org_id, name="first", **short)
    also_short = await factories.assessment(alice, org_id, name="also short", **short)
    submitted = (await alice(SUBMIT, {"id": first["id"]}))["data"]["submitAssessment"]
    assert submitted["errors"] == []
    # A second short draft made before the first report was submitted cannot follow it.
    second = (await alice(SUBMIT, {"id": also_short["id"]}))["data"]["submitAssessment"]
    assert [e["code"] for e in second["errors"]] == ["INVALID_STATE"]
    create = """mutation($input: CreateAssessmentInput!) { createAssessment(input: $input) {
      assessment { id observationWindowMonths } errors { code field message } } }"""
    variables = {
        "organizationId": org_id,
        "name": "second",
        "frameworkKey": "soc2",
        "scope": [],
        "auditType": "TYPE_2",
    }
    refused = (await alice(create, {"input": {**variables, "observationWindowMonths": 3}}))["data"][
        "createAssessment"
    ]
    assert refused["assessment"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID", ["input", "observationWindowMonths"])
    ]
    six = (await alice(create, {"input": {**variables, "observationWindowMonths": 6}}))["data"][
        "createAssessment"
    ]
    assert six["errors"] == [] and six["assessment"]["observationWindowMonths"] == 6
    type1 = (
        await alice(
            create,
            {"input": {**variables, "auditType": "TYPE_1", "observationWindowMonths": 3}},
        )
    )["data"]["createAssessment"]
    assert type1["errors"] == []


async def test_a_note_edit_keeps_the_months_counting_from_the_first_answer(
    app: Starlette, alice: GraphQLClient
) -> None:
    assessment_id = await assessed(alice, soc2.best(2))
    before = await report(alice, assessment_id)
    set_today(app, today() + timedelta(days=60))
    await factories.answers(
        alice,
        assessment_id,
        [{"questionKey": "iam.months_authentication", "value": "2", "note": "Okta since spring"}],
        expected_version=before["version"],
    )
    after = await report(alice, assessment_id)
    assert (
        after["report"]["earliestObservationStart"] == before["report"]["earliestObservationStart"]
    )
    assert after["report"]["earliestReportDate"] == before["report"]["earliestReportDate"]


async def test_a_list_shows_the_same_timeline_as_a_single_read(alice: GraphQLClient) -> None:
    assessment_id = await assessed(alice, soc2.mixed)
    single = (await report(alice, assessment_id))["report"]
    listed = await alice(
        """query($id: ID!) { assessment(id: $id) { organization { assessments(first: 5) {
          nodes { id report { asOf earliestReportDate
            timeline { status earliestReportDate blockers { control { key } } } } } } } } }""",
        {"id": assessment_id},
    )
    [node] = listed["data"]["assessment"]["organization"]["assessments"]["nodes"]
    assert node["id"] == assessment_id
    assert node["report"]["asOf"] == single["asOf"]
    assert node["report"]["timeline"]["status"] == single["timeline"]["status"]
    assert node["report"]["timeline"]["earliestReportDate"] == single["earliestReportDate"]
    assert [b["control"]["key"] for b in node["report"]["timeline"]["blockers"]] == [
        b["control"]["key"] for b in single["timeline"]["blockers"]
    ]
