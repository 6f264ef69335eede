"""The report a client keeps: the PDF opened with a PDF reader, the workbook with openpyxl."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdfium2
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests import factories
from tests import soc2_support as soc2
from tests.conftest import GraphQLClient, user_key

EXPORT = """mutation($id: ID!, $format: ExportFormat!) {
  exportAssessment(input: {assessmentId: $id, format: $format}) {
    export { filename contentType content encoding } errors { code field message } } }"""


async def export(client: GraphQLClient, assessment: str, fmt: str) -> dict[str, Any]:
    body = await client(EXPORT, {"id": assessment, "format": fmt})
    payload: dict[str, Any] = body["data"]["exportAssessment"]
    assert payload["errors"] == [], payload
    return payload


PLAN = (
    """query($id: ID!) { assessment(id: $id) { remediationPlan(first: 3) { gap { id title } } } }"""
)
UPDATE = """mutation($input: UpdateRemediationInput!) { updateRemediation(input: $input) {
  errors { code } } }"""


@pytest.fixture
async def client_report(alice: GraphQLClient) -> dict[str, Any]:
    """A mid-way company with one action owned and dated."""
    org = await factories.organization(alice, "Northwind Analytics")
    created = await factories.assessment(alice, org, name="Readiness 2026", framework_key="soc2")
    await soc2.answer(alice, created["id"], soc2.mixed)
    top = (await alice(PLAN, {"id": created["id"]}))["data"]["assessment"]["remediationPlan"][0]
    due = (datetime.now(UTC).date() + timedelta(days=45)).isoformat()
    owned = await alice(
        UPDATE,
        {
            "input": {
                "assessmentId": created["id"],
                "gapId": top["gap"]["id"],
                "owner": "Priya Raman",
                "dueDate": due,
            }
        },
    )
    assert owned["data"]["updateRemediation"]["errors"] == []
    return {"id": created["id"], "top": top["gap"]["title"], "due": due}


def colours(pdf: bytes, page: int) -> dict[tuple[int, int, int], int]:
    """Pixel counts of one page rendered by PDFium."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=1).to_pil().convert("RGB")
    raw = image.tobytes()
    counts: dict[tuple[int, int, int], int] = {}
    for i in range(0, len(raw), 3):
        colour = (raw[i], raw[i + 1], raw[i + 2])
        counts[colour] = counts.get(colour, 0) + 1
    return counts


def near(counts: dict[tuple[int, int, int], int], colour: str) -> int:
    r0, g0, b0 = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(n for (r, g, b), n in counts.items() if abs(r - r0) + abs(g - g0) + abs(b - b0) < 40)


async def test_the_pdf_opens_with_the_organisation_and_holds_the_plan(
    alice: GraphQLClient, client_report: dict[str, Any]
) -> None:
    exported = (await export(alice, client_report["id"], "PDF"))["export"]
    assert exported["contentType"] == "application/pdf"
    assert exported["encoding"] == "base64"
    assert exported["filename"].endswith(".pdf")
    pdf = base64.b64decode(exported["content"])
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    assert 4 <= len(pages) <= 40
    cover = pages[0]
    assert "Northwind Analytics" in cover
    assert "SOC 2 readiness report" in cover
    assert "Readiness 2026" in cover and "TYPE 2" in cover
    summary = pages[1]
    assert "Executive summary" in summary and "actions" in summary
    text = "\n".join(pages)
    assert "Priya Raman" in text and client_report["due"] in text
    assert "Appendix: the answers" in text
    assert "Method and disclaimer" in text and "not an audit" in text
    assert "page 2 of" in summary
    # The charts are drawn: the category bars in the report's blue, on a page of their own.
    drawn = await asyncio.to_thread(
        lambda: [near(colours(pdf, i), "#2563eb") for i in range(min(4, len(pages)))]
    )
    assert max(drawn) > 2_000, drawn


async def test_the_workbook_has_the_gaps_and_the_plan_with_filters(
    alice: GraphQLClient, client_report: dict[str, Any]
) -> None:
    exported = (await export(alice, client_report["id"], "XLSX"))["export"]
    assert exported["encoding"] == "base64"
    assert exported["contentType"].endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(base64.b64decode(exported["content"])))
    assert book.sheetnames == ["Gaps", "Remediation plan"]
    gaps, plan = book["Gaps"], book["Remediation plan"]
    report = await alice(
        "query($id: ID!) { assessment(id: $id) { report { gaps { id } } } }",
        {"id": client_report["id"]},
    )
    assert gaps.max_row == 1 + len(report["data"]["assessment"]["report"]["gaps"])
    assert gaps.auto_filter.ref and plan.auto_filter.ref
    header = [c.value for c in plan[1]]
    assert header[:9] == [
        "Priority",
        "Action",
        "Severity",
        "Days sooner",
        "Waiting",
        "Effort (weeks)",
        "Owner",
        "Due date",
        "Status",
    ]
    first = [c.value for c in plan[2]]
    assert first[0] == 1 and first[1] == client_report["top"]
    assert first[6] == "Priya Raman" and first[7] == client_report["due"]


async def test_the_browser_route_serves_the_pdf_and_the_workbook(
    client: httpx.AsyncClient, alice: GraphQLClient, client_report: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {await user_key('user:alice')}"}
    pdf = await client.get(f"/reports/{client_report['id']}.pdf", headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    book = await client.get(f"/reports/{client_report['id']}.xlsx", headers=headers)
    assert book.status_code == 200
    assert book.headers["content-disposition"].startswith("attachment;")
    assert load_workbook(io.BytesIO(book.content)).sheetnames == ["Gaps", "Remediation plan"]
    outsider = {"Authorization": f"Bearer {await user_key('user:mallory')}"}
    assert (
        await client.get(f"/reports/{client_report['id']}.pdf", headers=outsider)
    ).status_code == 404


CREATE_LINK = """mutation($id: ID!, $hours: Int!) { createReportLink(input: {assessmentId: $id,
  expiresInHours: $hours}) { link { id url expiresAt } errors { code field message } } }"""
REVOKE_LINK = """mutation($id: ID!) { revokeReportLink(input: {linkId: $id}) {
  link { id revokedAt } errors { code field message } } }"""


async def test_a_share_link_opens_without_an_account_until_revoked(
    client: httpx.AsyncClient,
    alice: GraphQLClient,
    bob: GraphQLClient,
    client_report: dict[str, Any],
) -> None:
    created = (await alice(CREATE_LINK, {"id": client_report["id"], "hours": 48}))["data"][
        "createReportLink"
    ]
    assert created["errors"] == []
    url = created["link"]["url"]
    path = url[url.index("/shared/") :]
    assert len(path) > len("/shared/") + 40  # 256 random bits
    page = await client.get(path)  # no Authorization header
    assert page.status_code == 200
    assert "Northwind Analytics" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    pdf = await client.get(path + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # Each open is in the organisation's audit log, by the link.
    events = await alice(
        """query($id: ID!) { assessment(id: $id) { organization { auditEvents(first: 20) {
          edges { node { action actor } } } } } }""",
        {"id": client_report["id"]},
    )
    opens = [
        e["node"]
        for e in events["data"]["assessment"]["organization"]["auditEvents"]["edges"]
        if e["node"]["action"] == "openReportLink"
    ]
    assert len(opens) == 2 and all(o["actor"].startswith("link:") for o in opens)
    # Too long, another tenant, a viewer: refused; the link lives on.
    too_long = (await alice(CREATE_LINK, {"id": client_report["id"], "hours": 721}))["data"]
    assert too_long["createReportLink"]["errors"][0]["field"] == ["input", "expiresInHours"]
    foreign = (await bob(REVOKE_LINK, {"id": created["link"]["id"]}))["data"]["revokeReportLink"]
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]
    assert (await client.get(path)).status_code == 200
    revoked = (await alice(REVOKE_LINK, {"id": created["link"]["id"]}))["data"]["revokeReportLink"]
    assert revoked["errors"] == [] and revoked["link"]["revokedAt"]
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path + ".pdf")).status_code == 404
    assert (await client.get("/shared/" + "x" * 43)).status_code == 404


async def test_an_expired_link_opens_nothing(
    client: httpx.AsyncClient, alice: GraphQLClient, client_report: dict[str, Any]
) -> None:
    from service.api.ids import decode_id
    from service.storage.documents import ReportLink

    created = (await alice(CREATE_LINK, {"id": client_report["id"], "hours": 1}))["data"][
        "createReportLink"
    ]["link"]
    path = created["url"][created["url"].index("/shared/") :]
    assert (await client.get(path)).status_code == 200
    await ReportLink.get_pymongo_collection().update_one(
        {"_id": decode_id("ReportLink", created["id"])},
        {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}},
    )
    assert (await client.get(path)).status_code == 404


def png(width: int = 40, height: int = 12) -> bytes:
    """A small opaque PNG, all the brand's purple."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes((0x7C, 0x3A, 0xED)) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


BRANDING = """mutation($o: ID!, $name: String, $logo: String) { setReportBranding(input: {
  organizationId: $o, consultantName: $name, logoPng: $logo }) {
  organization { reportConsultant reportLogo } errors { code field message } } }"""


async def test_a_consultant_brands_the_reports_with_a_name_and_a_logo(
    alice: GraphQLClient, client_report: dict[str, Any]
) -> None:
    org = (
        await alice(
            "query($id: ID!) { assessment(id: $id) { organizationId } }",
            {"id": client_report["id"]},
        )
    )["data"]["assessment"]["organizationId"]
    logo = base64.b64encode(png(400, 120)).decode()
    done = (await alice(BRANDING, {"o": org, "name": "Ada  Audit LLP", "logo": logo}))["data"]
    assert done["setReportBranding"] == {
        "organization": {"reportConsultant": "Ada Audit LLP", "reportLogo": True},
        "errors": [],
    }
    refused = [
        ({"name": "n" * 201}, "consultantName"),
        ({"logo": "not base64!"}, "logoPng"),
        ({"logo": base64.b64encode(b"GIF89a....").decode()}, "logoPng"),
    ]
    for variables, field in refused:
        body = (await alice(BRANDING, {"o": org, **variables}))["data"]["setReportBranding"]
        assert [(e["code"], e["field"]) for e in body["errors"]] == [("INVALID", ["input", field])]
    html = (await export(alice, client_report["id"], "HTML"))["export"]["content"]
    assert "Prepared by Ada Audit LLP" in html and "data:image/png;base64," in html
    pdf = base64.b64decode((await export(alice, client_report["id"], "PDF"))["export"]["content"])
    cover = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Prepared by: Ada Audit LLP" in cover
    # The logo is drawn on the cover, in its own purple.
    drawn = await asyncio.to_thread(lambda: near(colours(pdf, 0), "#7c3aed"))
    assert drawn > 1_000, drawn
