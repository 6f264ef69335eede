"""The dry run's arithmetic through GraphQL, against a reference, over generated ledgers."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import factories
from tests.conftest import GraphQLClient

RECORD = """mutation($input: RecordOccurrencesInput!) {
  recordOccurrences(input: $input) { recorded errors { code field message } } }"""
PROFILE = """mutation($input: SetSamplingProfileInput!) {
  setSamplingProfile(input: $input) { errors { code field message } } }"""
DRY_RUN = """query($id: ID!) { assessment(id: $id) {
  operatingEffectiveness(windowStart: "2025-01-01", asOf: "2026-01-15") {
    controls(verdict: null) { control { key } population expected performed exceptions
      deviantPeriods sampleSize exceptionProbability verdict } } } }"""
EVENT_DRIVEN = "HR-01"  # hiring checks: one period per occurrence
# Every size a population of up to 60 can be sampled by, set alike, so the sample is
# min(n, N) whatever band the population falls in.
SIZED = ("ANNUAL", "QUARTERLY", "MONTHLY", "WEEKLY", "EVENT_DRIVEN")


def reference(population: int, deviant: int, sample: int) -> Fraction:
    """The chance that a draw of ``sample`` without replacement misses every deviant
    item, complemented; by counting, not by the formula under test."""
    misses = Fraction(1)
    for i in range(sample):
        misses *= Fraction(population - deviant - i, population - i)
    return 1 - misses


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[int, int, int]:
    population = draw(st.integers(1, 60))
    return population, draw(st.integers(0, population)), draw(st.integers(1, 60))


def generated(count: int) -> list[tuple[int, int, int]]:
    cases: list[tuple[int, int, int]] = []

    @settings(max_examples=count, database=None, deadline=None)
    @given(case=ledgers())
    def collect(case: tuple[int, int, int]) -> None:
        cases.append(case)

    collect()
    return cases


async def test_the_probability_is_exact_for_generated_ledgers(alice: GraphQLClient) -> None:
    cases = [*generated(12), (1, 1, 1), (60, 0, 25), (60, 60, 1), (40, 1, 40)]
    for population, deviant, size in cases:
        org = await factories.organization(alice, f"N{population} b{deviant} n{size}")
        created = await factories.assessment(
            alice, org, framework_key="soc2", observationWindowMonths=12
        )
        rows = [
            {
                "controlKey": EVENT_DRIVEN,
                "performedOn": (date(2025, 1, 2) + timedelta(days=6 * i)).isoformat(),
                "result": "EXCEPTION" if i < deviant else "PASS",
            }
            for i in range(population)
        ]
        recorded = await alice(RECORD, {"input": {"organizationId": org, "occurrences": rows}})
        assert recorded["data"]["recordOccurrences"] == {"recorded": population, "errors": []}
        sizes = [{"frequency": f, "sampleSize": size} for f in SIZED]
        profile = await alice(PROFILE, {"input": {"organizationId": org, "sizes": sizes}})
        assert profile["data"]["setSamplingProfile"]["errors"] == []
        body = await alice(DRY_RUN, {"id": created["id"]})
        [found] = [
            c
            for c in body["data"]["assessment"]["operatingEffectiveness"]["controls"]
            if c["control"]["key"] == EVENT_DRIVEN
        ]
        sample = min(size, population)
        expected = reference(population, deviant, sample)
        case = (population, deviant, size)
        assert found["population"] == found["expected"] == found["performed"] == population, case
        assert found["exceptions"] == found["deviantPeriods"] == deviant, case
        assert found["sampleSize"] == sample, case
        assert found["exceptionProbability"] == float(expected), case
        verdict = (
            "EFFECTIVE"
            if deviant == 0
            else "EXCEPTIONS_LIKELY"
            if expected >= Fraction(1, 2)
            else "AT_RISK"
        )
        assert found["verdict"] == verdict, case
