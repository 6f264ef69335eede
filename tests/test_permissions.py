"""The permission matrix of docs/security.md, checked cell by cell against the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from service.api.ids import decode_id
from service.storage.embedding_documents import Webhook
from tests import catalog_samples, factories
from tests.conftest import GraphQLClient

DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"
ROLES = ["OWNER", "ASSESSOR", "CONTRIBUTOR", "VIEWER"]


def matrix() -> dict[str, dict[str, bool]]:
    rows: dict[str, dict[str, bool]] = {}
    section = DOC.read_text().split("| operation | OWNER |", 1)[1]
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(ROLES, [c == "yes" for c in cells[1:]], strict=True))
    return rows


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


async def setup(alice: GraphQLClient, bob: GraphQLClient, role: str) -> dict[str, str]:
    org = await factories.organization(alice, "M")
    await factories.member(alice, org, "user:bob", role)
    await factories.member(alice, org, "user:carol", "VIEWER")
    assessment = (await factories.assessment(alice, org))["id"]
    submitted = (await factories.assessment(alice, org, name="s"))["id"]
    await alice(
        "mutation($id: ID!) { submitAssessment(input: {assessmentId: $id}) { errors { code } } }",
        {"id": submitted},
    )
    key = (await factories.api_key(alice, org, "k"))["apiKey"]["id"]
    gap = (
        await alice(
            "query($a: ID!) { assessment(id: $a) { report { gaps { id } } } }", {"a": assessment}
        )
    )["data"]["assessment"]["report"]["gaps"][0]["id"]
    link = (
        await alice(
            "mutation($a: ID!) { createReportLink(input: {assessmentId: $a, expiresInHours: 2}) { link { id } } }",
            {"a": assessment},
        )
    )["data"]["createReportLink"]["link"]["id"]
    # An organisation of its own for deleteOrganization, so the other rows keep theirs.
    doomed = await factories.organization(alice, "Doomed")
    await factories.member(alice, doomed, "user:bob", role)
    draft = (
        await alice(
            'mutation($a: ID!) { draftPolicies(input: {assessmentId: $a, controlKeys: ["IAM-01"]}) { drafts { id } errors { code } } }',
            {"a": assessment},
        )
    )["data"]["draftPolicies"]["drafts"][0]["id"]
    hooks = [
        (
            await alice(
                'mutation($o: ID!) { createWebhook(input: {organizationId: $o, url: "http://127.0.0.1:9/hook", events: [REPORT_CHANGED]}) { webhook { id } } }',
                {"o": org},
            )
        )["data"]["createWebhook"]["webhook"]["id"]
        for _ in range(2)
    ]
    # The second one paused, as deliveries that keep failing leave it, for resumeWebhook.
    await Webhook.get_pymongo_collection().update_one(
        {"_id": decode_id("Webhook", hooks[1])}, {"$set": {"active": False}}
    )
    return {
        "hook": hooks[0],
        "paused": hooks[1],
        "org": org,
        "assessment": assessment,
        "submitted": submitted,
        "key": key,
        "draft": draft,
        "doomed": doomed,
        "gap": gap,
        "link": link,
    }


def questionnaire_yaml() -> str:
    document = catalog_samples.questionnaire()
    document["key"] = "private-questions"
    return yaml.safe_dump(document)


def framework_yaml() -> str:
    document = catalog_samples.framework()
    document["key"] = "private-one"
    return yaml.safe_dump(document)


OPERATIONS: dict[str, tuple[str, Any]] = {
    # First: the gap it names is open until the answers below close it.
    "updateRemediation": (
        'mutation($a: ID!, $g: ID!) { r: updateRemediation(input: {assessmentId: $a, gapId: $g, note: "n"}) { errors { code } } }',
        lambda ids: {"a": ids["assessment"], "g": ids["gap"]},
    ),
    "saveAnswers": (
        'mutation($a: ID!) { r: saveAnswers(input: {assessmentId: $a, expectedVersion: 1, answers: [{questionKey: "iam.reviews", value: "yes"}]}) { errors { code } } }',
        lambda ids: {"a": ids["assessment"]},
    ),
    "createAssessment": (
        'mutation($o: ID!) { r: createAssessment(input: {organizationId: $o, name: "b", frameworkKey: "mini", scope: [], auditType: TYPE_1}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "updateAssessment": (
        'mutation($a: ID!) { r: updateAssessment(input: {assessmentId: $a, name: "renamed"}) { errors { code } } }',
        lambda ids: {"a": ids["assessment"]},
    ),
    "setSubserviceOrganizations": (
        "mutation($a: ID!) { r: setSubserviceOrganizations(input: {assessmentId: $a, "
        "organizations: []}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
    "submitAssessment": (
        "mutation($a: ID!) { r: submitAssessment(input: {assessmentId: $a}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
    "reopenAssessment": (
        "mutation($a: ID!) { r: reopenAssessment(input: {assessmentId: $a}) { errors { code } } }",
        lambda ids: {"a": ids["submitted"]},
    ),
    "setReportBranding": (
        'mutation($o: ID!) { r: setReportBranding(input: {organizationId: $o, consultantName: "Ada Audit"}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "deleteOrganization": (
        'mutation($o: ID!) { r: deleteOrganization(input: {organizationId: $o, confirmName: "Doomed"}) { errors { code } } }',
        lambda ids: {"o": ids["doomed"]},
    ),
    "renameOrganization": (
        'mutation($o: ID!) { r: renameOrganization(input: {organizationId: $o, name: "N"}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "exportAssessment (and `GET /reports/...`)": (
        "mutation($a: ID!) { r: exportAssessment(input: {assessmentId: $a, format: CSV}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
    "addMember": (
        'mutation($o: ID!) { r: addMember(input: {organizationId: $o, subject: "user:dave", role: VIEWER}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "changeMemberRole": (
        'mutation($o: ID!) { r: changeMemberRole(input: {organizationId: $o, subject: "user:carol", role: CONTRIBUTOR}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "removeMember": (
        'mutation($o: ID!) { r: removeMember(input: {organizationId: $o, subject: "user:carol"}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "createApiKey": (
        'mutation($o: ID!) { r: createApiKey(input: {organizationId: $o, name: "n"}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "revokeApiKey": (
        "mutation($o: ID!, $k: ID!) { r: revokeApiKey(input: {organizationId: $o, apiKeyId: $k}) { errors { code } } }",
        lambda ids: {"o": ids["org"], "k": ids["key"]},
    ),
    "draftPolicies": (
        'mutation($a: ID!) { r: draftPolicies(input: {assessmentId: $a, controlKeys: ["IAM-01"]}) { errors { code } } }',
        lambda ids: {"a": ids["assessment"]},
    ),
    "reviewPolicyDraft": (
        "mutation($d: ID!) { r: reviewPolicyDraft(input: {draftId: $d, decision: APPROVE}) { errors { code } } }",
        lambda ids: {"d": ids["draft"]},
    ),
    "importQuestionnaire (for the organisation)": (
        "mutation($o: ID!, $d: String!) { r: importQuestionnaire(input: {organizationId: $o, document: $d}) { errors { code } } }",
        lambda ids: {"o": ids["org"], "d": questionnaire_yaml()},
    ),
    "importFramework (for the organisation)": (
        "mutation($o: ID!, $d: String!) { r: importFramework(input: {organizationId: $o, document: $d}) { errors { code } } }",
        lambda ids: {"o": ids["org"], "d": framework_yaml()},
    ),
    "recordOccurrences (the evidence ledger)": (
        'mutation($o: ID!) { r: recordOccurrences(input: {organizationId: $o, occurrences: [{controlKey: "IAM-01", performedOn: "2026-01-05"}]}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "importOccurrences (the evidence ledger, from CSV)": (
        'mutation($o: ID!) { r: importOccurrences(input: {organizationId: $o, csv: "controlKey,performedOn\\nIAM-01,2026-01-06\\n"}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "setSamplingProfile": (
        "mutation($o: ID!) { r: setSamplingProfile(input: {organizationId: $o, sizes: [{frequency: MONTHLY, sampleSize: 3}]}) { errors { code } } }",
        lambda ids: {"o": ids["org"]},
    ),
    "createReportLink": (
        "mutation($a: ID!) { r: createReportLink(input: {assessmentId: $a, expiresInHours: 24}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
    "revokeReportLink": (
        "mutation($l: ID!) { r: revokeReportLink(input: {linkId: $l}) { errors { code } } }",
        lambda ids: {"l": ids["link"]},
    ),
    "createWebhook": (
        'mutation($o: ID!) { r: createWebhook(input: {organizationId: $o, url: "http://127.0.0.1:9/h", events: [DRAFT_READY]}) { errors { code } } }',
        lambda ids: {"o": ids["org"]},
    ),
    "resumeWebhook": (
        "mutation($w: ID!) { r: resumeWebhook(input: {webhookId: $w}) { errors { code } } }",
        lambda ids: {"w": ids["paused"]},
    ),
    "deleteWebhook": (
        "mutation($w: ID!) { r: deleteWebhook(input: {webhookId: $w}) { errors { code } } }",
        lambda ids: {"w": ids["hook"]},
    ),
    "simulateAudit (reads only)": (
        "mutation($a: ID!) { r: simulateAudit(input: {assessmentId: $a, seed: 7}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
    # Last: it makes the assessment read-only for the operations after it.
    "archiveAssessment": (
        "mutation($a: ID!) { r: archiveAssessment(input: {assessmentId: $a}) { errors { code } } }",
        lambda ids: {"a": ids["assessment"]},
    ),
}
READS = {
    "read occurrences, samplingProfile and operatingEffectiveness": (
        "query($o: ID!, $a: ID!) { organization(id: $o) { occurrences { nodes { id } } samplingProfile { sampleSize } } assessment(id: $a) { operatingEffectiveness { controls { verdict } } } }",
        lambda ids: {"o": ids["org"], "a": ids["assessment"]},
    ),
    "read organisation, assessments, reports, members": (
        "query($o: ID!, $a: ID!) { organization(id: $o) { name members { subject } assessments { nodes { id } } } assessment(id: $a) { report { readiness gaps { kind } } } }",
        lambda ids: {"o": ids["org"], "a": ids["assessment"]},
    ),
    "read webhooks and their deliveries": (
        "query($o: ID!) { organization(id: $o) { webhooks { id deliveries { id } } } }",
        lambda ids: {"o": ids["org"]},
    ),
    "read auditEvents and apiKeys": (
        "query($o: ID!) { organization(id: $o) { auditEvents { edges { cursor } } apiKeys { name } } }",
        lambda ids: {"o": ids["org"]},
    ),
}


def test_the_matrix_covers_every_mutation_that_takes_an_organisation() -> None:
    documented = set(matrix())
    assert set(OPERATIONS) | set(READS) == documented


def test_every_mutation_of_the_schema_is_in_the_matrix() -> None:
    from service.api.schema import build_schema

    schema = build_schema()
    assert schema._schema.mutation_type is not None
    mutations = set(schema._schema.mutation_type.fields)
    # Not about an organisation's data: any signed-in user may create one (an
    # organisation's API key may not: tests/test_organizations.py).
    outside = {"createOrganization", "createProvisioningKey", "revokeProvisioningKey"}
    documented = {row.split(" ")[0] for row in matrix()}
    assert mutations - outside == documented - {"read"}


@pytest.mark.parametrize("role", ROLES)
async def test_permission_matrix(alice: GraphQLClient, bob: GraphQLClient, role: str) -> None:
    table = matrix()
    ids = await setup(alice, bob, role)
    for operation, (query, variables) in OPERATIONS.items():
        body = await bob(query, variables(ids))
        errors = body["data"]["r"]["errors"]
        allowed = table[operation][role]
        if allowed:
            assert errors == [], (role, operation, errors)
        else:
            assert [e["code"] for e in errors] == ["FORBIDDEN"], (role, operation, errors)
    for operation, (query, variables) in READS.items():
        body = await bob(query, variables(ids), expect_errors=True)
        if table[operation][role]:
            assert "errors" not in body, (role, operation, body)
        else:
            assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}, (
                role,
                operation,
            )
