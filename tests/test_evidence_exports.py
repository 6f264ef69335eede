"""The dry run in the exports: the evidence request list (CSV), JSON, and the HTML heat map."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient
from tests.png import colours
from tests.test_reports import export, rendered_text, screenshot

RECORD = """mutation($input: RecordOccurrencesInput!) {
  recordOccurrences(input: $input) { recorded duplicates errors { code field message } } }"""
DRY_RUN = """query($id: ID!) { assessment(id: $id) { operatingEffectiveness {
  windowStart windowEnd controls { control { key evidence } population sampleSize performed
  exceptions verdict } } } }"""
REVIEWED, SLIPPED, HIRED = "LOG-08", "RSK-04", "HR-01"


def today() -> date:
    return datetime.now(UTC).date()


async def company(alice: GraphQLClient) -> tuple[str, str]:
    org_id = await factories.organization(alice, "Ledgered Ltd")
    created = await factories.assessment(
        alice, org_id, framework_key="soc2", observationWindowMonths=12
    )
    await soc2.answer(alice, created["id"], soc2.best(12))
    return org_id, str(created["id"])


def frequency_of(key: str) -> str:
    text = Path("frameworks/soc2/controls.yaml").read_text()
    block = text[text.index(f"- key: {key}\n") :]
    found = re.search(r"frequency: (\w+)", block)
    assert found
    return found.group(1)


async def record(alice: GraphQLClient, org_id: str, rows: list[dict[str, Any]]) -> None:
    body = await alice(RECORD, {"input": {"organizationId": org_id, "occurrences": rows}})
    assert body["data"]["recordOccurrences"]["errors"] == [], body


@pytest.fixture
async def ledgered(alice: GraphQLClient) -> dict[str, Any]:
    """A company whose two quarterly controls ran every quarter for a year; one of them also
    has a late run on file this quarter, its evidence written like a spreadsheet formula."""
    assert frequency_of(REVIEWED) == "QUARTERLY"
    org_id, assessment_id = await company(alice)
    rows = [
        {
            "controlKey": REVIEWED,
            "performedOn": (today() - timedelta(days=90 * q + 1)).isoformat(),
            "evidenceRef": f"https://tickets.example/LOG-{q}",
            "externalId": f"LOG-{q}",
        }
        for q in range(5)
    ]
    rows += [
        {
            "controlKey": SLIPPED,
            "performedOn": (today() - timedelta(days=90 * q + 2)).isoformat(),
            "evidenceRef": f"https://tickets.example/RSK-{q}",
        }
        for q in range(5)
    ]
    rows.append(
        {
            "controlKey": SLIPPED,
            "performedOn": (today() - timedelta(days=20)).isoformat(),
            "result": "EXCEPTION",
            "evidenceRef": "=HYPERLINK(1)",
        }
    )
    # An event-driven control running for a year; its one occurrence in the window has a
    # reference written like a formula.
    rows += [
        {
            "controlKey": HIRED,
            "performedOn": (today() - timedelta(days=365)).isoformat(),
            "evidenceRef": "https://tickets.example/HR-0",
        },
        {
            "controlKey": HIRED,
            "performedOn": (today() - timedelta(days=3)).isoformat(),
            "evidenceRef": "+SUM(1)",
        },
    ]
    await record(alice, org_id, rows)
    return {"org": org_id, "id": assessment_id}


async def test_the_evidence_request_list_names_what_to_provide_per_control(
    alice: GraphQLClient, ledgered: dict[str, Any]
) -> None:
    exported = (await export(alice, ledgered["id"], "EVIDENCE_REQUESTS"))["export"]
    assert exported["filename"].endswith(".evidence-requests.csv")
    assert exported["contentType"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported["content"])))
    dry_run = (await alice(DRY_RUN, {"id": ledgered["id"]}))["data"]["assessment"]
    controls = {
        c["control"]["key"]: c
        for c in dry_run["operatingEffectiveness"]["controls"]
        if c["verdict"] != "NOT_APPLICABLE"
    }
    # One row per applicable in-scope control, with the dry run's own figures.
    assert {r["control"] for r in rows} == set(controls)
    for row in rows:
        control = controls[row["control"]]
        assert row["evidence_requested"] == " | ".join(control["control"]["evidence"])
        assert int(row["population"]) == control["population"]
        assert int(row["sample_size"]) == control["sampleSize"]
        assert int(row["performed"]) == control["performed"]
        assert row["verdict"] == control["verdict"]
    log = next(r for r in rows if r["control"] == REVIEWED)
    assert log["verdict"] != "NO_EVIDENCE"
    assert "https://tickets.example/LOG-4" in log["on_file"]
    risky = next(r for r in rows if r["control"] == SLIPPED)
    assert int(risky["exceptions"]) == 1
    assert "=HYPERLINK(1)" in risky["on_file"].split("; ")
    # A cell that would start like a formula cannot run in a spreadsheet.
    hired = next(r for r in rows if r["control"] == HIRED)
    assert hired["on_file"] == "'+SUM(1)"
    assert hired["population"] == "1"
    untouched = [r for r in rows if r["control"] not in (REVIEWED, SLIPPED, HIRED)]
    assert untouched
    assert all(r["verdict"] == "NO_EVIDENCE" and r["on_file"] == "" for r in untouched)


async def test_without_a_ledger_the_list_still_says_what_the_auditor_will_ask(
    alice: GraphQLClient,
) -> None:
    _, assessment_id = await company(alice)
    content = (await export(alice, assessment_id, "EVIDENCE_REQUESTS"))["export"]["content"]
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) > 50
    assert {r["verdict"] for r in rows} == {"NO_EVIDENCE"}
    assert all(r["evidence_requested"] for r in rows)
    # And the report shows no dry run section while nothing is on file.
    html = (await export(alice, assessment_id, "HTML"))["export"]["content"]
    assert "Operating effectiveness" not in html


async def test_json_and_html_carry_the_dry_run_with_a_heat_map(
    alice: GraphQLClient, ledgered: dict[str, Any], tmp_path: Path
) -> None:
    document = (await export(alice, ledgered["id"], "JSON"))["export"]["content"]
    assert '"operating_effectiveness"' in document
    html = (await export(alice, ledgered["id"], "HTML"))["export"]["content"]
    assert "Operating effectiveness: the auditor" in html
    page = tmp_path / "report.html"
    page.write_text(html)
    text = await asyncio.to_thread(rendered_text, page, tmp_path / "dom")
    assert "Occurrences per control and month" in text
    assert REVIEWED in text
    # The heat map alone, rendered: passing months are green, the exception orange.
    heat_map = re.search(r'<svg[^>]*aria-label="Occurrences per control and month".*?</svg>', html)
    assert heat_map
    assert heat_map.group(0).count('class="cell pass"') >= 4
    assert 'class="cell exception"' in heat_map.group(0)
    alone = tmp_path / "heat.html"
    alone.write_text(f"<!doctype html><body style='margin:0'>{heat_map.group(0)}</body>")
    shot = tmp_path / "heat.png"
    await asyncio.to_thread(screenshot, alone, shot, tmp_path / "profile")
    _, _, counts = await asyncio.to_thread(colours, shot.read_bytes())

    def near(colour: str) -> int:
        r0, g0, b0 = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            n for (r, g, b), n in counts.items() if abs(r - r0) + abs(g - g0) + abs(b - b0) < 30
        )

    assert near("#16a34a") > 4 * 300  # at least four passing months, 20 x 20 pixels each
    assert near("#ea580c") > 300
