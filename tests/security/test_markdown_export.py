"""Exports carry tenant text inert (issue 13, class 9).

An organisation's name, an assessment's name, answer notes and the titles of an
organisation's own imported framework are chosen by tenants. In the Markdown
export none of them may become raw HTML or a ``javascript:``/``data:`` link; the
HTML export escapes them, and the CSV export never starts a cell with a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from tests import catalog_samples, factories
from tests.conftest import GraphQLClient

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) "
    "![p](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(4)> `x` *y* | z"
)
FORMULA = '=HYPERLINK("https://evil.example","x")'
IMPORT = """
mutation($input: ImportCatalogDocumentInput!) { importFramework(input: $input) {
  errors { code field message } } }
"""
IMPORT_Q = """
mutation($input: ImportCatalogDocumentInput!) { importQuestionnaire(input: $input) {
  errors { code field message } } }
"""
EXPORT = """
mutation($id: ID!, $format: ExportFormat!) {
  exportAssessment(input: {assessmentId: $id, format: $format}) {
    export { content } errors { code field message } } }
"""


def hostile_framework() -> dict[str, Any]:
    document = catalog_samples.framework()
    document["key"] = "hostile"
    for criterion in document["criteria"]:
        criterion["title"] = HOSTILE[:290]
    for control in document["controls"]:
        control["name"] = HOSTILE[:290]
        control["remediation"] = f"{HOSTILE} -2+3 @SUM(A1)"
    document["controls"][0]["name"] = FORMULA
    return document


def hostile_questionnaire() -> dict[str, Any]:
    document = catalog_samples.questionnaire()
    document["framework"] = "hostile"
    document["key"] = "hostile-readiness"
    for section in document["sections"]:
        for question in section["questions"]:
            question["text"] = HOSTILE
    return document


@pytest.fixture
async def hostile_assessment(alice: GraphQLClient) -> str:
    org_id = await factories.organization(alice, HOSTILE[:100])
    for mutation, document in ((IMPORT, hostile_framework()), (IMPORT_Q, hostile_questionnaire())):
        variables = {"organizationId": org_id, "format": "JSON", "document": json.dumps(document)}
        payload = await alice(mutation, {"input": variables})
        assert next(iter(payload["data"].values()))["errors"] == []
    answers = [
        {"questionKey": "scope.personal_data", "value": "yes", "note": HOSTILE},
        {"questionKey": "iam.reviews", "value": "no", "note": HOSTILE},
        {"questionKey": "log.central", "value": "1", "note": HOSTILE},
    ]
    # The factories fail the test unless createAssessment and saveAnswers report no errors.
    return await factories.answered_assessment(
        alice, org_id, answers, name=HOSTILE[:100], framework_key="hostile"
    )


async def export(alice: GraphQLClient, assessment_id: str, fmt: str) -> str:
    payload = (await alice(EXPORT, {"id": assessment_id, "format": fmt}))["data"]
    assert payload["exportAssessment"]["errors"] == []
    return str(payload["exportAssessment"]["export"]["content"])


async def test_markdown_neutralises_html_and_active_links(
    alice: GraphQLClient, hostile_assessment: str
) -> None:
    markdown = await export(alice, hostile_assessment, "MARKDOWN")
    # The hostile text reached the report (escaped), in the title and in the gaps.
    assert markdown.startswith("# SOC 2 readiness: &lt;script&gt;alert\\(1\\)&lt;/script&gt;")
    assert markdown.count("&lt;script&gt;") >= 3
    lowered = markdown.lower()
    for raw in ("<script", "<img", "<javascript", "javascript:", "data:", "](", "!["):
        assert raw not in lowered, raw
    # No link or image syntax of any kind survives from a value: every bracket is escaped.
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", markdown)
    # Values never break out of their table cell or line.
    for line in markdown.splitlines():
        if line.startswith("| GAP-"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 7, line


async def test_html_escapes_every_value(alice: GraphQLClient, hostile_assessment: str) -> None:
    page = await export(alice, hostile_assessment, "HTML")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert 'href="javascript' not in lowered


async def test_csv_cells_never_start_a_formula(
    alice: GraphQLClient, hostile_assessment: str
) -> None:
    rows = list(csv.DictReader(io.StringIO(await export(alice, hostile_assessment, "CSV"))))
    assert rows
    assert any(row["control_name"] == "'" + FORMULA for row in rows)
    for row in rows:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
