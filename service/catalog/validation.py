"""Validating catalog documents: every problem, each with its path in the document.

A bad document is refused whole. ``CatalogError.problems`` lists every
problem found (structure first, then cross-references), each as
``controls[12].criteria[0]: unknown criterion CC10.1``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bson import ObjectId
from pydantic import ValidationError

from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.conditions import ConditionError, parse, referenced_keys
from service.catalog.models import (
    MAX_CONTROLS_PER_CRITERION,
    MAX_QUESTIONS,
    Framework,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionRole,
)

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS = 200
KINDS_WITH_OPTIONS = {QuestionKind.CHOICE, QuestionKind.MULTI_CHOICE}
KINDS_WITHOUT_OPTIONS = {QuestionKind.MONTHS, QuestionKind.DATE, QuestionKind.TEXT}


class CatalogError(ValueError):
    """A catalog document was refused; ``problems`` says everything that is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems[:MAX_PROBLEMS])
        more = len(problems) - len(self.problems)
        summary = "; ".join(self.problems[:5]) + (f" (+{more} more)" if more > 0 else "")
        super().__init__(f"{len(problems)} problem(s): {summary}")


class CatalogLimitExceeded(CatalogError):
    """A document is over a size or shape limit (LIMIT_EXCEEDED rather than INVALID)."""


def format_path(location: Iterable[str | int]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(document)"


def _structure(model: type[Framework] | type[Questionnaire], raw: object) -> Any:
    if not isinstance(raw, dict):
        raise CatalogError(["(document): must be a mapping of fields"])
    try:
        size = len(json.dumps(raw, default=str))
    except (TypeError, ValueError) as error:
        raise CatalogError([f"(document): not serialisable: {error}"]) from None
    if size > MAX_DOCUMENT_BYTES:
        raise CatalogError([f"(document): {size} bytes is over the {MAX_DOCUMENT_BYTES} limit"])
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise CatalogError(
            [
                f"{format_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                for e in error.errors(include_url=False)
            ]
        ) from None


def _duplicates(keys: Iterable[str]) -> set[str]:
    return {key for key, count in Counter(keys).items() if count > 1}


def parse_framework(raw: object) -> Framework:
    framework: Framework = _structure(Framework, raw)
    problems: list[str] = []
    categories = {c.key for c in framework.categories}
    for key in _duplicates(c.key.value for c in framework.categories):
        problems.append(f"categories: duplicate category {key}")
    series = {s.key: s for s in framework.series}
    for key in _duplicates(s.key for s in framework.series):
        problems.append(f"series: duplicate series key {key}")
    for i, s in enumerate(framework.series):
        if s.category not in categories:
            problems.append(f"series[{i}].category: {s.category.value} is not a declared category")
    refs = {c.ref for c in framework.criteria}
    for ref in _duplicates(c.ref for c in framework.criteria):
        problems.append(f"criteria: duplicate criterion {ref}")
    for i, criterion in enumerate(framework.criteria):
        if criterion.series not in series:
            problems.append(f"criteria[{i}].series: unknown series {criterion.series}")
        elif series[criterion.series].category != criterion.category:
            problems.append(
                f"criteria[{i}].category: {criterion.category.value} differs from its series' "
                f"category {series[criterion.series].category.value}"
            )
    families = {f.key for f in framework.policy_families}
    for key in _duplicates(f.key for f in framework.policy_families):
        problems.append(f"policy_families: duplicate policy family {key}")
    for key in _duplicates(c.key for c in framework.controls):
        problems.append(f"controls: duplicate control key {key}")
    addressed: set[str] = set()
    for i, control in enumerate(framework.controls):
        for j, ref in enumerate(control.criteria):
            if ref not in refs:
                problems.append(f"controls[{i}].criteria[{j}]: unknown criterion {ref}")
            addressed.add(ref)
        if families and control.policy_family not in families:
            problems.append(
                f"controls[{i}].policy_family: unknown policy family {control.policy_family}"
            )
    for i, criterion in enumerate(framework.criteria):
        if criterion.ref not in addressed:
            problems.append(f"criteria[{i}]: criterion {criterion.ref} has no control")
    if problems:
        raise CatalogError(problems)
    per_criterion = Counter(ref for control in framework.controls for ref in control.criteria)
    crowded = [
        f"criteria: {ref} has {count} controls; at most {MAX_CONTROLS_PER_CRITERION}"
        for ref, count in sorted(per_criterion.items())
        if count > MAX_CONTROLS_PER_CRITERION
    ]
    if crowded:
        raise CatalogLimitExceeded(crowded)
    return framework


def _question_paths(questionnaire: Questionnaire) -> Iterable[tuple[str, Question]]:
    for s, section in enumerate(questionnaire.sections):
        for q, question in enumerate(section.questions):
            yield f"sections[{s}].questions[{q}]", question


def _check_options(path: str, question: Question, problems: list[str]) -> None:
    if question.kind in KINDS_WITH_OPTIONS and not question.options:
        problems.append(f"{path}.options: a {question.kind.value} question needs options")
    if question.kind in KINDS_WITHOUT_OPTIONS and question.options:
        problems.append(f"{path}.options: a {question.kind.value} question takes no options")
    for value in _duplicates(option.value for option in question.options):
        problems.append(f"{path}.options: duplicate option value {value}")
    for k, option in enumerate(question.options):
        if option.value == "n-a":
            problems.append(f"{path}.options[{k}].value: use allow_na for not-applicable")


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    # Iterative depth-first search: a chain of thousands of show_if conditions in an
    # uploaded questionnaire must not hit the recursion limit.
    state: dict[str, int] = {}
    for root in sorted(graph):
        if root in state:
            continue
        stack: list[str] = [root]
        pending: list[list[str]] = [sorted(graph.get(root, ()), reverse=True)]
        state[root] = 1
        while stack:
            if not pending[-1]:
                state[stack.pop()] = 2
                pending.pop()
                continue
            nxt = pending[-1].pop()
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                state[nxt] = 1
                stack.append(nxt)
                pending.append(sorted(graph.get(nxt, ()), reverse=True))
    return None


def parse_questionnaire(raw: object, framework: Framework) -> Questionnaire:
    questionnaire: Questionnaire = _structure(Questionnaire, raw)
    total = sum(len(section.questions) for section in questionnaire.sections)
    if total > MAX_QUESTIONS:
        raise CatalogLimitExceeded([f"sections: {total} questions; at most {MAX_QUESTIONS}"])
    problems: list[str] = []
    if questionnaire.framework != framework.key:
        problems.append(
            f"framework: questionnaire is for {questionnaire.framework}, not {framework.key}"
        )
    controls = {c.key for c in framework.controls}
    focus_counts = {c.ref: len(c.points_of_focus) for c in framework.criteria}
    for key in _duplicates(s.key for s in questionnaire.sections):
        problems.append(f"sections: duplicate section key {key}")
    questions = {q.key: q for _, q in _question_paths(questionnaire)}
    for key in _duplicates(q.key for _, q in _question_paths(questionnaire)):
        problems.append(f"sections: duplicate question key {key}")
    evidenced: set[str] = set()
    graph: dict[str, set[str]] = {}
    for path, question in _question_paths(questionnaire):
        _check_options(path, question, problems)
        for j, control in enumerate(question.controls):
            if control not in controls:
                problems.append(f"{path}.controls[{j}]: unknown control {control}")
            evidenced.add(control)
        for j, focus in enumerate(question.points_of_focus):
            ref, _, position = focus.partition("#")
            if ref not in focus_counts:
                problems.append(f"{path}.points_of_focus[{j}]: unknown criterion {ref}")
            elif not 1 <= int(position) <= focus_counts[ref]:
                problems.append(
                    f"{path}.points_of_focus[{j}]: {ref} has {focus_counts[ref]} points of focus, "
                    f"not {position}"
                )
        if question.show_if is not None:
            keys = _condition_keys(question.show_if, f"{path}.show_if", questions, problems)
            if keys is None:
                continue
            problems.extend(
                f"{path}.show_if: {key} is not a scoping question; visibility may depend "
                "only on scoping answers"
                for key in sorted(keys & questions.keys())
                if questions[key].effective_role is not QuestionRole.SCOPING
            )
            graph[question.key] = keys & questions.keys()
    cycle = _find_cycle(graph)
    if cycle is not None:
        problems.append(f"sections: show_if conditions form a cycle: {' -> '.join(cycle)}")
    for i, rule in enumerate(questionnaire.scope_rules):
        _condition_keys(rule.when, f"scope_rules[{i}].when", questions, problems)
    for i, library_control in enumerate(framework.controls):
        if library_control.key not in evidenced:
            problems.append(
                f"(framework controls[{i}]): control {library_control.key} "
                "is evidenced by no question"
            )
    if problems:
        raise CatalogError(problems)
    return questionnaire


def unpublished_versions(
    framework_raw: dict[str, Any], questionnaire_raw: dict[str, Any]
) -> tuple[FrameworkVersion, QuestionnaireVersion]:
    """Validated, in-memory versions of documents that were never published: for
    benchmarks and tests of the engine, which need the catalog but not the database."""
    framework = parse_framework(framework_raw)
    questionnaire = parse_questionnaire(questionnaire_raw, framework)
    framework_version = FrameworkVersion(ObjectId(), framework.key, "1", None, framework)
    questionnaire_version = QuestionnaireVersion(
        ObjectId(),
        questionnaire.key,
        "1",
        None,
        framework.key,
        "1",
        framework_version.record_id,
        questionnaire,
        {q.key: parse(q.show_if) for s in questionnaire.sections for q in s.questions if q.show_if},
    )
    return framework_version, questionnaire_version


def _condition_keys(
    text: str, path: str, questions: Mapping[str, object], problems: list[str]
) -> set[str] | None:
    """The question keys a condition reads, with a problem for each unknown one; None (and
    a problem) when the condition does not parse."""
    try:
        keys = referenced_keys(parse(text))
    except ConditionError as error:
        problems.append(f"{path}: {error}")
        return None
    problems.extend(f"{path}: unknown question {key}" for key in sorted(keys - questions.keys()))
    return set(keys)
