"""Catalog documents: every problem found, each with its path; garbage never crashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.catalog import conditions
from service.catalog.documents_io import read_document
from service.catalog.validation import CatalogError, parse_framework, parse_questionnaire
from tests import catalog_samples

Mutation = Callable[[dict[str, Any]], None]


def test_samples_are_valid() -> None:
    framework = parse_framework(catalog_samples.framework())
    parse_questionnaire(catalog_samples.questionnaire(), framework)


def test_iso_refs_may_be_annex_a_controls_or_requirement_clauses() -> None:
    document = catalog_samples.framework()
    refs = ["A.5.18", "6.1.2", "9.2", "9.3", "10.2", "7.5.3"]
    document["controls"][0]["mappings"]["iso27001_2022"] = refs
    assert parse_framework(document).controls[0].mappings.iso27001_2022 == refs


def _set(path: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _append(path: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        node.append(value)

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


FRAMEWORK_CASES: list[tuple[str, Mutation, str]] = [
    (
        "unknown criterion",
        _set("controls.0.criteria.0", "CC10.1"),
        "controls[0].criteria[0]: unknown criterion CC10.1",
    ),
    (
        "duplicate control",
        _set("controls.1.key", "IAM-01"),
        "controls: duplicate control key IAM-01",
    ),
    ("duplicate criterion", _set("criteria.1.ref", "CC1.1"), "criteria: duplicate criterion CC1.1"),
    (
        "criterion without control",
        _set("controls.1.criteria", ["CC1.1"]),
        "criteria[1]: criterion CC1.2 has no control",
    ),
    ("unknown series", _set("criteria.0.series", "CC9"), "criteria[0].series: unknown series CC9"),
    (
        "series category mismatch",
        _set("criteria.2.category", "SECURITY"),
        "criteria[2].category: SECURITY differs",
    ),
    (
        "undeclared category",
        _set("series.1.category", "AVAILABILITY"),
        "series[1].category: AVAILABILITY is not a declared category",
    ),
    (
        "unknown policy family",
        _set("controls.0.policy_family", "nope"),
        "controls[0].policy_family: unknown policy family nope",
    ),
    (
        "duplicate policy family",
        _set("policy_families.1.key", "access-control"),
        "duplicate policy family access-control",
    ),
    ("bad weight", _set("criteria.0.weight", 7), "criteria[0].weight:"),
    ("bad frequency", _set("controls.0.frequency", "HOURLY"), "controls[0].frequency:"),
    ("no evidence", _set("controls.0.evidence", []), "controls[0].evidence:"),
    ("effort out of range", _set("controls.0.effort_weeks", 0), "controls[0].effort_weeks:"),
    (
        "bad iso ref",
        _set("controls.0.mappings.iso27001_2022", ["A.9.1"]),
        "controls[0].mappings.iso27001_2022[0]:",
    ),
    (
        "iso ref past the end of its theme",
        _set("controls.0.mappings.iso27001_2022", ["A.6.9"]),
        "controls[0].mappings.iso27001_2022[0]: 'A.6.9' is not an ISO/IEC 27001",
    ),
    (
        "iso clause that the standard does not have",
        _set("controls.0.mappings.iso27001_2022", ["9.4"]),
        "controls[0].mappings.iso27001_2022[0]: '9.4' is not an ISO/IEC 27001:2022 clause",
    ),
    (
        "iso clause outside clauses 4 to 10",
        _set("controls.0.mappings.iso27001_2022", ["3.1"]),
        "controls[0].mappings.iso27001_2022[0]:",
    ),
    (
        "iso subclause too deep",
        _set("controls.0.mappings.iso27001_2022", ["6.1.2.1"]),
        "controls[0].mappings.iso27001_2022[0]:",
    ),
    (
        "csf 2.0 gap in numbering",
        _set("controls.0.mappings.nist_csf_2", ["PR.DS-05"]),
        "controls[0].mappings.nist_csf_2[0]: 'PR.DS-05' is not a NIST CSF 2.0",
    ),
    (
        "csf 1.1 ref",
        _set("controls.0.mappings.nist_csf_2", ["PR.AC-1"]),
        "controls[0].mappings.nist_csf_2[0]:",
    ),
    (
        "unknown field",
        _set("controls.0.colour", "red"),
        "controls[0].colour: Extra inputs are not permitted",
    ),
    ("missing name", _delete("name"), "name: Field required"),
    ("criteria not a list", _set("criteria", "CC1.1"), "criteria:"),
    ("bad ref pattern", _set("criteria.0.ref", "cc1.1"), "criteria[0].ref:"),
    ("blank title", _set("criteria.0.title", "   "), "criteria[0].title:"),
    ("wrong kind", _set("kind", "questionnaire"), "kind:"),
    (
        "duplicate category",
        _append("categories", {"key": "SECURITY", "title": "S", "description": "d"}),
        "duplicate category SECURITY",
    ),
    (
        "too many pof",
        _set("criteria.0.points_of_focus", [{"topic": "t"}] * 101),
        "criteria[0].points_of_focus:",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "expected"), FRAMEWORK_CASES, ids=[c[0] for c in FRAMEWORK_CASES]
)
def test_bad_framework_is_refused_with_its_path(name: str, mutate: Mutation, expected: str) -> None:
    document = catalog_samples.framework()
    mutate(document)
    with pytest.raises(CatalogError) as refused:
        parse_framework(document)
    assert any(expected in problem for problem in refused.value.problems), refused.value.problems


def test_every_problem_is_listed_at_once() -> None:
    document = catalog_samples.framework()
    document["controls"][0]["criteria"] = ["CC10.1", "XX1.1"]
    document["controls"][1]["policy_family"] = "nope"
    with pytest.raises(CatalogError) as refused:
        parse_framework(document)
    problems = refused.value.problems
    assert "controls[0].criteria[0]: unknown criterion CC10.1" in problems
    assert "controls[0].criteria[1]: unknown criterion XX1.1" in problems
    assert "controls[1].policy_family: unknown policy family nope" in problems
    assert "criteria[0]: criterion CC1.1 has no control" in problems


QUESTIONNAIRE_CASES: list[tuple[str, Mutation, str]] = [
    (
        "unknown control",
        _set("sections.1.questions.0.controls.0", "XXX-99"),
        "sections[1].questions[0].controls[0]: unknown control XXX-99",
    ),
    (
        "unevidenced control",
        _set("sections.1.questions.3.controls", []),
        "control PRV-01 is evidenced by no question",
    ),
    (
        "duplicate question",
        _set("sections.1.questions.1.key", "iam.reviews"),
        "duplicate question key iam.reviews",
    ),
    ("duplicate section", _set("sections.1.key", "scoping"), "duplicate section key scoping"),
    (
        "score above one",
        _set("sections.0.questions.0.options", [{"value": "yes", "label": "Y", "score": 1.5}]),
        "sections[0].questions[0].options[0].score:",
    ),
    (
        "negative score",
        _set("sections.0.questions.0.options", [{"value": "yes", "label": "Y", "score": -0.1}]),
        "options[0].score:",
    ),
    (
        "choice without options",
        _set("sections.0.questions.0.kind", "CHOICE"),
        "a CHOICE question needs options",
    ),
    (
        "months with options",
        _set("sections.1.questions.1.options", [{"value": "a", "label": "A"}]),
        "a MONTHS question takes no options",
    ),
    (
        "duplicate option",
        _set(
            "sections.0.questions.0.options",
            [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
        ),
        "duplicate option value a",
    ),
    (
        "unknown pof criterion",
        _set("sections.1.questions.0.points_of_focus.0", "CC9.9#1"),
        "points_of_focus[0]: unknown criterion CC9.9",
    ),
    (
        "pof out of range",
        _set("sections.1.questions.0.points_of_focus.0", "CC1.1#3"),
        "CC1.1 has 2 points of focus, not 3",
    ),
    (
        "bad pof format",
        _set("sections.1.questions.0.points_of_focus.0", "CC1.1-3"),
        "points_of_focus[0]:",
    ),
    (
        "unknown show_if key",
        _set("sections.1.questions.3.show_if", "scope.hosting == 'aws'"),
        "show_if: unknown question scope.hosting",
    ),
    (
        "show_if syntax",
        _set("sections.1.questions.3.show_if", "scope.personal_data = 'yes'"),
        "sections[1].questions[3].show_if:",
    ),
    (
        "show_if eval attempt",
        _set("sections.1.questions.3.show_if", "__import__('os').system('x')"),
        "sections[1].questions[3].show_if:",
    ),
    (
        "self cycle",
        _set("sections.1.questions.3.show_if", "prv.notice == 'yes'"),
        "form a cycle: prv.notice -> prv.notice",
    ),
    (
        "unknown scope rule key",
        _set("scope_rules.0.when", "scope.nope == 'yes'"),
        "scope_rules[0].when: unknown question scope.nope",
    ),
    ("bad scope category", _set("scope_rules.0.category", "FUN"), "scope_rules[0].category:"),
    ("wrong framework", _set("framework", "other"), "framework: questionnaire is for other"),
    ("bad kind", _set("sections.1.questions.0.kind", "ESSAY"), "sections[1].questions[0].kind:"),
    ("weight zero", _set("sections.1.questions.0.weight", 0), "sections[1].questions[0].weight:"),
    ("empty section", _set("sections.1.questions", []), "sections[1].questions:"),
]


@pytest.mark.parametrize(
    ("name", "mutate", "expected"), QUESTIONNAIRE_CASES, ids=[c[0] for c in QUESTIONNAIRE_CASES]
)
def test_bad_questionnaire_is_refused_with_its_path(
    name: str, mutate: Mutation, expected: str
) -> None:
    framework = parse_framework(catalog_samples.framework())
    document = catalog_samples.questionnaire()
    mutate(document)
    with pytest.raises(CatalogError) as refused:
        parse_questionnaire(document, framework)
    assert any(expected in problem for problem in refused.value.problems), refused.value.problems


def test_a_two_question_cycle_is_found() -> None:
    framework = parse_framework(catalog_samples.framework())
    document = catalog_samples.questionnaire()
    document["sections"][0]["questions"].append(
        {
            "key": "scope.cloud",
            "text": "Cloud?",
            "kind": "YES_NO",
            "role": "SCOPING",
            "show_if": "scope.personal_data answered",
        }
    )
    document["sections"][0]["questions"][0]["show_if"] = "scope.cloud in ['yes', 'no']"
    with pytest.raises(CatalogError) as refused:
        parse_questionnaire(document, framework)
    assert any(
        "form a cycle" in p and "scope.cloud" in p and "scope.personal_data" in p
        for p in refused.value.problems
    )


def test_oversized_and_alias_bomb_uploads_are_refused() -> None:
    with pytest.raises(CatalogError, match="larger than"):
        read_document("a: " + "x" * (1024 * 1024 + 1), "YAML")
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(CatalogError, match="aliases"):
        read_document(bomb, "YAML")
    with pytest.raises(CatalogError, match="not valid JSON"):
        read_document("{", "JSON")
    with pytest.raises(CatalogError, match="must be a mapping"):
        read_document("- 1\n- 2\n", "YAML")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(garbage=json_values)
def test_garbage_never_crashes_the_validators(garbage: Any) -> None:
    framework = parse_framework(catalog_samples.framework())
    for parse in (parse_framework, lambda raw: parse_questionnaire(raw, framework)):
        with pytest.raises(CatalogError) as refused:
            parse(garbage)
        assert refused.value.problems


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(
        [
            "name",
            "controls.0.criteria",
            "criteria.0.weight",
            "controls.0.mappings",
            "series.0.category",
            "controls.0.key",
            "criteria.1.points_of_focus",
        ]
    ),
    value=json_values,
)
def test_garbage_fields_are_refused_or_accepted_never_crash(path: str, value: Any) -> None:
    document = catalog_samples.framework()
    _set(path, value)(document)
    problems: list[str] = []
    try:
        parse_framework(document)
    except CatalogError as refused:
        problems = refused.problems
    assert all(": " in problem for problem in problems)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_condition_parser_never_crashes(text: str) -> None:
    try:
        parsed = conditions.parse(text)
    except conditions.ConditionError:
        return
    conditions.evaluate(parsed, {"a": "yes"})


@pytest.mark.parametrize(
    ("expression", "answers", "expected"),
    [
        ("a == 'yes'", {"a": "yes"}, True),
        ("a != 'yes'", {"a": "no"}, True),
        ("a != 'yes'", {}, False),
        ("a in ['x', 'y'] and not b == 'no'", {"a": "y", "b": "yes"}, True),
        ("a contains 'aws'", {"a": "gcp, aws"}, True),
        ("a >= 6", {"a": "7"}, True),
        ("a >= 6", {"a": "n/a"}, False),
        ("(a == '1' or b == '2') and c answered", {"b": "2", "c": "x"}, True),
        ("a answered", {}, False),
    ],
)
def test_conditions_evaluate(expression: str, answers: dict[str, str], expected: bool) -> None:
    assert conditions.evaluate(conditions.parse(expression), answers) is expected


def test_an_exclusive_option_stands_alone_in_a_multi_choice_answer() -> None:
    """ "none" (or any option marked exclusive) is chosen alone or not at all."""
    from service.assessment.answers import AnswerChange, check_answers
    from service.errors import InvalidInput
    from tests.scoring_support import versions

    questionnaire = catalog_samples.questionnaire()
    questionnaire["sections"][1]["questions"].append(
        {
            "key": "log.sources",
            "text": "Which sources reach the central log?",
            "kind": "MULTI_CHOICE",
            "controls": ["LOG-01"],
            "options": [
                {"value": "cloud", "label": "Cloud audit logs", "score": 0.5},
                {"value": "apps", "label": "Application logs", "score": 0.5},
                {"value": "nothing_yet", "label": "Nothing yet", "score": 0, "exclusive": True},
                {"value": "none", "label": "None", "score": 0},
            ],
        }
    )
    _, version = versions(catalog_samples.framework(), questionnaire)
    accepted = check_answers(version, [AnswerChange("log.sources", "apps, cloud", None)])
    assert accepted[0].value == "cloud,apps"
    assert check_answers(version, [AnswerChange("log.sources", "none", None)])[0].value == "none"
    for combined in ("cloud,none", "nothing_yet, apps"):
        with pytest.raises(InvalidInput) as refused:
            check_answers(version, [AnswerChange("log.sources", combined, None)])
        [problem] = refused.value.problems
        assert problem.field == ("answers", 0, "value")
        assert "cannot be combined" in problem.message
