"""The catalog through GraphQL: frameworks, filters, cross-references, imports, versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from service.catalog.authoring import SCHEMAS, render
from service.catalog.loader import load_directory, read_bundle
from service.catalog.validation import CatalogError
from service.storage.documents import FrameworkRecord, QuestionnaireRecord
from tests import catalog_samples, factories
from tests.conftest import CommandCounter, GraphQLClient, user_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


FRAMEWORK = """
query($key: String!, $category: TrustCategory) { framework(key: $key) { key version name custom
  criteria(category: $category) { ref category title weight pointsOfFocus { ref topic }
    controls { key } mappings { framework refs } } } }
"""
IMPORT = """
mutation($input: ImportCatalogDocumentInput!) { importFramework(input: $input) {
  published framework { key version custom } errors { code field message } } }
"""
IMPORT_Q = """
mutation($input: ImportCatalogDocumentInput!) { importQuestionnaire(input: $input) {
  published questionnaire { key version } errors { code field message } } }
"""


def test_committed_json_schemas_match_the_models() -> None:
    for name in SCHEMAS:
        assert (ROOT / "frameworks" / "schema" / name).read_text() == render(name), name


@pytest.mark.parametrize(
    ("document", "schema"),
    [
        ("framework.yaml", "framework-criteria"),
        ("controls.yaml", "framework-controls"),
        ("questionnaire.yaml", "questionnaire"),
    ],
)
def test_the_shipped_soc2_files_pass_the_schemas_they_name(document: str, schema: str) -> None:
    """Authors' editors validate against these schemas: the shipped files must pass."""
    import json

    import jsonschema

    path = ROOT / "frameworks" / "soc2" / document
    first_line = path.read_text().splitlines()[0]
    assert first_line == f"# yaml-language-server: $schema=../schema/{schema}.schema.json"
    checker = jsonschema.Draft202012Validator(
        json.loads((ROOT / "frameworks" / "schema" / f"{schema}.schema.json").read_text())
    )
    problems = [e.message for e in checker.iter_errors(yaml.safe_load(path.read_text()))]
    assert problems == []


def test_a_split_framework_merges_into_one_that_passes_the_whole_schema() -> None:
    import json

    import jsonschema

    merged, _ = read_bundle(ROOT / "frameworks" / "soc2")
    whole = json.loads((ROOT / "frameworks" / "schema" / "framework.schema.json").read_text())
    assert list(jsonschema.Draft202012Validator(whole).iter_errors(merged)) == []


async def test_framework_criteria_and_filters(alice: GraphQLClient) -> None:
    body = await alice(FRAMEWORK, {"key": "mini"})
    framework = body["data"]["framework"]
    assert (framework["key"], framework["version"], framework["custom"]) == ("mini", "1", False)
    assert [c["ref"] for c in framework["criteria"]] == ["CC1.1", "CC1.2", "P1.1"]
    cc11 = framework["criteria"][0]
    assert cc11["pointsOfFocus"] == [
        {"ref": "CC1.1#1", "topic": "least privilege"},
        {"ref": "CC1.1#2", "topic": "reviews"},
    ]
    assert cc11["controls"] == [{"key": "IAM-01"}]
    assert {"framework": "iso27001_2022", "refs": ["A.5.18"]} in cc11["mappings"]
    privacy = await alice(FRAMEWORK, {"key": "mini", "category": "PRIVACY"})
    assert [c["ref"] for c in privacy["data"]["framework"]["criteria"]] == ["P1.1"]
    assert (await alice(FRAMEWORK, {"key": "nope"}))["data"]["framework"] is None


async def test_control_filters_and_cross_reference(alice: GraphQLClient) -> None:
    query = """
    { framework(key: "mini") {
        byCriterion: controls(criterion: "CC1.2") { key }
        bySearch: controls(search: "QUARTERLY") { key }
        byIso: controls(mappedFramework: ISO27001_2022, mappedRef: "A.8.15") { key }
        byAnyRef: controls(mappedRef: "PR.AA-05") { key }
        iso: crossReference(framework: ISO27001_2022, ref: "A.5.18") { ref controls { key } criteria { ref } }
        nist: crossReference(framework: NIST_CSF_2, ref: "DE.CM-01") { controls { key name criteria { ref } } }
        none: crossReference(framework: NIST_CSF_2, ref: "GV.OC-01") { controls { key } criteria { ref } }
    } }
    """
    framework = (await alice(query))["data"]["framework"]
    assert framework["byCriterion"] == [{"key": "LOG-01"}]
    assert framework["bySearch"] == [{"key": "IAM-01"}]
    assert framework["byIso"] == [{"key": "LOG-01"}]
    assert framework["byAnyRef"] == [{"key": "IAM-01"}]
    assert framework["iso"] == {
        "ref": "A.5.18",
        "controls": [{"key": "IAM-01"}],
        "criteria": [{"ref": "CC1.1"}],
    }
    assert framework["nist"]["controls"][0]["criteria"] == [{"ref": "CC1.2"}]
    assert framework["none"] == {"controls": [], "criteria": []}


async def test_questionnaire_with_coverage(alice: GraphQLClient) -> None:
    query = """
    { questionnaire(key: "mini-readiness") { key version framework { key }
        sections { key questions { key kind role options { value score } controls { key } showIf
                                   pointsOfFocus allowNotApplicable } }
        scopeRules { category when }
        coverage { pointsOfFocusTotal pointsOfFocusCovered percent uncovered } } }
    """
    questionnaire = (await alice(query))["data"]["questionnaire"]
    assert questionnaire["framework"] == {"key": "mini"}
    questions = {q["key"]: q for s in questionnaire["sections"] for q in s["questions"]}
    assert questions["iam.reviews"]["options"] == [
        {"value": "yes", "score": 1.0},
        {"value": "partial", "score": 0.5},
        {"value": "no", "score": 0.0},
    ]
    assert questions["iam.months"]["role"] == "OPERATING"
    assert questions["prv.notice"]["showIf"] == "scope.personal_data == 'yes'"
    assert questionnaire["coverage"] == {
        "pointsOfFocusTotal": 4,
        "pointsOfFocusCovered": 4,
        "percent": 100.0,
        "uncovered": [],
    }


async def test_reloading_unchanged_files_changes_nothing(
    alice: GraphQLClient, frameworks_dir: Path
) -> None:
    before = (await FrameworkRecord.count(), await QuestionnaireRecord.count())
    report = await load_directory(frameworks_dir)
    assert report.published == []
    assert sorted(report.unchanged) == ["framework mini@1", "questionnaire mini-readiness@1"]
    assert (await FrameworkRecord.count(), await QuestionnaireRecord.count()) == before


async def test_a_changed_document_is_a_new_version_and_assessments_stay_pinned(
    alice: GraphQLClient, frameworks_dir: Path
) -> None:
    org = await factories.organization(alice, "A")
    created = await factories.assessment(alice, org, name="x", audit_type="TYPE_1")
    assessment_id = created["id"]
    changed = catalog_samples.framework()
    changed["criteria"][0]["title"] = "Access, revised"
    (frameworks_dir / "mini" / "framework.yaml").write_text(yaml.safe_dump(changed))
    report = await load_directory(frameworks_dir)
    assert "framework mini@2" in report.published
    assert "questionnaire mini-readiness@2" in report.published  # re-validated against mini@2
    latest = (await alice(FRAMEWORK, {"key": "mini"}))["data"]["framework"]
    assert (latest["version"], latest["criteria"][0]["title"]) == ("2", "Access, revised")
    old = (await alice('{ framework(key: "mini", version: "1") { criteria { title } } }'))["data"][
        "framework"
    ]
    assert old["criteria"][0]["title"] == "Access"
    pinned = await alice(
        "query($id: ID!) { assessment(id: $id) { framework { version } questionnaire { version } } }",
        {"id": assessment_id},
    )
    assert pinned["data"]["assessment"] == {
        "framework": {"version": "1"},
        "questionnaire": {"version": "1"},
    }


async def test_a_bad_questionnaire_publishes_nothing_not_even_its_framework(
    alice: GraphQLClient, frameworks_dir: Path
) -> None:
    before = (await FrameworkRecord.count(), await QuestionnaireRecord.count())
    changed = catalog_samples.framework()
    changed["criteria"][0]["title"] = "Access, revised"
    (frameworks_dir / "mini" / "framework.yaml").write_text(yaml.safe_dump(changed))
    broken = catalog_samples.questionnaire()
    broken["sections"][0]["questions"][0]["controls"] = ["NOPE-99"]
    questionnaire_file = next((frameworks_dir / "mini").glob("questionnaire*.yaml"))
    questionnaire_file.write_text(yaml.safe_dump(broken))
    with pytest.raises(CatalogError) as refused:
        await load_directory(frameworks_dir)
    assert any("NOPE-99" in p and p.startswith("questionnaire ") for p in refused.value.problems)
    assert (await FrameworkRecord.count(), await QuestionnaireRecord.count()) == before
    latest = (await alice(FRAMEWORK, {"key": "mini"}))["data"]["framework"]
    assert latest["version"] == "1"


async def test_a_yaml_syntax_error_is_a_clear_problem(
    alice: GraphQLClient, frameworks_dir: Path
) -> None:
    (frameworks_dir / "mini" / "framework.yaml").write_text("key: mini\ncriteria: [\n  - {")
    with pytest.raises(CatalogError) as refused:
        await load_directory(frameworks_dir)
    assert refused.value.problems[0].startswith("framework.yaml: not valid YAML at line ")


async def test_owner_imports_a_private_framework(alice: GraphQLClient, bob: GraphQLClient) -> None:
    org = await factories.organization(alice, "A")
    document = catalog_samples.framework()
    document["key"] = "acme-internal"
    payload = (
        await alice(
            IMPORT,
            {"input": {"organizationId": org, "format": "JSON", "document": json.dumps(document)}},
        )
    )["data"]["importFramework"]
    assert payload == {
        "published": True,
        "framework": {"key": "acme-internal", "version": "1", "custom": True},
        "errors": [],
    }
    again = (
        await alice(
            IMPORT,
            {
                "input": {
                    "organizationId": org,
                    "format": "YAML",
                    "document": yaml.safe_dump(document),
                }
            },
        )
    )["data"]["importFramework"]
    assert again["published"] is False
    visible = await alice(
        "query($org: ID) { frameworks(organizationId: $org) { key custom } }", {"org": org}
    )
    assert {"key": "acme-internal", "custom": True} in visible["data"]["frameworks"]
    hidden = await bob("query($org: ID) { frameworks(organizationId: $org) { key } }", {"org": org})
    assert {"key": "acme-internal"} not in hidden["data"]["frameworks"]
    assert (await alice('{ framework(key: "acme-internal") { key } }'))["data"]["framework"] is None
    foreign = (
        await bob(IMPORT, {"input": {"organizationId": org, "document": yaml.safe_dump(document)}})
    )["data"]["importFramework"]
    assert foreign["errors"][0]["code"] == "NOT_FOUND"


async def test_global_publishing_is_for_platform_admins(alice: GraphQLClient, client) -> None:  # type: ignore[no-untyped-def]
    document = catalog_samples.framework()
    document["key"] = "shared"
    refused = (await alice(IMPORT, {"input": {"document": yaml.safe_dump(document)}}))["data"][
        "importFramework"
    ]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    admin = GraphQLClient(client, await user_key("admin:root", platform_admin=True))
    published = (await admin(IMPORT, {"input": {"document": yaml.safe_dump(document)}}))["data"][
        "importFramework"
    ]
    assert published["framework"] == {"key": "shared", "version": "1", "custom": False}
    questionnaire = catalog_samples.questionnaire()
    questionnaire["key"], questionnaire["framework"] = "shared-q", "shared"
    imported = (await admin(IMPORT_Q, {"input": {"document": yaml.safe_dump(questionnaire)}}))[
        "data"
    ]["importQuestionnaire"]
    assert imported == {
        "published": True,
        "questionnaire": {"key": "shared-q", "version": "1"},
        "errors": [],
    }
    assert (await alice('{ framework(key: "shared") { key } }'))["data"]["framework"] == {
        "key": "shared"
    }


async def test_bad_import_lists_every_problem_and_writes_nothing(alice: GraphQLClient) -> None:
    org = await factories.organization(alice, "A")
    document = catalog_samples.framework()
    document["key"] = "broken"
    document["controls"][0]["criteria"] = ["CC10.1"]
    document["controls"][1]["key"] = "PRV-01"
    before = await FrameworkRecord.count()
    payload = (
        await alice(
            IMPORT, {"input": {"organizationId": org, "document": yaml.safe_dump(document)}}
        )
    )["data"]["importFramework"]
    assert payload["framework"] is None
    messages = [e["message"] for e in payload["errors"]]
    assert "controls[0].criteria[0]: unknown criterion CC10.1" in messages
    assert "controls: duplicate control key PRV-01" in messages
    assert ["input", "document", "controls[0].criteria[0]"] in [
        e["field"] for e in payload["errors"]
    ]
    assert all(e["code"] == "INVALID" for e in payload["errors"])
    assert await FrameworkRecord.count() == before
    garbage = (await alice(IMPORT, {"input": {"organizationId": org, "document": "a: {b: [1, 2"}}))[
        "data"
    ]["importFramework"]
    assert garbage["errors"][0]["field"] == ["input", "document", "(document)"]


async def test_catalog_queries_do_not_fetch_per_item(
    alice: GraphQLClient, commands: CommandCounter
) -> None:
    # criterion -> control -> criterion; one more level would be over the query cost limit.
    query = """{ framework(key: "mini") { criteria { controls { criteria { ref } mappings { refs } } } }
                 questionnaire(key: "mini-readiness") { sections { questions { controls { criteria { ref } } } } } }"""
    await alice(query)
    commands.reset()
    await alice(query)
    # One find per collection (frameworks, questionnaires), whatever the nesting.
    assert len(commands.commands) == 2, commands.commands
