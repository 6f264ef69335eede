"""Exports of a realistic SOC 2 assessment in every format, the browser route, and progress."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.poam import PlanOfActionAndMilestones

from tests import factories
from tests import soc2_support as soc2
from tests.browser import chromium
from tests.conftest import GraphQLClient
from tests.png import colours

EXPORT = """
mutation($id: ID!, $format: ExportFormat!) {
  exportAssessment(input: {assessmentId: $id, format: $format}) {
    export { filename contentType content } errors { code field message }
  }
}
"""
GAPS = """
query($id: ID!) { assessment(id: $id) { report { readiness earliestReportDate
  categories { category score }
  gaps { kind severity criterion { ref } control { key } title } } } }
"""
COMPARE = """
query($id: ID!) { assessment(id: $id) { comparison { previous { id } readinessDelta
  categories { category delta } gapsClosed { criterionRef controlKey kind } gapsNew { kind } } } }
"""


async def export(client: GraphQLClient, assessment_id: str, fmt: str) -> dict[str, Any]:
    payload = (await client(EXPORT, {"id": assessment_id, "format": fmt}))["data"]
    result: dict[str, Any] = payload["exportAssessment"]
    return result


@pytest.fixture
async def realistic(alice: GraphQLClient) -> dict[str, Any]:
    org_id = await factories.organization(alice, "Acme Analytics")
    created = await factories.assessment(
        alice, org_id, name="Readiness 2026", framework_key="soc2", scope=soc2.ALL_CATEGORIES
    )
    await soc2.answer(alice, created["id"], soc2.mixed)
    report = (await alice(GAPS, {"id": created["id"]}))["data"]["assessment"]["report"]
    assert len(report["gaps"]) > 10, "the mixed profile should leave gaps of every kind"
    return {"id": created["id"], "org": org_id, "report": report}


def gap_key(kind: str, criterion: str, control: str | None) -> tuple[str, str, str]:
    return kind, criterion, control or ""


async def test_json_is_the_full_report_with_a_schema_version(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    exported = (await export(alice, realistic["id"], "JSON"))["export"]
    assert exported["contentType"] == "application/json"
    assert exported["filename"].endswith(".json")
    assert exported["filename"].startswith("soc2-readiness-acme-analytics-")
    document = json.loads(exported["content"])
    assert document["schema_version"] == "1.0"
    assert document["readiness"] == realistic["report"]["readiness"]
    assert len(document["gaps"]) == len(realistic["report"]["gaps"])
    assert len(document["criteria"]) == 61
    assert {c["category"] for c in document["categories"]} == {
        c["category"] for c in realistic["report"]["categories"]
    }


async def test_csv_has_one_row_per_gap(alice: GraphQLClient, realistic: dict[str, Any]) -> None:
    exported = (await export(alice, realistic["id"], "CSV"))["export"]
    assert exported["contentType"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported["content"])))
    expected = sorted(
        gap_key(g["kind"], g["criterion"]["ref"], (g["control"] or {}).get("key"))
        for g in realistic["report"]["gaps"]
    )
    assert sorted(gap_key(r["kind"], r["criterion"], r["control"]) for r in rows) == expected
    assert {"severity", "title", "remediation", "effort_weeks"} <= set(rows[0])
    design = [r for r in rows if r["kind"] == "DESIGN"]
    assert design
    assert all(r["remediation"] and int(r["effort_weeks"]) >= 1 for r in design)


async def test_markdown_reads_as_an_executive_report(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    text = (await export(alice, realistic["id"], "MARKDOWN"))["export"]["content"]
    for heading in (
        "## Executive summary",
        "## Results by category",
        "## Gaps",
        "## Remediation plan",
        "## Timeline to the report",
    ):
        assert heading in text
    assert f"Readiness: {realistic['report']['readiness']:.1f} / 100" in text
    assert realistic["report"]["earliestReportDate"] in text
    gap_lines = [line for line in text.splitlines() if line.startswith("| GAP-")]
    assert len(gap_lines) == len(realistic["report"]["gaps"])
    assert "Progress since the previous assessment" not in text


async def test_html_is_one_self_contained_page_with_charts(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    exported = (await export(alice, realistic["id"], "HTML"))["export"]
    html = exported["content"]
    assert exported["contentType"].startswith("text/html")
    assert html.count("<svg") == 4
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in html


async def test_oscal_assessment_results_validate_and_trace_to_criteria_and_controls(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    content = (await export(alice, realistic["id"], "OSCAL_ASSESSMENT_RESULTS"))["export"]
    document = json.loads(content["content"])
    model = AssessmentResults.model_validate(document["assessment-results"])
    assert document["assessment-results"]["metadata"]["oscal-version"] == "1.2.1"
    assert model.metadata.title.startswith("SOC 2 readiness")
    result = document["assessment-results"]["results"][0]
    gap_findings = [
        f for f in result["findings"] if f["target"]["status"]["state"] == "not-satisfied"
    ]
    traced = sorted(
        gap_key(props["gap-kind"].upper(), props["criterion"], props.get("control"))
        for props in ({p["name"]: p["value"] for p in f["props"]} for f in gap_findings)
    )
    expected = sorted(
        gap_key(g["kind"], g["criterion"]["ref"], (g["control"] or {}).get("key"))
        for g in realistic["report"]["gaps"]
    )
    assert traced == expected
    assert all(f["target"]["target-id"] == f["title"].split(":")[0].lower() for f in gap_findings)
    observation_ids = {o["uuid"] for o in result["observations"]}
    assert all(
        f["related-observations"][0]["observation-uuid"] in observation_ids for f in gap_findings
    )


async def test_oscal_poam_validates_with_one_item_per_actionable_gap(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    content = (await export(alice, realistic["id"], "OSCAL_POAM"))["export"]
    document = json.loads(content["content"])
    PlanOfActionAndMilestones.model_validate(document["plan-of-action-and-milestones"])
    items = document["plan-of-action-and-milestones"]["poam-items"]
    actionable = [g for g in realistic["report"]["gaps"] if g["kind"] != "UNANSWERED"]
    assert len(items) == len(actionable)
    risks = {r["uuid"]: r for r in document["plan-of-action-and-milestones"]["risks"]}
    for item in items:
        risk = risks[item["related-risks"][0]["risk-uuid"]]
        assert risk["status"] == "open"
        assert {p["name"] for p in item["props"]} >= {"criterion", "gap-kind", "severity"}


async def test_exports_are_stable_for_one_version(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    first = json.loads((await export(alice, realistic["id"], "OSCAL_POAM"))["export"]["content"])
    second = json.loads((await export(alice, realistic["id"], "OSCAL_POAM"))["export"]["content"])
    uuids = [i["uuid"] for i in first["plan-of-action-and-milestones"]["poam-items"]]
    assert uuids == [i["uuid"] for i in second["plan-of-action-and-milestones"]["poam-items"]]


async def test_another_tenants_assessment_is_not_found_in_every_format(
    alice: GraphQLClient, bob: GraphQLClient, client: httpx.AsyncClient, realistic: dict[str, Any]
) -> None:
    for fmt in ("JSON", "CSV", "MARKDOWN", "HTML", "OSCAL_ASSESSMENT_RESULTS", "OSCAL_POAM"):
        payload = await export(bob, realistic["id"], fmt)
        assert payload["export"] is None
        assert payload["errors"][0]["code"] == "NOT_FOUND"
        assert payload["errors"][0]["field"] == ["input", "assessmentId"]
    response = await client.get(
        f"/reports/{realistic['id']}.html", headers={"Authorization": f"Bearer {bob.token}"}
    )
    assert response.status_code == 404
    assert "Acme" not in response.text


async def test_browser_route_serves_each_format_with_the_api_rules(
    alice: GraphQLClient, client: httpx.AsyncClient, realistic: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {alice.token}"}
    expected = {
        "html": "text/html",
        "md": "text/markdown",
        "csv": "text/csv",
        "json": "application/json",
    }
    for suffix, content_type in expected.items():
        response = await client.get(f"/reports/{realistic['id']}.{suffix}", headers=auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(content_type)
        assert response.headers["cache-control"] == "private, no-store"
    html = await client.get(f"/reports/{realistic['id']}.html", headers=auth)
    assert "default-src 'none'" in html.headers["content-security-policy"]
    csv_response = await client.get(f"/reports/{realistic['id']}.csv", headers=auth)
    assert csv_response.headers["content-disposition"].startswith("attachment;")
    assert (await client.get(f"/reports/{realistic['id']}.html")).status_code == 401
    assert (await client.get(f"/reports/{realistic['id']}.exe", headers=auth)).status_code == 404
    assert (await client.get("/reports/not-an-id.html", headers=auth)).status_code == 404


async def test_progress_between_two_assessments_of_one_organisation(
    alice: GraphQLClient, realistic: dict[str, Any]
) -> None:
    first = (await alice(COMPARE, {"id": realistic["id"]}))["data"]["assessment"]
    assert first["comparison"] is None

    later = await factories.assessment(
        alice,
        realistic["org"],
        name="Readiness 2027",
        framework_key="soc2",
        scope=soc2.ALL_CATEGORIES,
    )
    await soc2.answer(alice, later["id"], soc2.best(12))
    comparison = (await alice(COMPARE, {"id": later["id"]}))["data"]["assessment"]["comparison"]
    assert comparison["previous"]["id"] == realistic["id"]
    assert comparison["readinessDelta"] > 0
    assert len(comparison["gapsClosed"]) == len(realistic["report"]["gaps"])
    assert comparison["gapsNew"] == []
    assert all(c["delta"] >= 0 for c in comparison["categories"])

    markdown = (await export(alice, later["id"], "MARKDOWN"))["export"]["content"]
    assert "## Progress since the previous assessment" in markdown
    assert f"{len(realistic['report']['gaps'])} gaps closed" in markdown
    html = (await export(alice, later["id"], "HTML"))["export"]["content"]
    assert "Progress since the previous assessment" in html


def screenshot(page: Path, shot: Path, profile: Path) -> None:
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1000,1300",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


async def test_html_renders_its_charts_in_headless_chromium(
    alice: GraphQLClient, realistic: dict[str, Any], tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text((await export(alice, realistic["id"], "HTML"))["export"]["content"])
    shot = tmp_path / "report.png"
    await asyncio.to_thread(screenshot, page, shot, tmp_path / "profile")
    width, height, counts = await asyncio.to_thread(colours, shot.read_bytes())
    assert (width, height) == (1000, 1300)
    # The category bars are drawn in the report blue; the severity bars in their own colours.
    bar_blue = sum(
        n for (r, g, b), n in counts.items() if abs(r - 0x25) + abs(g - 0x63) + abs(b - 0xEB) < 30
    )
    severity_red = sum(
        n for (r, g, b), n in counts.items() if abs(r - 0xB9) + abs(g - 0x1C) + abs(b - 0x1C) < 30
    )
    assert bar_blue > 5_000
    assert severity_red > 200

    def near(colour: str, tolerance: int = 30) -> int:
        r0, g0, b0 = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            n
            for (r, g, b), n in counts.items()
            if abs(r - r0) + abs(g - g0) + abs(b - b0) < tolerance
        )

    # Gaps by kind and by severity share the series colours: the second and third
    # series (orange, yellow) come only from those two charts.
    assert near("#ea580c") > 200, near("#ea580c")
    assert near("#ca8a04") > 100, near("#ca8a04")
    assert len(counts) > 50  # text, lines and bars: far from a blank page


def rendered_text(page: Path, profile: Path) -> str:
    """The page's DOM after headless Chromium rendered it."""
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


async def test_reports_explain_the_timeline_with_its_blockers(
    alice: GraphQLClient, realistic: dict[str, Any], tmp_path: Path
) -> None:
    query = """query($id: ID!) { assessment(id: $id) { report { timeline {
      earliestReportDate latestReportDate reportDateWithoutLatestBlockers
      blockers { control { key } holdsStartUntil } } } } }"""
    timeline = (await alice(query, {"id": realistic["id"]}))["data"]["assessment"]["report"][
        "timeline"
    ]
    assert timeline["blockers"], "the realistic profile has blockers"
    first = timeline["blockers"][0]
    exported = json.loads((await export(alice, realistic["id"], "JSON"))["export"]["content"])
    assert exported["timeline"]["blockers"][0]["control"] == first["control"]["key"]
    assert len(exported["timeline"]["blockers"]) == len(timeline["blockers"])
    sentence = f"the date becomes {timeline['reportDateWithoutLatestBlockers']}"
    markdown = (await export(alice, realistic["id"], "MARKDOWN"))["export"]["content"]
    assert sentence in markdown and first["control"]["key"] in markdown
    assert first["holdsStartUntil"] in markdown and timeline["latestReportDate"] in markdown
    page = tmp_path / "report.html"
    page.write_text((await export(alice, realistic["id"], "HTML"))["export"]["content"])
    dom = await asyncio.to_thread(rendered_text, page, tmp_path / "profile")
    assert sentence in dom
    assert 'class="blockers"' in dom and first["holdsStartUntil"] in dom
