"""The auditor's dry run over the evidence ledger through GraphQL on the SOC 2 catalog.

Periods, population, sample sizes, exact hypergeometric odds and verdicts
(``Assessment.operatingEffectiveness``), the seeded mock audit (``simulateAudit``) and
how the ledger feeds the readiness report (``ControlResult.operatingSince``, timeline
blockers). Windows are given explicitly (``windowStart``, ``asOf``) in the past so that
periods are deterministic; readiness checks build their days relative to today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from math import comb
from typing import Any

from service.scoring.rules import add_months, months_between
from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

# A cloud-only company: no offices, so its physical controls (PHY-*) do not apply.
CLOUD_ONLY = {**soc2.FULL_SCOPE, "scope.offices": "no"}

OPERATION = """control { key } frequency expected performed missedPeriods { start end }
  exceptions population deviantPeriods sampleSize exceptionProbability verdict"""
DRY_RUN = f"""
query($id: ID!, $windowStart: Date, $asOf: Date, $verdict: OperatingVerdict) {{
  assessment(id: $id) {{ version
    operatingEffectiveness(windowStart: $windowStart, asOf: $asOf) {{
      windowStart windowEnd asOf samplingProfile {{ frequency sampleSize }}
      controls(verdict: $verdict) {{ {OPERATION} }} }} }} }}
"""
RECORD = """mutation($input: RecordOccurrencesInput!) { recordOccurrences(input: $input) {
  recorded duplicates errors { code field message } } }"""
SET_PROFILE = """mutation($input: SetSamplingProfileInput!) { setSamplingProfile(input: $input) {
  samplingProfile { frequency sampleSize } errors { code field message } } }"""
SIMULATE = """mutation($input: SimulateAuditInput!) { simulateAudit(input: $input) {
  samples { control { key } %s } errors { code field message } } }"""
# A mock audit is read whole in one request: its three lists are priced at most 100
# items each (the largest sample size), 220 samples of them within the cost limit.
WHOLE_SAMPLE = """periods { start end } selected { id controlKey performedOn result }
  missedPeriods { start end } deviations"""
REPORT = """query($id: ID!) { assessment(id: $id) { version status updatedAt
  report { asOf readiness earliestObservationStart
    timeline { blockers { control { key } reason holdsStartUntil } }
    controls { control { key } status score operatingSince operatingSource monthsOperated } } } }"""
REPORT_AS_OF = """query($id: ID!, $asOf: Date) { assessment(id: $id) { status
  report(asOf: $asOf) { asOf controls { control { key } status operatingSince operatingSource } }
  } }"""
SUBMIT = """mutation($input: SubmitAssessmentInput!) { submitAssessment(input: $input) {
  assessment { status version } errors { code field message } } }"""

FREQUENCIES = [
    "CONTINUOUS",
    "EVENT_DRIVEN",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "SEMI_ANNUAL",
    "ANNUAL",
]
DEFAULT_SIZES = {
    "CONTINUOUS": 25,
    "EVENT_DRIVEN": 25,
    "DAILY": 25,
    "WEEKLY": 5,
    "MONTHLY": 2,
    "QUARTERLY": 2,
    "SEMI_ANNUAL": 1,
    "ANNUAL": 1,
}


def today() -> date:
    return datetime.now(UTC).date()


def d(text: str) -> date:
    return date.fromisoformat(text)


def probability(population: int, deviant: int, sample: int) -> float:
    """1 - C(N - b, n) / C(N, n), exactly, as the auditor's odds of a deviation."""
    if sample == 0 or deviant == 0:
        return 0.0
    return float(1 - Fraction(comb(population - deviant, sample), comb(population, sample)))


def period(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


def occurrence(
    key: str,
    day: date | str,
    result: str = "PASS",
    evidence: bool = True,
    external_id: str | None = None,
) -> dict[str, Any]:
    performed = day if isinstance(day, str) else day.isoformat()
    return {
        "controlKey": key,
        "performedOn": performed,
        "result": result,
        "evidenceRef": f"https://tickets.example/{key}/{performed}" if evidence else None,
        "externalId": external_id,
    }


async def company(
    client: GraphQLClient, months: int = 12, scoping: dict[str, str] | None = None
) -> tuple[str, str]:
    """An organisation with a SOC 2 Type II assessment of a ``months`` window, every
    question answered at its best (running 12 months), its cloud provider's report current;
    returns (organisation id, assessment id)."""
    org_id = await factories.organization(client)
    created = await factories.assessment(
        client,
        org_id,
        framework_key="soc2",
        audit_type="TYPE_2",
        scope=soc2.ALL_CATEGORIES,
        observationWindowMonths=months,
    )
    await soc2.answer(client, created["id"], soc2.best(12), scoping=scoping or CLOUD_ONLY)
    await soc2.current_cloud_report(
        client, created["id"], (today() - timedelta(days=14)).isoformat()
    )
    return org_id, str(created["id"])


async def record(client: GraphQLClient, org_id: str, rows: list[dict[str, Any]]) -> int:
    body = await client(RECORD, {"input": {"organizationId": org_id, "occurrences": rows}})
    payload = body["data"]["recordOccurrences"]
    assert payload["errors"] == [], payload
    return int(payload["recorded"])


async def dry_run(
    client: GraphQLClient,
    assessment_id: str,
    window_start: str | None = None,
    as_of: str | None = None,
    verdict: str | None = None,
) -> dict[str, Any]:
    variables = {
        "id": assessment_id,
        "windowStart": window_start,
        "asOf": as_of,
        "verdict": verdict,
    }
    body = await client(DRY_RUN, variables)
    return dict(body["data"]["assessment"]["operatingEffectiveness"])


def by_key(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["control"]["key"]: c for c in run["controls"]}


async def simulate(
    client: GraphQLClient, assessment_id: str, seed: int, window_start: str, as_of: str
) -> dict[str, dict[str, Any]]:
    """The mock audit's samples by control key, each with all its fields, in one request."""
    variables = {
        "input": {
            "assessmentId": assessment_id,
            "seed": seed,
            "windowStart": window_start,
            "asOf": as_of,
        }
    }
    body = await client(SIMULATE % WHOLE_SAMPLE, variables)
    assert "errors" not in body, body  # the whole selection is within the cost limit
    payload = body["data"]["simulateAudit"]
    assert payload["errors"] == [], payload
    return {sample["control"]["key"]: sample for sample in payload["samples"]}


async def report(client: GraphQLClient, assessment_id: str) -> dict[str, Any]:
    return dict((await client(REPORT, {"id": assessment_id}))["data"]["assessment"])


def control_of(assessment: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in assessment["report"]["controls"] if c["control"]["key"] == key)


def months(first: str, count: int) -> list[dict[str, str]]:
    """``count`` calendar months from the 1st of ``first``, as periods."""
    start = d(first)
    found = []
    for index in range(count):
        begin = add_months(start, index)
        end = add_months(begin, 1) - timedelta(days=1)
        found.append(period(begin.isoformat(), end.isoformat()))
    return found


def figures(control: dict[str, Any]) -> dict[str, Any]:
    """What the dry run says of a control, without its key and frequency."""
    return {k: v for k, v in control.items() if k not in ("control", "frequency")}


# A 2025 window read the day after it ends: the window is over, its last periods ended.
YEAR = {"window_start": "2025-01-01", "as_of": "2026-01-01"}


async def test_each_verdict_with_exact_figures(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    rows = [
        # Every quarter done: EFFECTIVE.
        *(occurrence("LOG-08", f"2025-{m:02d}-10") for m in (2, 5, 8, 11)),
        # Three quarters of four, sample 2: exactly one chance in two (EXCEPTIONS_LIKELY).
        *(occurrence("GOV-01", f"2025-{m:02d}-10") for m in (2, 5, 11)),
        # Eleven months of twelve (June missed): 1 - C(11,2)/C(12,2) = 1/6 (AT_RISK).
        *(occurrence("POL-06", f"2025-{m:02d}-15") for m in range(1, 13) if m != 6),
        # Six good months, July only an exception, August an exception and a pass,
        # September to December nothing.
        *(occurrence("VUL-02", f"2025-{m:02d}-03") for m in range(1, 7)),
        occurrence("VUL-02", "2025-07-09", result="EXCEPTION"),
        occurrence("VUL-02", "2025-08-04", result="EXCEPTION"),
        occurrence("VUL-02", "2025-08-20"),
        # Performed after the window's day only: nothing on file for it yet.
        occurrence("GOV-02", "2026-03-01"),
        # Performed the year before the next window only (see below).
        occurrence("CRY-03", "2024-06-01"),
    ]
    # PRV-04's one design question answered "n/a": it does not apply, though it has
    # occurrences on file.
    rows.append(occurrence("PRV-04", "2025-04-01"))
    version = (await report(alice, assessment_id))["version"]
    await factories.answers(
        alice, assessment_id, {"prv.sensitive_optin": "n/a"}, expected_version=version
    )
    assert await record(alice, org_id, rows) == len(rows)
    state = await report(alice, assessment_id)
    not_applicable = {
        c["control"]["key"] for c in state["report"]["controls"] if c["status"] == "NOT_APPLICABLE"
    }
    # Scoped out (no offices) or answered "n/a".
    assert not_applicable == {"PHY-01", "PHY-02", "PHY-03", "PHY-04", "PRV-04"}

    # The 2025 window read once it is over (the day after its end): every period ended.
    run = await dry_run(alice, assessment_id, **YEAR)
    assert (run["windowStart"], run["windowEnd"], run["asOf"]) == (
        "2025-01-01",
        "2025-12-31",
        "2026-01-01",
    )
    controls = by_key(run)
    assert set(controls) == {c["control"]["key"] for c in state["report"]["controls"]}
    quarters = [
        period("2025-01-01", "2025-03-31"),
        period("2025-04-01", "2025-06-30"),
        period("2025-07-01", "2025-09-30"),
        period("2025-10-01", "2025-12-31"),
    ]
    assert controls["LOG-08"]["frequency"] == "QUARTERLY"
    assert figures(controls["LOG-08"]) == {
        "expected": 4,
        "performed": 4,
        "missedPeriods": [],
        "exceptions": 0,
        "population": 4,
        "deviantPeriods": 0,
        "sampleSize": 2,
        "exceptionProbability": 0.0,
        "verdict": "EFFECTIVE",
    }
    assert figures(controls["GOV-01"]) == {
        "expected": 4,
        "performed": 3,
        "missedPeriods": [quarters[2]],
        "exceptions": 0,
        "population": 4,
        "deviantPeriods": 1,
        "sampleSize": 2,
        "exceptionProbability": probability(4, 1, 2),
        "verdict": "EXCEPTIONS_LIKELY",
    }
    assert probability(4, 1, 2) == 0.5  # the boundary: "likely" from one chance in two
    assert controls["POL-06"]["frequency"] == "MONTHLY"
    assert figures(controls["POL-06"]) == {
        "expected": 12,
        "performed": 11,
        "missedPeriods": [period("2025-06-01", "2025-06-30")],
        "exceptions": 0,
        "population": 12,
        "deviantPeriods": 1,
        "sampleSize": 2,
        "exceptionProbability": float(Fraction(1, 6)),
        "verdict": "AT_RISK",
    }
    assert float(Fraction(1, 6)) == probability(12, 1, 2)
    vul = figures(controls["VUL-02"])
    assert vul == {
        "expected": 12,
        "performed": 9,
        "missedPeriods": months("2025-09-01", 4),
        "exceptions": 2,
        "population": 12,
        # Four missed months and July (only an exception); August has a pass.
        "deviantPeriods": 5,
        "sampleSize": 2,
        "exceptionProbability": probability(12, 5, 2),
        "verdict": "EXCEPTIONS_LIKELY",
    }
    assert vul["exceptionProbability"] == float(1 - Fraction(21, 66))
    # Nothing on file: the periods are all missed, and the verdict says why.
    assert controls["HR-07"]["frequency"] == "SEMI_ANNUAL"
    assert figures(controls["HR-07"]) == {
        "expected": 2,
        "performed": 0,
        "missedPeriods": [
            period("2025-01-01", "2025-06-30"),
            period("2025-07-01", "2025-12-31"),
        ],
        "exceptions": 0,
        "population": 2,
        "deviantPeriods": 2,
        "sampleSize": 1,
        "exceptionProbability": 1.0,
        "verdict": "NO_EVIDENCE",
    }
    assert figures(controls["GOV-02"]) == {
        "expected": 1,
        "performed": 0,
        "missedPeriods": [period("2025-01-01", "2025-12-31")],
        "exceptions": 0,
        "population": 1,
        "deviantPeriods": 1,
        "sampleSize": 1,
        "exceptionProbability": 1.0,
        "verdict": "NO_EVIDENCE",
    }
    for key in not_applicable:
        assert figures(controls[key]) == {
            "expected": 0,
            "performed": 0,
            "missedPeriods": [],
            "exceptions": 0,
            "population": 0,
            "deviantPeriods": 0,
            "sampleSize": 0,
            "exceptionProbability": 0.0,
            "verdict": "NOT_APPLICABLE",
        }
    recorded = {"LOG-08", "GOV-01", "POL-06", "VUL-02", "CRY-03", "PRV-04"}
    others = set(controls) - recorded - not_applicable
    assert {controls[k]["verdict"] for k in others} == {"NO_EVIDENCE"}
    # CRY-03 (annual) was done in 2024 and not in 2025: its one period is missed.
    assert controls["CRY-03"]["missedPeriods"] == [period("2025-01-01", "2025-12-31")]
    assert controls["CRY-03"]["verdict"] == "EXCEPTIONS_LIKELY"

    # The verdict filter lists exactly the controls of that verdict.
    for verdict in ("AT_RISK", "EFFECTIVE", "NOT_APPLICABLE"):
        filtered = await dry_run(alice, assessment_id, **YEAR, verdict=verdict)
        assert [c["control"]["key"] for c in filtered["controls"]] == [
            k for k, c in controls.items() if c["verdict"] == verdict
        ]
    assert {k for k, c in controls.items() if c["verdict"] == "AT_RISK"} == {"POL-06"}
    # Long after the window's end, the window is over: the same periods, nothing later
    # (GOV-02's occurrence of March 2026 is past the window's last day).
    assert by_key(await dry_run(alice, assessment_id, "2025-01-01", "2026-03-01")) == controls

    # Read on the window's last day, the window is not over: a period ending that day is
    # still in progress. It counts once something is on file in it, and is never missed.
    open_day = by_key(await dry_run(alice, assessment_id, "2025-01-01", "2025-12-31"))
    # VUL-02 did nothing in December: not missed yet, only September to November.
    assert figures(open_day["VUL-02"]) == {
        "expected": 11,
        "performed": 9,
        "missedPeriods": months("2025-09-01", 3),
        "exceptions": 2,
        "population": 11,
        "deviantPeriods": 4,
        "sampleSize": 2,
        "exceptionProbability": probability(11, 4, 2),
        "verdict": "EXCEPTIONS_LIKELY",
    }
    assert period("2025-12-01", "2025-12-31") in controls["VUL-02"]["missedPeriods"]
    # December (POL-06) and the fourth quarter (LOG-08, GOV-01) hold an occurrence: they
    # count on their last day as once ended.
    for key in ("POL-06", "LOG-08", "GOV-01"):
        assert figures(open_day[key]) == figures(controls[key]), key
    # HR-07's second half is in progress and empty: only the first half, missed.
    assert (open_day["HR-07"]["population"], open_day["HR-07"]["missedPeriods"]) == (
        1,
        [period("2025-01-01", "2025-06-30")],
    )
    assert open_day["HR-07"]["verdict"] == "NO_EVIDENCE"
    # CRY-03's year is in progress on its last day, with nothing on file in it: nothing to
    # test yet (the day after, it is missed).
    assert (open_day["CRY-03"]["population"], open_day["CRY-03"]["missedPeriods"]) == (0, [])
    assert open_day["CRY-03"]["verdict"] == "NOT_YET_TESTABLE"

    # A window whose year has not ended on its day: CRY-03's year is in progress with
    # nothing on file in it, so it has no period to test yet, though it has a record.
    later = by_key(await dry_run(alice, assessment_id, "2026-03-01", "2026-10-01"))
    assert figures(later["CRY-03"]) == {
        "expected": 0,
        "performed": 0,
        "missedPeriods": [],
        "exceptions": 0,
        "population": 0,
        "deviantPeriods": 0,
        "sampleSize": 0,
        "exceptionProbability": 0.0,
        "verdict": "NOT_YET_TESTABLE",
    }
    # GOV-02's year is in progress too but holds an occurrence: it counts.
    assert figures(later["GOV-02"]) == {
        "expected": 1,
        "performed": 1,
        "missedPeriods": [],
        "exceptions": 0,
        "population": 1,
        "deviantPeriods": 0,
        "sampleSize": 1,
        "exceptionProbability": 0.0,
        "verdict": "EFFECTIVE",
    }
    # LOG-08 did nothing in 2026: the quarter holding windowStart and the next two, ended.
    assert later["LOG-08"]["missedPeriods"] == [
        period("2026-01-01", "2026-03-31"),
        period("2026-04-01", "2026-06-30"),
        period("2026-07-01", "2026-09-30"),
    ]
    assert later["LOG-08"]["exceptionProbability"] == 1.0
    assert later["LOG-08"]["verdict"] == "EXCEPTIONS_LIKELY"
    # On 30 September, the third quarter's last day, that quarter is still in progress.
    september = by_key(await dry_run(alice, assessment_id, "2026-03-01", "2026-09-30"))
    assert september["LOG-08"]["missedPeriods"] == later["LOG-08"]["missedPeriods"][:2]
    assert figures(september["CRY-03"]) == figures(later["CRY-03"])
    assert figures(september["GOV-02"]) == figures(later["GOV-02"])
    # The dry run changed nothing.
    assert (await report(alice, assessment_id))["version"] == state["version"]


async def test_a_period_ending_on_the_day_read_is_in_progress(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    # BAK-01 (daily) done every day from 1 January to 9 April 2025.
    days = [d("2025-01-01") + timedelta(days=i) for i in range(99)]
    assert days[-1] == d("2025-04-09")
    await record(alice, org_id, [occurrence("BAK-01", day) for day in days])
    # On 10 April everything is done through the day before: that day is in progress,
    # not missed, so the control is EFFECTIVE (not AT_RISK).
    tenth = by_key(await dry_run(alice, assessment_id, "2025-01-01", "2025-04-10"))["BAK-01"]
    assert tenth["frequency"] == "DAILY"
    assert figures(tenth) == {
        "expected": 99,
        "performed": 99,
        "missedPeriods": [],
        "exceptions": 0,
        "population": 99,
        "deviantPeriods": 0,
        "sampleSize": 25,
        "exceptionProbability": 0.0,
        "verdict": "EFFECTIVE",
    }
    # On 11 April, 10 April has ended with nothing on file: missed (and the 11th is in
    # progress). One day in a hundred, a sample of 25: one chance in four.
    eleventh = by_key(await dry_run(alice, assessment_id, "2025-01-01", "2025-04-11"))["BAK-01"]
    assert figures(eleventh) == {
        "expected": 100,
        "performed": 99,
        "missedPeriods": [period("2025-04-10", "2025-04-10")],
        "exceptions": 0,
        "population": 100,
        "deviantPeriods": 1,
        "sampleSize": 25,
        "exceptionProbability": probability(100, 1, 25),
        "verdict": "AT_RISK",
    }
    assert probability(100, 1, 25) == 0.25
    # Done on the day itself, it counts that day.
    await record(alice, org_id, [occurrence("BAK-01", "2025-04-10")])
    tenth = by_key(await dry_run(alice, assessment_id, "2025-01-01", "2025-04-10"))["BAK-01"]
    assert (tenth["population"], tenth["performed"], tenth["missedPeriods"]) == (100, 100, [])
    assert tenth["verdict"] == "EFFECTIVE"

    # VUL-02 (monthly) done from November 2024 to September 2025, nothing in October: a
    # window from 1 November 2024 ends on 31 October 2025.
    await record(
        alice,
        org_id,
        [occurrence("VUL-02", add_months(d("2024-11-03"), k)) for k in range(11)],
    )
    # Read on its last day (31 October), the window is not over: October is in progress.
    last_day = await dry_run(alice, assessment_id, "2024-11-01", "2025-10-31")
    assert (last_day["windowEnd"], last_day["asOf"]) == ("2025-10-31", "2025-10-31")
    vul = by_key(last_day)["VUL-02"]
    assert (vul["population"], vul["performed"], vul["missedPeriods"]) == (11, 11, [])
    assert vul["verdict"] == "EFFECTIVE"
    # Once asOf is past the window's end, the window is over and October is missed; the
    # month in progress then (November 2025) is past the window and never counts.
    for as_of in ("2025-11-01", "2025-11-30", "2026-02-01"):
        over = by_key(await dry_run(alice, assessment_id, "2024-11-01", as_of))["VUL-02"]
        assert figures(over) == {
            "expected": 12,
            "performed": 11,
            "missedPeriods": [period("2025-10-01", "2025-10-31")],
            "exceptions": 0,
            "population": 12,
            "deviantPeriods": 1,
            "sampleSize": 2,
            "exceptionProbability": float(Fraction(1, 6)),
            "verdict": "AT_RISK",
        }, as_of


async def test_weeks_are_iso_weeks_across_a_new_year(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    await record(
        alice,
        org_id,
        [
            # Tuesday before windowStart (Wednesday 17 December): the same ISO week.
            occurrence("LOG-07", "2025-12-16"),
            # Sunday: the last day of the week from Monday 22 December.
            occurrence("LOG-07", "2025-12-28"),
            # The week from Monday 29 December ends on Sunday 4 January 2026.
            occurrence("LOG-07", "2026-01-01"),
            occurrence("LOG-07", "2026-01-04", result="EXCEPTION"),
            # Before the week windowStart falls in: not counted.
            occurrence("LOG-07", "2025-12-14"),
        ],
    )
    weeks = [
        period("2025-12-15", "2025-12-21"),
        period("2025-12-22", "2025-12-28"),
        period("2025-12-29", "2026-01-04"),
        period("2026-01-05", "2026-01-11"),
    ]
    # Read on Monday 12 January: the week from the 5th has ended (nothing in it), the
    # week from the 12th is in progress and empty.
    run = await dry_run(alice, assessment_id, "2025-12-17", "2026-01-12")
    assert (run["windowStart"], run["windowEnd"]) == ("2025-12-17", "2026-12-16")
    log = by_key(run)["LOG-07"]
    assert log["frequency"] == "WEEKLY"
    assert figures(log) == {
        "expected": 4,
        "performed": 4,
        "missedPeriods": [weeks[3]],
        "exceptions": 1,
        "population": 4,
        "deviantPeriods": 1,
        # Five per profile, never more than the population.
        "sampleSize": 4,
        "exceptionProbability": 1.0,
        "verdict": "EXCEPTIONS_LIKELY",
    }

    # On Sunday 11 January, its last day, the week from the 5th is still in progress: it
    # can be performed that day, so it is not missed yet.
    sunday = by_key(await dry_run(alice, assessment_id, "2025-12-17", "2026-01-11"))["LOG-07"]
    assert (sunday["population"], sunday["missedPeriods"]) == (3, [])
    assert (sunday["sampleSize"], sunday["verdict"]) == (3, "EFFECTIVE")
    # On Wednesday 7 January the week from the 5th is in progress: with nothing on file
    # it is not counted yet.
    wednesday = by_key(await dry_run(alice, assessment_id, "2025-12-17", "2026-01-07"))["LOG-07"]
    assert (wednesday["population"], wednesday["missedPeriods"]) == (3, [])
    assert (wednesday["sampleSize"], wednesday["verdict"]) == (3, "EFFECTIVE")
    await record(alice, org_id, [occurrence("LOG-07", "2026-01-06")])
    # Once it holds an occurrence, it counts (on the day and after it).
    wednesday = by_key(await dry_run(alice, assessment_id, "2025-12-17", "2026-01-07"))["LOG-07"]
    assert figures(wednesday) == {
        "expected": 4,
        "performed": 5,
        "missedPeriods": [],
        "exceptions": 1,
        "population": 4,
        "deviantPeriods": 0,
        "sampleSize": 4,
        "exceptionProbability": 0.0,
        "verdict": "EFFECTIVE",
    }
    # Read on Monday the 5th, the occurrence of the 6th is still in the future.
    monday = by_key(await dry_run(alice, assessment_id, "2025-12-17", "2026-01-05"))["LOG-07"]
    assert (monday["population"], monday["performed"], monday["verdict"]) == (3, 4, "EFFECTIVE")
    # On its last day and after it, the week holds the occurrence of the 6th: counted.
    for day in ("2026-01-11", "2026-01-12"):
        read = by_key(await dry_run(alice, assessment_id, "2025-12-17", day))["LOG-07"]
        assert (read["population"], read["missedPeriods"], read["verdict"]) == (
            4,
            [],
            "EFFECTIVE",
        ), day


async def test_a_window_starting_mid_quarter_counts_that_quarter(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    await record(
        alice,
        org_id,
        [
            occurrence("LOG-08", "2025-03-30"),  # the quarter before: not counted
            occurrence("LOG-08", "2025-04-20"),  # before windowStart, same quarter: counts
            occurrence("LOG-08", "2025-08-01"),
        ],
    )
    # Read on 1 January 2026: the fourth quarter has ended, with nothing in it.
    run = await dry_run(alice, assessment_id, "2025-05-15", "2026-01-01")
    assert (run["windowStart"], run["windowEnd"], run["asOf"]) == (
        "2025-05-15",
        "2026-05-14",
        "2026-01-01",
    )
    assert figures(by_key(run)["LOG-08"]) == {
        "expected": 3,
        "performed": 2,
        "missedPeriods": [period("2025-10-01", "2025-12-31")],
        "exceptions": 0,
        "population": 3,
        "deviantPeriods": 1,
        "sampleSize": 2,
        "exceptionProbability": probability(3, 1, 2),
        "verdict": "EXCEPTIONS_LIKELY",
    }
    assert probability(3, 1, 2) == float(Fraction(2, 3))
    # On 20 November, and still on 31 December (its last day), the fourth quarter is in
    # progress and empty: two quarters tested.
    for day in ("2025-11-20", "2025-12-31"):
        read = by_key(await dry_run(alice, assessment_id, "2025-05-15", day))["LOG-08"]
        assert (read["population"], read["missedPeriods"], read["verdict"]) == (
            2,
            [],
            "EFFECTIVE",
        ), day
    # Starting on the quarter's last day still counts the whole quarter; the third
    # quarter, in progress on its last day, counts for its occurrence.
    late = by_key(await dry_run(alice, assessment_id, "2025-06-30", "2025-09-30"))["LOG-08"]
    assert (late["population"], late["performed"], late["verdict"]) == (2, 2, "EFFECTIVE")


async def test_window_errors_defaults_and_the_sampling_profile(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org_id, assessment_id = await company(alice)
    for window_start, as_of, field in (
        ("2025-06-02", "2025-06-01", "windowStart"),
        ("1999-12-31", "2000-06-01", "windowStart"),
        (None, "1999-12-31", "asOf"),
        (None, add_months(today(), 12 * 5 + 1).isoformat(), "asOf"),
    ):
        body = await alice(
            DRY_RUN,
            {"id": assessment_id, "windowStart": window_start, "asOf": as_of},
            expect_errors=True,
        )
        [error] = body["errors"]
        assert error["path"] == ["assessment", "operatingEffectiveness"]
        assert error["extensions"]["code"] == "INVALID", error
        assert error["extensions"]["field"] == [field], error
    # windowStart on asOf is a one-day window.
    one_day = await dry_run(alice, assessment_id, "2025-06-01", "2025-06-01")
    assert (one_day["windowStart"], one_day["windowEnd"]) == ("2025-06-01", "2026-05-31")
    refused = await alice(
        SIMULATE % "deviations",
        {
            "input": {
                "assessmentId": assessment_id,
                "seed": 1,
                "windowStart": "2025-06-02",
                "asOf": "2025-06-01",
            }
        },
    )
    errors = refused["data"]["simulateAudit"]["errors"]
    assert [e["code"] for e in errors] == ["INVALID"]
    assert errors[0]["field"][-1] == "windowStart"

    # Default window: the report's earliest observation start when it has come...
    state = await report(alice, assessment_id)
    start = d(state["report"]["earliestObservationStart"])
    assert start == add_months(today(), -12) and state["report"]["timeline"]["blockers"] == []
    default = await dry_run(alice, assessment_id)
    assert default["asOf"] == today().isoformat()
    assert default["windowStart"] == start.isoformat()
    assert default["windowEnd"] == (add_months(start, 12) - timedelta(days=1)).isoformat()
    # ... else the window that ends on asOf.
    early = await dry_run(alice, assessment_id, as_of="2025-03-10")
    assert (early["windowStart"], early["windowEnd"], early["asOf"]) == (
        "2024-03-11",
        "2025-03-10",
        "2025-03-10",
    )
    # A six-month assessment with nothing answered: no observation start yet.
    bare = await factories.assessment(
        alice, org_id, name="six", framework_key="soc2", observationWindowMonths=6
    )
    six = await dry_run(alice, bare["id"])
    assert six["windowStart"] == (add_months(today(), -6) + timedelta(days=1)).isoformat()
    assert six["windowEnd"] == today().isoformat()
    explicit = await dry_run(alice, bare["id"], "2025-02-10", "2025-04-01")
    assert (explicit["windowStart"], explicit["windowEnd"]) == ("2025-02-10", "2025-08-09")

    # The sampling profile: all eight frequencies, ours by default.
    assert [s["frequency"] for s in default["samplingProfile"]] == FREQUENCIES
    assert {s["frequency"]: s["sampleSize"] for s in default["samplingProfile"]} == DEFAULT_SIZES
    await record(
        alice,
        org_id,
        [
            *(occurrence("POL-06", f"2025-{m:02d}-15") for m in range(1, 13) if m != 6),
            # Three occurrences of an event-driven control: sampled like a quarterly one.
            *(occurrence("IAM-04", f"2025-0{m}-02") for m in (2, 3, 5)),
        ],
    )
    run = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert (run["POL-06"]["sampleSize"], run["POL-06"]["verdict"]) == (2, "AT_RISK")
    assert (run["IAM-04"]["population"], run["IAM-04"]["sampleSize"]) == (3, 2)
    assert (run["IAM-04"]["expected"], run["IAM-04"]["verdict"]) == (3, "EFFECTIVE")

    async def set_profile(client: GraphQLClient, sizes: list[dict[str, Any]]) -> dict[str, Any]:
        variables = {"input": {"organizationId": org_id, "sizes": sizes}}
        return dict((await client(SET_PROFILE, variables))["data"]["setSamplingProfile"])

    four = await set_profile(alice, [{"frequency": "MONTHLY", "sampleSize": 4}])
    assert four["errors"] == []
    assert {s["frequency"]: s["sampleSize"] for s in four["samplingProfile"]} == {
        **DEFAULT_SIZES,
        "MONTHLY": 4,
    }
    pol = by_key(await dry_run(alice, assessment_id, **YEAR))["POL-06"]
    assert pol["sampleSize"] == 4
    assert pol["exceptionProbability"] == probability(12, 1, 4) == float(Fraction(1, 3))
    assert pol["verdict"] == "AT_RISK"
    six_of_twelve = await set_profile(
        alice,
        [{"frequency": "MONTHLY", "sampleSize": 6}, {"frequency": "QUARTERLY", "sampleSize": 3}],
    )
    assert six_of_twelve["errors"] == []
    run = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert run["POL-06"]["sampleSize"] == 6
    assert run["POL-06"]["exceptionProbability"] == probability(12, 1, 6) == 0.5
    assert run["POL-06"]["verdict"] == "EXCEPTIONS_LIKELY"
    assert run["IAM-04"]["sampleSize"] == 3  # the quarterly figure, for three occurrences
    profile = """query($id: ID!) { organization(id: $id) { samplingProfile {
      frequency sampleSize } } }"""
    listed = (await alice(profile, {"id": org_id}))["data"]["organization"]["samplingProfile"]
    assert {s["frequency"]: s["sampleSize"] for s in listed} == {
        **DEFAULT_SIZES,
        "MONTHLY": 6,
        "QUARTERLY": 3,
    }
    # Out of range (1 to 100), or from another tenant: refused, nothing changes.
    for size in (0, 101, 251):
        bad = await set_profile(alice, [{"frequency": "DAILY", "sampleSize": size}])
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [
            ("INVALID", ["input", "sizes", "0", "sampleSize"])
        ]
    assert [e["code"] for e in (await set_profile(bob, []))["errors"]] == ["NOT_FOUND"]
    assert by_key(await dry_run(alice, assessment_id, **YEAR))["POL-06"]["sampleSize"] == 6
    # 100 is the largest size a profile takes.
    largest = await set_profile(
        alice,
        [
            {"frequency": "MONTHLY", "sampleSize": 6},
            {"frequency": "QUARTERLY", "sampleSize": 3},
            {"frequency": "DAILY", "sampleSize": 100},
        ],
    )
    assert largest["errors"] == []
    assert {s["frequency"]: s["sampleSize"] for s in largest["samplingProfile"]} == {
        **DEFAULT_SIZES,
        "MONTHLY": 6,
        "QUARTERLY": 3,
        "DAILY": 100,
    }
    run = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert run["POL-06"]["sampleSize"] == 6
    # A daily control's year: 365 days, 100 of them sampled.
    assert (run["BAK-01"]["population"], run["BAK-01"]["sampleSize"]) == (365, 100)
    # An empty list: ours again.
    reset = await set_profile(alice, [])
    assert {s["frequency"]: s["sampleSize"] for s in reset["samplingProfile"]} == DEFAULT_SIZES
    run = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert (run["POL-06"]["sampleSize"], run["IAM-04"]["sampleSize"]) == (2, 2)


def within(day: str, span: dict[str, str]) -> bool:
    return span["start"] <= day <= span["end"]


async def test_a_mock_audit_is_seeded_and_draws_from_the_dry_run(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org_id, assessment_id = await company(alice)
    first_half = [date(2025, 1, 1) + timedelta(days=i) for i in range(181)]  # to 30 June
    skipped = set(first_half[::6])  # 31 days without a backup check
    rows = [
        occurrence("BAK-01", day, external_id=f"bak-{day}")
        for day in first_half
        if day not in skipped
    ]
    # 120 joiners on as many days, a few approved late.
    joiners = [
        occurrence(
            "IAM-04",
            date(2025, 1, 2) + timedelta(days=i),
            result="EXCEPTION" if i % 17 == 0 else "PASS",
            external_id=f"JOIN-{i}",
        )
        for i in range(120)
    ]
    quarterly = [occurrence("LOG-08", "2025-02-10"), occurrence("LOG-08", "2025-05-10")]
    assert await record(alice, org_id, [*rows, *joiners, *quarterly]) == 150 + 120 + 2
    # The first half of 2025, read on 1 July: 30 June has ended.
    window = ("2025-01-01", "2025-07-01")
    run = by_key(await dry_run(alice, assessment_id, *window))
    assert (run["BAK-01"]["population"], run["BAK-01"]["performed"]) == (181, 150)
    assert len(run["BAK-01"]["missedPeriods"]) == 31
    assert run["BAK-01"]["sampleSize"] == 25
    assert run["BAK-01"]["exceptionProbability"] == probability(181, 31, 25)
    assert run["BAK-01"]["verdict"] == "EXCEPTIONS_LIKELY"
    assert (run["IAM-04"]["population"], run["IAM-04"]["sampleSize"]) == (120, 25)
    assert run["IAM-04"]["exceptions"] == len(range(0, 120, 17))
    assert d("2025-06-30") in skipped
    assert period("2025-06-30", "2025-06-30") in run["BAK-01"]["missedPeriods"]
    # Read on 30 June itself, that day is in progress: not missed yet, not in the population.
    june = by_key(await dry_run(alice, assessment_id, "2025-01-01", "2025-06-30"))["BAK-01"]
    assert (june["population"], june["performed"], len(june["missedPeriods"])) == (180, 150, 30)
    assert period("2025-06-30", "2025-06-30") not in june["missedPeriods"]
    state = await report(alice, assessment_id)
    events = """query($id: ID!) { organization(id: $id) { auditEvents(first: 50) {
      nodes { id action } } } }"""
    before_events = (await alice(events, {"id": org_id}))["data"]["organization"]

    one = await simulate(alice, assessment_id, 7, *window)
    again = await simulate(alice, assessment_id, 7, *window)
    other = await simulate(alice, assessment_id, 8, *window)
    assert one == again
    # Only controls with a population are sampled.
    assert set(one) == {k for k, c in run.items() if c["population"] > 0}
    assert {"BAK-01", "IAM-04", "LOG-08"} <= set(one)
    for key in ("BAK-01", "IAM-04"):
        assert one[key]["periods"] != other[key]["periods"], key
        assert {o["id"] for o in one[key]["selected"]} != {o["id"] for o in other[key]["selected"]}

    for samples in (one, other):
        for key, sample in samples.items():
            control = run[key]
            periods = sample["periods"]
            assert len(periods) == control["sampleSize"], key
            assert len({(p["start"], p["end"]) for p in periods}) == len(periods), key
            assert periods == sorted(periods, key=lambda p: p["start"]), key
            for occurrence_found in sample["selected"]:
                assert occurrence_found["controlKey"] == key
                assert any(within(occurrence_found["performedOn"], p) for p in periods), key
            missed = sample["missedPeriods"]
            assert all(p in control["missedPeriods"] for p in missed), key
            assert all(p in periods for p in missed), key
            # A sampled period with nothing selected in it is a missed one.
            empty = [
                p
                for p in periods
                if not any(within(o["performedOn"], p) for o in sample["selected"])
            ]
            assert empty == missed, key
            deviant = [
                p
                for p in periods
                if not any(
                    within(o["performedOn"], p) and o["result"] == "PASS"
                    for o in sample["selected"]
                )
            ]
            assert sample["deviations"] == len(deviant), key

    # A daily sample: one occurrence per sampled day that has one; the ids are the ledger's.
    bak = one["BAK-01"]
    assert sorted(o["performedOn"] for o in bak["selected"]) == sorted(
        p["start"] for p in bak["periods"] if p not in bak["missedPeriods"]
    )
    assert all(p["start"] == p["end"] for p in bak["periods"])
    node = """query($id: ID!) { node(id: $id) { ... on ControlOccurrence {
      controlKey performedOn externalId } } }"""
    picked = bak["selected"][0]
    found = (await alice(node, {"id": picked["id"]}))["data"]["node"]
    assert found == {
        "controlKey": "BAK-01",
        "performedOn": picked["performedOn"],
        "externalId": f"bak-{picked['performedOn']}",
    }
    # An event-driven sample is one occurrence per period.
    iam = one["IAM-04"]
    assert iam["missedPeriods"] == []
    assert [o["performedOn"] for o in iam["selected"]] == [p["start"] for p in iam["periods"]]
    assert iam["deviations"] == sum(1 for o in iam["selected"] if o["result"] == "EXCEPTION")
    # LOG-08: the two quarters of the population, both sampled (size 2).
    assert one["LOG-08"]["periods"] == [
        period("2025-01-01", "2025-03-31"),
        period("2025-04-01", "2025-06-30"),
    ]
    assert one["LOG-08"]["deviations"] == 0

    # Another tenant finds nothing; the mock audit changed nothing.
    refused = await bob(
        SIMULATE % "deviations",
        {"input": {"assessmentId": assessment_id, "seed": 7, "windowStart": window[0]}},
    )
    payload = refused["data"]["simulateAudit"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("NOT_FOUND", ["input", "assessmentId"])
    ]
    assert payload["samples"] == []
    after = await report(alice, assessment_id)
    assert (after["version"], after["updatedAt"]) == (state["version"], state["updatedAt"])
    assert after["report"] == state["report"]
    after_events = (await alice(events, {"id": org_id}))["data"]["organization"]
    assert after_events == before_events
    assert by_key(await dry_run(alice, assessment_id, *window)) == run
    # Sent again, the same external ids are duplicates: the ledger, and so the dry run and
    # the mock audit, stay as they were.
    again_sent = await alice(
        RECORD, {"input": {"organizationId": org_id, "occurrences": rows[:3] + joiners[:2]}}
    )
    assert again_sent["data"]["recordOccurrences"] == {
        "recorded": 0,
        "duplicates": 5,
        "errors": [],
    }
    assert by_key(await dry_run(alice, assessment_id, *window)) == run
    assert await simulate(alice, assessment_id, 7, *window) == one


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def blockers(assessment: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (b["control"]["key"], b["reason"], b["holdsStartUntil"])
        for b in assessment["report"]["timeline"]["blockers"]
    ]


async def test_the_ledger_dates_each_control_s_operation_in_the_report(
    alice: GraphQLClient,
) -> None:
    org_id, assessment_id = await company(alice)
    now = today()
    answered = add_months(now, -12)  # what "running 12 months" says
    before = await report(alice, assessment_id)
    for key in ("LOG-08", "VUL-02", "NET-02"):
        control = control_of(before, key)
        assert (control["operatingSource"], control["operatingSince"]) == (
            "ANSWERS",
            answered.isoformat(),
        )
    assert blockers(before) == []
    version = before["version"]

    # LOG-08 (quarterly): this quarter, the last one, none the one before, and two in the
    # quarter before that. The unbroken run starts after the missed quarter.
    q0 = quarter_start(now)
    q = [add_months(q0, -3 * k) for k in range(4)]
    await record(
        alice,
        org_id,
        [
            occurrence("LOG-08", q[0]),
            occurrence("LOG-08", q[1] + timedelta(days=5)),
            occurrence("LOG-08", q[3] + timedelta(days=20)),
            occurrence("LOG-08", q[3] + timedelta(days=5)),
        ],
    )
    gapped = await report(alice, assessment_id)
    assert gapped["version"] == version  # the report changed, the assessment did not
    log = control_of(gapped, "LOG-08")
    since = q[1] + timedelta(days=5)
    assert log["operatingSource"] == "LEDGER"
    assert log["operatingSince"] == since.isoformat()
    assert log["monthsOperated"] == months_between(since, now)
    assert log["score"] < control_of(before, "LOG-08")["score"]
    assert blockers(gapped) == [("LOG-08", "OPERATING_HISTORY", since.isoformat())]
    assert gapped["report"]["earliestObservationStart"] == since.isoformat()
    # A control without occurrences keeps its answer.
    assert (
        control_of(gapped, "NET-02")["operatingSource"],
        control_of(gapped, "NET-02")["operatingSince"],
    ) == ("ANSWERS", answered.isoformat())

    # The missed quarter done after all: the run goes back to its first occurrence, not to
    # the answer's day (twelve months ago).
    await record(alice, org_id, [occurrence("LOG-08", q[2] + timedelta(days=5))])
    whole = await report(alice, assessment_id)
    since = q[3] + timedelta(days=5)
    assert since > answered
    assert control_of(whole, "LOG-08")["operatingSince"] == since.isoformat()
    assert control_of(whole, "LOG-08")["monthsOperated"] == months_between(since, now)
    assert blockers(whole) == [("LOG-08", "OPERATING_HISTORY", since.isoformat())]
    assert whole["report"]["earliestObservationStart"] == since.isoformat()

    # VUL-02 (monthly): three months done, one without an evidence reference: 2/3 < 0.7,
    # so no back-dating for it at all.
    m0 = now.replace(day=1)
    await record(
        alice,
        org_id,
        [
            occurrence("VUL-02", add_months(m0, -2)),
            occurrence("VUL-02", add_months(m0, -1), evidence=False),
            occurrence("VUL-02", m0),
        ],
    )
    unevidenced = await report(alice, assessment_id)
    vul = control_of(unevidenced, "VUL-02")
    assert (vul["operatingSource"], vul["operatingSince"]) == (
        "LEDGER",
        add_months(m0, -2).isoformat(),
    )
    assert blockers(unevidenced) == [
        ("VUL-02", "NO_EVIDENCE", now.isoformat()),
        ("LOG-08", "OPERATING_HISTORY", since.isoformat()),
    ]
    assert unevidenced["report"]["earliestObservationStart"] == now.isoformat()
    # A fourth, evidenced: 3/4 is enough; VUL-02's run then holds the start, latest first.
    await record(alice, org_id, [occurrence("VUL-02", m0, external_id="VUL-02-extra")])
    evidenced = await report(alice, assessment_id)
    assert blockers(evidenced) == [
        ("VUL-02", "OPERATING_HISTORY", add_months(m0, -2).isoformat()),
        ("LOG-08", "OPERATING_HISTORY", since.isoformat()),
    ]
    assert evidenced["report"]["earliestObservationStart"] == add_months(m0, -2).isoformat()
    assert evidenced["version"] == version
    untouched = {
        c["control"]["key"]: c["operatingSource"]
        for c in evidenced["report"]["controls"]
        if c["control"]["key"] not in ("LOG-08", "VUL-02")
    }
    assert set(untouched.values()) <= {"ANSWERS", None}


async def test_a_submitted_report_ignores_later_occurrences(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    now = today()
    q0 = quarter_start(now)
    await record(
        alice, org_id, [occurrence("LOG-08", q0), occurrence("LOG-08", add_months(q0, -3))]
    )
    draft = await report(alice, assessment_id)
    assert control_of(draft, "LOG-08")["operatingSince"] == add_months(q0, -3).isoformat()
    submitted = await alice(
        SUBMIT, {"input": {"assessmentId": assessment_id, "expectedVersion": draft["version"]}}
    )
    assert submitted["data"]["submitAssessment"]["errors"] == []
    frozen = await report(alice, assessment_id)
    assert frozen["status"] == "SUBMITTED"
    assert frozen["report"] == draft["report"]
    await record(
        alice,
        org_id,
        [
            occurrence("LOG-08", add_months(q0, -6)),
            occurrence("VUL-02", now.replace(day=1), evidence=False),
        ],
    )
    after = await report(alice, assessment_id)
    assert after["report"] == frozen["report"]
    assert (after["version"], after["updatedAt"]) == (frozen["version"], frozen["updatedAt"])
    assert control_of(after, "VUL-02")["operatingSource"] == "ANSWERS"
    # Reopened, it reads the ledger as it is now.
    reopen = """mutation($input: ReopenAssessmentInput!) { reopenAssessment(input: $input) {
      assessment { status } errors { code field message } } }"""
    reopened = await alice(
        reopen, {"input": {"assessmentId": assessment_id, "expectedVersion": after["version"]}}
    )
    assert reopened["data"]["reopenAssessment"]["errors"] == []
    current = await report(alice, assessment_id)
    assert current["status"] == "IN_PROGRESS"
    assert control_of(current, "LOG-08")["operatingSince"] == add_months(q0, -6).isoformat()
    assert control_of(current, "VUL-02")["operatingSource"] == "LEDGER"
    assert ("VUL-02", "NO_EVIDENCE", now.isoformat()) in blockers(current)
    # A draft of the same organisation sees them.
    other = await factories.assessment(
        alice,
        org_id,
        name="next",
        framework_key="soc2",
        scope=soc2.ALL_CATEGORIES,
        observationWindowMonths=12,
    )
    await soc2.answer(alice, other["id"], soc2.best(12), scoping=CLOUD_ONLY)
    fresh = await report(alice, other["id"])
    assert control_of(fresh, "LOG-08")["operatingSince"] == add_months(q0, -6).isoformat()
    assert control_of(fresh, "VUL-02")["operatingSource"] == "LEDGER"


async def submit(client: GraphQLClient, assessment_id: str) -> dict[str, Any]:
    """Submit the assessment; returns its (frozen) report read right after."""
    version = (await report(client, assessment_id))["version"]
    submitted = await client(
        SUBMIT, {"input": {"assessmentId": assessment_id, "expectedVersion": version}}
    )
    assert submitted["data"]["submitAssessment"]["errors"] == []
    frozen = await report(client, assessment_id)
    assert frozen["status"] == "SUBMITTED"
    return frozen


async def report_as_of(client: GraphQLClient, assessment_id: str, day: date) -> dict[str, Any]:
    body = await client(REPORT_AS_OF, {"id": assessment_id, "asOf": day.isoformat()})
    return dict(body["data"]["assessment"])


NOT_APPLICABLE = {
    "expected": 0,
    "performed": 0,
    "missedPeriods": [],
    "exceptions": 0,
    "population": 0,
    "deviantPeriods": 0,
    "sampleSize": 0,
    "exceptionProbability": 0.0,
    "verdict": "NOT_APPLICABLE",
}


async def test_a_control_scoped_out_stays_out_whatever_is_on_file(alice: GraphQLClient) -> None:
    # No offices: PHY-02 (continuous) has all its questions hidden by scoping.
    org_id, assessment_id = await company(alice, scoping=CLOUD_ONLY)
    before = await report(alice, assessment_id)
    assert control_of(before, "PHY-02")["status"] == "NOT_APPLICABLE"
    now = today()
    # Occurrences over the last year, evidenced, and over 2025.
    rows = [occurrence("PHY-02", now - timedelta(days=30 * k)) for k in range(12)]
    rows += [occurrence("PHY-02", f"2025-{m:02d}-05") for m in range(1, 13)]
    assert await record(alice, org_id, rows) == len(rows)
    after = await report(alice, assessment_id)
    assert control_of(after, "PHY-02")["status"] == "NOT_APPLICABLE"
    assert control_of(after, "PHY-02")["score"] == 0.0
    # Readiness, its timeline and every other control are as they were.
    assert after["report"]["readiness"] == before["report"]["readiness"]
    assert after["report"]["timeline"] == before["report"]["timeline"]
    assert (
        after["report"]["earliestObservationStart"] == before["report"]["earliestObservationStart"]
    )
    others = [c for c in after["report"]["controls"] if c["control"]["key"] != "PHY-02"]
    assert others == [c for c in before["report"]["controls"] if c["control"]["key"] != "PHY-02"]
    # The dry run leaves it out too, over the default window and one holding its rows.
    for window_start, as_of in ((None, None), ("2025-01-01", "2026-01-01")):
        run = by_key(await dry_run(alice, assessment_id, window_start, as_of))
        assert figures(run["PHY-02"]) == NOT_APPLICABLE, (window_start, as_of)
    filtered = await dry_run(alice, assessment_id, **YEAR, verdict="NOT_APPLICABLE")
    assert "PHY-02" in {c["control"]["key"] for c in filtered["controls"]}
    # The mock audit draws nothing from it.
    assert "PHY-02" not in await simulate(alice, assessment_id, 1, "2025-01-01", "2026-01-01")


async def test_a_submitted_assessment_s_dry_run_reads_the_current_ledger(
    alice: GraphQLClient,
) -> None:
    org_id, assessment_id = await company(alice)
    await record(alice, org_id, [occurrence("LOG-08", "2025-02-10")])
    frozen = await submit(alice, assessment_id)
    # Read once before anything else is recorded.
    before = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert (before["LOG-08"]["performed"], before["LOG-08"]["population"]) == (1, 4)
    assert (before["VUL-02"]["performed"], before["VUL-02"]["verdict"]) == (0, "NO_EVIDENCE")
    # Recorded after the submission, inside the window.
    rows = [occurrence("VUL-02", f"2025-{m:02d}-03") for m in range(1, 13)]
    rows += [occurrence("LOG-08", f"2025-{m:02d}-10") for m in (5, 8, 11)]
    assert await record(alice, org_id, rows) == len(rows)
    after = by_key(await dry_run(alice, assessment_id, **YEAR))
    assert figures(after["VUL-02"]) == {
        "expected": 12,
        "performed": 12,
        "missedPeriods": [],
        "exceptions": 0,
        "population": 12,
        "deviantPeriods": 0,
        "sampleSize": 2,
        "exceptionProbability": 0.0,
        "verdict": "EFFECTIVE",
    }
    assert (after["LOG-08"]["performed"], after["LOG-08"]["verdict"]) == (4, "EFFECTIVE")
    # Consistent: whatever the window holds occurrences of is never NO_EVIDENCE.
    for key, control in after.items():
        if control["performed"] > 0:
            assert control["verdict"] != "NO_EVIDENCE", key
    # The mock audit reads them as well.
    samples = await simulate(alice, assessment_id, 5, "2025-01-01", "2026-01-01")
    assert len(samples["VUL-02"]["selected"]) == 2
    assert samples["VUL-02"]["deviations"] == 0
    # The submitted report itself stays as it was.
    assert (await report(alice, assessment_id))["report"] == frozen["report"]


async def test_a_submitted_report_as_of_a_day_reads_the_current_ledger(
    alice: GraphQLClient,
) -> None:
    org_id, assessment_id = await company(alice)
    now = today()
    m0 = now.replace(day=1)
    await record(alice, org_id, [occurrence("LOG-08", quarter_start(now))])
    frozen = await submit(alice, assessment_id)
    first, second = now + timedelta(days=1), now + timedelta(days=2)
    # Read on a later day before anything else is recorded: VUL-02 as answered.
    early = await report_as_of(alice, assessment_id, first)
    assert early["status"] == "SUBMITTED"
    assert control_of(early, "VUL-02")["operatingSource"] == "ANSWERS"
    # VUL-02 (monthly) recorded after the submission: this month and the two before.
    await record(alice, org_id, [occurrence("VUL-02", add_months(m0, -k)) for k in range(3)])
    one = await report_as_of(alice, assessment_id, first)
    two = await report_as_of(alice, assessment_id, second)
    assert (one["report"]["asOf"], two["report"]["asOf"]) == (first.isoformat(), second.isoformat())
    for read in (one, two):
        vul = control_of(read, "VUL-02")
        assert (vul["operatingSource"], vul["operatingSince"]) == (
            "LEDGER",
            add_months(m0, -2).isoformat(),
        ), read["report"]["asOf"]
    assert control_of(one, "LOG-08")["operatingSource"] == "LEDGER"
    assert control_of(two, "LOG-08")["operatingSource"] == "LEDGER"
    # The submitted report (its submission day) stays as it was.
    assert (await report(alice, assessment_id))["report"] == frozen["report"]


async def test_the_dry_run_query_is_within_the_cost_limit(alice: GraphQLClient) -> None:
    org_id, assessment_id = await company(alice)
    await record(
        alice,
        org_id,
        [occurrence("BAK-02", date(2025, 1, 1) + timedelta(days=7 * i)) for i in range(52)],
    )
    # Every field, every control, every missed day of a daily control over a year (read
    # the day after it ends, so that its last day has ended).
    body = await alice(
        DRY_RUN, {"id": assessment_id, "windowStart": "2025-01-01", "asOf": "2026-01-01"}
    )
    assert "errors" not in body
    run = by_key(body["data"]["assessment"]["operatingEffectiveness"])
    assert len(run) == 157
    assert len(run["BAK-02"]["missedPeriods"]) == 365 - 52
    assert len(run["BAK-01"]["missedPeriods"]) == 365
    assert run["BAK-02"]["population"] == 365
    assert run["BAK-02"]["exceptionProbability"] == probability(365, 365 - 52, 25)
    # With the report alongside.
    both = await alice(
        """query($id: ID!) { assessment(id: $id) { report { readiness controls { control { key }
          operatingSource } } operatingEffectiveness(asOf: "2025-12-31") {
          controls { control { key } missedPeriods { start end } verdict } } } }""",
        {"id": assessment_id},
    )
    assert "errors" not in both
    assert len(both["data"]["assessment"]["operatingEffectiveness"]["controls"]) == 157

    # The mock audit, whole in one request, with the largest daily sample size.
    profile = await alice(
        SET_PROFILE,
        {
            "input": {
                "organizationId": org_id,
                "sizes": [{"frequency": "DAILY", "sampleSize": 100}],
            }
        },
    )
    assert profile["data"]["setSamplingProfile"]["errors"] == []
    whole = await alice(
        """mutation($input: SimulateAuditInput!) { simulateAudit(input: $input) {
          samples { control { key } periods { start end } selected { id performedOn result }
            missedPeriods { start end } deviations } } }""",
        {
            "input": {
                "assessmentId": assessment_id,
                "seed": 3,
                "windowStart": "2025-01-01",
                "asOf": "2026-01-01",
            }
        },
    )
    assert "errors" not in whole, whole
    samples = {s["control"]["key"]: s for s in whole["data"]["simulateAudit"]["samples"]}
    bak = samples["BAK-02"]
    assert len(bak["periods"]) == 100
    assert len(bak["selected"]) + len(bak["missedPeriods"]) == 100
    assert bak["deviations"] == len(bak["missedPeriods"])
    assert len(samples["BAK-01"]["missedPeriods"]) == 100
