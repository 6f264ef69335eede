"""Subservice organisations through GraphQL on the SOC 2 catalog: carve-out, inclusive, seeded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.scoring.rules import add_months
from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient

READ = """query($id: ID!) { assessment(id: $id) { version
  subserviceOrganizations { name treatment criteria { ref } reportPeriodStart reportPeriodEnd
    bridgeLetter complementaryUserEntityControls seeded reportCurrent }
  report { criteria { criterion { ref } status score }
    timeline { blockers { control { key } reason criteria { ref } } } } } }"""
SET = """mutation($input: SetSubserviceOrganizationsInput!) {
  setSubserviceOrganizations(input: $input) {
    assessment { version subserviceOrganizations { name seeded reportCurrent } }
    errors { code field message } } }"""
# A cloud-only company: no offices of its own, so its own physical controls do not apply.
CLOUD_ONLY = {**soc2.FULL_SCOPE, "scope.hosting": "cloud", "scope.offices": "no"}


def today() -> date:
    return datetime.now(UTC).date()


BEST = soc2.best(12)


async def cloud_company(client: GraphQLClient, chooser: soc2.Chooser = BEST) -> str:
    org_id = await factories.organization(client)
    created = await factories.assessment(
        client, org_id, framework_key="soc2", scope=soc2.ALL_CATEGORIES
    )
    await soc2.answer(client, created["id"], chooser, scoping=CLOUD_ONLY)
    return str(created["id"])


async def read(client: GraphQLClient, assessment_id: str) -> dict[str, Any]:
    return dict((await client(READ, {"id": assessment_id}))["data"]["assessment"])


def status(assessment: dict[str, Any], ref: str) -> str:
    return next(
        c["status"] for c in assessment["report"]["criteria"] if c["criterion"]["ref"] == ref
    )


def provider(**fields: Any) -> dict[str, Any]:
    return {
        "name": "AWS",
        "treatment": "CARVE_OUT",
        "criteria": ["CC6.4", "A1.2"],
        "complementaryUserEntityControls": ["Enable CloudTrail in every account."],
        **fields,
    }


async def record(
    client: GraphQLClient, assessment_id: str, version: int, organizations: list[dict[str, Any]]
) -> dict[str, Any]:
    variables = {
        "input": {
            "assessmentId": assessment_id,
            "expectedVersion": version,
            "organizations": organizations,
        }
    }
    return dict((await client(SET, variables))["data"]["setSubserviceOrganizations"])


async def test_a_cloud_company_gets_its_provider_seeded_and_must_rely_on_its_report(
    alice: GraphQLClient,
) -> None:
    assessment_id = await cloud_company(alice)
    assessment = await read(alice, assessment_id)
    [seeded] = assessment["subserviceOrganizations"]
    assert seeded["seeded"] is True and seeded["treatment"] == "CARVE_OUT"
    assert [c["ref"] for c in seeded["criteria"]] == ["CC6.4", "A1.2"]
    assert seeded["reportCurrent"] is False  # no report period known yet
    # Physical security is met through the provider: not yet, without its report (the
    # company's own controls for it, all in place, cannot make it MET alone).
    assert status(assessment, "CC6.4") != "MET"
    # A seeded provider nobody confirmed holds no date; a recorded one without a current
    # report holds the start until its report is on file.
    monitor = [
        b for b in assessment["report"]["timeline"]["blockers"] if b["control"]["key"] == "VND-05"
    ]
    assert monitor == []
    await record(alice, assessment_id, assessment["version"], [provider()])
    blockers = (await read(alice, assessment_id))["report"]["timeline"]["blockers"]
    monitor = [b for b in blockers if b["control"]["key"] == "VND-05"]
    assert [b["reason"] for b in monitor] == ["NO_EVIDENCE"]
    assert {"CC6.4", "A1.2"} <= {c["ref"] for c in monitor[0]["criteria"]}


async def test_a_current_report_and_monitoring_meet_the_carved_out_criteria(
    alice: GraphQLClient,
) -> None:
    assessment_id = await cloud_company(alice)
    version = (await read(alice, assessment_id))["version"]
    recent = add_months(today(), -1)
    saved = await record(
        alice,
        assessment_id,
        version,
        [
            provider(
                reportPeriodStart=add_months(recent, -12).isoformat(),
                reportPeriodEnd=recent.isoformat(),
            )
        ],
    )
    assert saved["errors"] == []
    assert saved["assessment"]["subserviceOrganizations"] == [
        {"name": "AWS", "seeded": False, "reportCurrent": True}
    ]
    assessment = await read(alice, assessment_id)
    assert status(assessment, "CC6.4") == "MET"
    assert status(assessment, "A1.2") == "MET"
    assert not [
        b for b in assessment["report"]["timeline"]["blockers"] if b["control"]["key"] == "VND-05"
    ]
    assert assessment["subserviceOrganizations"][0]["complementaryUserEntityControls"] == [
        "Enable CloudTrail in every account."
    ]


async def test_an_old_report_needs_a_bridge_letter(alice: GraphQLClient) -> None:
    assessment_id = await cloud_company(alice)
    version = (await read(alice, assessment_id))["version"]
    old = add_months(today(), -6).isoformat()
    without = await record(alice, assessment_id, version, [provider(reportPeriodEnd=old)])
    assert without["assessment"]["subserviceOrganizations"][0]["reportCurrent"] is False
    assert status(await read(alice, assessment_id), "CC6.4") != "MET"
    bridged = await record(
        alice,
        assessment_id,
        without["assessment"]["version"],
        [provider(reportPeriodEnd=old, bridgeLetter=True)],
    )
    assert bridged["assessment"]["subserviceOrganizations"][0]["reportCurrent"] is True
    assert status(await read(alice, assessment_id), "CC6.4") == "MET"


async def test_without_monitoring_a_current_report_is_not_enough(alice: GraphQLClient) -> None:
    best = soc2.best(12)

    def no_monitoring(question: dict[str, Any]) -> str | None:
        if question["key"] == "vnd.subservice":
            return soc2.ranked(question)[-1]
        return best(question)

    assessment_id = await cloud_company(alice, no_monitoring)
    version = (await read(alice, assessment_id))["version"]
    recent = add_months(today(), -1).isoformat()
    await record(alice, assessment_id, version, [provider(reportPeriodEnd=recent)])
    assert status(await read(alice, assessment_id), "CC6.4") != "MET"


async def test_inclusive_and_none_leave_the_criteria_to_the_company(alice: GraphQLClient) -> None:
    """The provider's report is not current, yet inclusive treatment (or no provider)
    leaves CC6.4 to the company's own controls, all in place here."""
    assessment_id = await cloud_company(alice)
    version = (await read(alice, assessment_id))["version"]
    inclusive = await record(alice, assessment_id, version, [provider(treatment="INCLUSIVE")])
    assert status(await read(alice, assessment_id), "CC6.4") == "MET"
    none = await record(alice, assessment_id, inclusive["assessment"]["version"], [])
    assert none["assessment"]["subserviceOrganizations"] == []  # the seed is gone too
    assert status(await read(alice, assessment_id), "CC6.4") == "MET"


async def test_bad_subservice_input_is_refused_with_paths_and_changes_nothing(
    alice: GraphQLClient,
) -> None:
    assessment_id = await cloud_company(alice)
    before = await read(alice, assessment_id)
    refused = await record(
        alice,
        assessment_id,
        before["version"],
        [
            provider(criteria=["CC6.4", "ZZ9.9"]),
            provider(
                reportPeriodStart=today().isoformat(),
                reportPeriodEnd=(today() - timedelta(days=1)).isoformat(),
            ),
            provider(name="   "),
            provider(name="Later", reportPeriodEnd=(today() + timedelta(days=1)).isoformat()),
        ],
    )
    assert refused["assessment"] is None
    assert {(e["code"], tuple(e["field"])) for e in refused["errors"]} == {
        ("INVALID", ("organizations", "0", "criteria")),
        ("INVALID", ("organizations", "1", "name")),
        ("INVALID", ("organizations", "1", "reportPeriodEnd")),
        ("INVALID", ("organizations", "2", "name")),
        ("INVALID", ("organizations", "3", "reportPeriodEnd")),
    }
    after = await read(alice, assessment_id)
    assert after["version"] == before["version"]
    assert after["subserviceOrganizations"] == before["subserviceOrganizations"]
