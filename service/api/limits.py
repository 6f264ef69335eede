"""Static limits on GraphQL documents, checked in validation before anything executes.

One validation rule measures each operation of a document in a single pass: nesting
depth, aliases, fragment spreads and a static cost. Each fragment definition is measured
once and its measure reused at every spread, so the work is linear in the document's
size whatever the fan-out of fragments spreading fragments (the depth and alias rules
shipped with Strawberry walk every spread anew, which is exponential). The rule measures
the whole document when validation enters it, so an over-limit document is refused
before graphql-core's own rules run; a deadline checked as validation walks the
document bounds what those rules can spend on the rest.

Cost model: a field that returns an object costs 1 plus its weight plus its selection's
cost; leaves cost their weight (usually nothing). A list multiplies its item's cost by
its page size (`first`, capped at the maximum page size; a variable counts as the
maximum) or, for an unpaged catalog list, by the shipped SOC 2 catalog's size.
Introspection fields count towards aliases only (production refuses introspection).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    get_named_type,
    get_nullable_type,
    specified_rules,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from service.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from service.catalog import models as catalog
from service.errors import ErrorCode
from service.scoring import operation

MAX_TOKENS = 2000
MAX_DEPTH = 12
MAX_ALIASES = 50
MAX_FRAGMENTS = 50
MAX_SPREADS = 100
MAX_COST = 100_000
VALIDATION_SECONDS = 2.0
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
OVERLAP_BUDGET = 5_000

# Sizes of unpaged lists. Catalog lists are priced at what one catalog document may hold
# (``service/catalog/models.py``; every framework and questionnaire, shipped or imported,
# is refused past them), so no organisation's own framework can make a query cost more
# than its price; result lists are bounded by the catalog; enumerations are small.
LIST_SIZES: dict[tuple[str, str], int] = {
    ("Query", "frameworks"): 10,
    ("Framework", "categories"): 5,
    ("Framework", "policyFamilies"): catalog.MAX_POLICY_FAMILIES,
    ("Framework", "criteria"): catalog.MAX_CRITERIA,
    ("Framework", "controls"): catalog.MAX_CONTROLS,
    ("Criterion", "pointsOfFocus"): catalog.MAX_POINTS_OF_FOCUS,
    ("Criterion", "controls"): catalog.MAX_CONTROLS_PER_CRITERION,
    ("Criterion", "mappings"): 2,
    ("Control", "criteria"): catalog.MAX_CRITERIA_PER_CONTROL,
    ("Control", "mappings"): 2,
    ("CrossReference", "controls"): catalog.MAX_CONTROLS_PER_QUESTION,
    ("CrossReference", "criteria"): catalog.MAX_CRITERIA,
    ("Questionnaire", "sections"): catalog.MAX_SECTIONS,
    ("Questionnaire", "scopeRules"): 20,
    # Sections are only ever listed whole: sections times this is the question bound.
    ("QuestionnaireSection", "questions"): catalog.MAX_QUESTIONS // catalog.MAX_SECTIONS,
    ("Question", "options"): catalog.MAX_OPTIONS,
    ("Question", "controls"): catalog.MAX_CONTROLS_PER_QUESTION,
    ("Assessment", "answers"): catalog.MAX_QUESTIONS,
    ("ReadinessReport", "categories"): 5,
    ("ReadinessReport", "criteria"): catalog.MAX_CRITERIA,
    ("ReadinessReport", "controls"): catalog.MAX_CONTROLS,
    ("ReadinessReport", "gaps"): 500,
    ("Assessment", "remediationItems"): 500,
    ("CriterionResult", "drivers"): 50,
    ("Gap", "criteria"): catalog.MAX_CRITERIA_PER_CONTROL,
    ("AssessmentComparison", "categories"): 5,
    ("AssessmentComparison", "gapsClosed"): 500,
    ("AssessmentComparison", "gapsNew"): 500,
    ("PolicyDraft", "controls"): catalog.MAX_CONTROLS,
    ("DraftPoliciesPayload", "drafts"): 20,
    # The dry run: a control per catalog control; a daily control's periods in the
    # longest window (12 months) and the one in progress; samples at most 100 periods.
    ("OperatingEffectiveness", "controls"): catalog.MAX_CONTROLS,
    ("OperatingEffectiveness", "samplingProfile"): 8,
    ("Organization", "samplingProfile"): 8,
    ("SetSamplingProfilePayload", "samplingProfile"): 8,
    ("ControlOperation", "missedPeriods"): 370,
    ("SimulateAuditPayload", "samples"): catalog.MAX_CONTROLS,
    ("AuditSample", "periods"): operation.MAX_SAMPLE_SIZE,
    ("AuditSample", "missedPeriods"): operation.MAX_SAMPLE_SIZE,
    # Per-occurrence controls: one per sampled period; periodic ones rarely more.
    ("AuditSample", "selected"): operation.MAX_SAMPLE_SIZE,
}
# Any other list (members, API keys, drafts, revisions) counts as a full page.
DEFAULT_LIST_SIZE = MAX_PAGE_SIZE

# Resolvers that do much more than read: scoring, comparing, rendering, importing.
WEIGHTS: dict[tuple[str, str], int] = {
    ("Assessment", "report"): 50,
    ("Assessment", "comparison"): 100,
    ("Mutation", "exportAssessment"): 200,
    ("Mutation", "importFramework"): 200,
    ("Mutation", "importQuestionnaire"): 200,
    ("Mutation", "draftPolicies"): 100,
    ("Assessment", "operatingEffectiveness"): 100,
    # One engine pass per open gap.
    ("Assessment", "remediationPlan"): 200,
    ("Mutation", "simulateAudit"): 100,
    ("Mutation", "recordOccurrences"): 100,
    ("Mutation", "importOccurrences"): 100,
}

# Costs and alias counts stop growing here: the exact figure of a refused document does
# not matter, and fragments spreading fragments could otherwise make numbers of
# thousands of digits.
_CEILING = MAX_COST * 1000


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, _CEILING),
            min(self.cost + other.cost, _CEILING),
        )


_NOTHING = Measure()


class _DocumentMeasure:
    """Measures selections; each fragment definition once, memoised by name."""

    def __init__(self, context: ValidationContext, document: DocumentNode) -> None:
        self.schema = context.schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, Measure] = {}
        self.in_progress: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self.schema.get_root_type(node.operation)
        return self.selections(node.selection_set, root)

    def fragment(self, name: str) -> Measure:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            # Unknown spreads and cycles are reported by graphql-core's own rules.
            return _NOTHING
        self.in_progress.add(name)
        measure = self.selections(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value)
        )
        self.in_progress.discard(name)
        self.memo[name] = measure
        return measure

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Measure:
        total = _NOTHING
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        name = node.name.value
        alias = 1 if node.alias else 0
        definition = _field_definition(parent, name)
        if name.startswith("__") or definition is None or parent is None:
            # Introspection, or a field other rules will reject: aliases still count.
            inner = self.selections(node.selection_set, None) if node.selection_set else _NOTHING
            return Measure(0, alias + inner.aliases, 0)
        weight = WEIGHTS.get((parent.name, name), 0)
        if node.selection_set is None:
            return Measure(0, alias, weight)
        inner = self.selections(node.selection_set, get_named_type(definition.type))
        times = _multiplier(node, definition, parent.name)
        return Measure(
            inner.depth + 1,
            min(alias + inner.aliases, _CEILING),
            min((1 + weight + inner.cost) * times, _CEILING),
        )


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None


def _multiplier(node: FieldNode, definition: GraphQLField, parent: str) -> int:
    """How many times a field's selection is resolved per resolution of its parent.

    A paged field (a connection, or a list with `first`) multiplies its whole selection
    by the page size, so the connection's `edges` and `nodes` count once more each; that
    keeps fragments on connection types independent of where they are spread.
    """
    if "first" in definition.args:
        first = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        if first is None:
            return DEFAULT_PAGE_SIZE
        if isinstance(first, IntValueNode):
            return max(0, min(int(first.value), MAX_PAGE_SIZE))
        return MAX_PAGE_SIZE
    if not isinstance(get_nullable_type(definition.type), GraphQLList):
        return 1
    if parent.endswith("Connection") and node.name.value in {"edges", "nodes"}:
        return 1
    return LIST_SIZES.get((parent, node.name.value), DEFAULT_LIST_SIZE)


def _count_document(document: DocumentNode) -> tuple[int, int]:
    """Fragment definitions and fragment spreads in the document, without recursion."""
    definitions = spreads = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FragmentDefinitionNode):
            definitions += 1
        elif isinstance(node, FragmentSpreadNode):
            spreads += 1
            continue
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return definitions, spreads


def _refuse(message: str, node: Any = None) -> ValidationAbortedError:
    return ValidationAbortedError(
        message, node, extensions={"code": ErrorCode.LIMIT_EXCEEDED.value}
    )


def measure_document(context: ValidationContext, document: DocumentNode) -> None:
    """Raise ``ValidationAbortedError`` (LIMIT_EXCEEDED) when the document is over a limit."""
    definitions, spreads = _count_document(document)
    if definitions > MAX_FRAGMENTS:
        raise _refuse(f"{definitions} fragment definitions found. Allowed: {MAX_FRAGMENTS}")
    if spreads > MAX_SPREADS:
        raise _refuse(f"{spreads} fragment spreads found. Allowed: {MAX_SPREADS}")
    measure = _DocumentMeasure(context, document)
    for node in document.definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        name = node.name.value if node.name else "anonymous"
        try:
            found = measure.operation(node)
        except RecursionError:
            raise _refuse(f"'{name}' nests fragments too deeply", node) from None
        if found.depth > MAX_DEPTH:
            raise _refuse(
                f"'{name}' exceeds maximum operation depth of {MAX_DEPTH} (depth {found.depth})",
                node,
            )
        if found.aliases > MAX_ALIASES:
            raise _refuse(f"{_figure(found.aliases)} aliases found. Allowed: {MAX_ALIASES}", node)
        if found.cost > MAX_COST:
            raise _refuse(f"'{name}' costs {_figure(found.cost)}; the limit is {MAX_COST}", node)


def _figure(count: int) -> str:
    return f"more than {_CEILING}" if count >= _CEILING else str(count)


class ValidationTimeout(GraphQLError):
    """Validation ran past its deadline.

    Raised rather than reported: graphql-core lets it through (it is no
    ``ValidationAbortedError``), so the validation cache never stores a refusal that
    depended on how busy the process was, and Strawberry returns it as it is.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"validation took longer than {seconds} s",
            extensions={"code": ErrorCode.LIMIT_EXCEEDED.value},
        )


def operation_limits(
    hide_suggestions: bool = False, seconds: float = VALIDATION_SECONDS
) -> type[ASTValidationRule]:
    """The limits rule; build it once per configuration so the validation cache hits."""

    class OperationLimits(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.deadline = time.monotonic() + seconds
            if hide_suggestions:
                # graphql-core's switch for "Did you mean …"; Strawberry does not pass it.
                context._hide_suggestions = True

        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            measure_document(self.context, node)  # type: ignore[arg-type]

        def enter_selection_set(self, *_args: Any) -> None:
            if time.monotonic() > self.deadline:
                raise ValidationTimeout(seconds)

    return OperationLimits


class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """graphql-core's field-merging rule with a smaller work budget.

    The rule compares fields sharing a response name pairwise, so its work grows with
    the square of the repetitions; graphql-core meters it and aborts at 500,000 units
    (seconds of CPU). The queries of the tests and bench spend at most a few dozen.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET

    def enter_selection_set(self, *args: Any) -> None:
        try:
            super().enter_selection_set(*args)
        except ValidationAbortedError:
            raise _refuse(
                f"the document repeats fields too often to be validated within {OVERLAP_BUDGET}"
                " comparisons; use fewer repeated fields or fragments"
            ) from None


def rules(hide_suggestions: bool) -> tuple[type[ASTValidationRule], ...]:
    """Ours first, so an over-limit document is refused before the others walk it."""
    standard = (
        BoundedOverlappingFields if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in specified_rules
    )
    return (operation_limits(hide_suggestions), *standard)


# Built once: the validation cache is keyed on the rule classes (strawberry issue 4635).
VALIDATION_RULES = rules(hide_suggestions=False)
PRODUCTION_VALIDATION_RULES = rules(hide_suggestions=True)


class ValidationRules(SchemaExtension):
    """Validate with the given rules instead of graphql-core's standard list."""

    def __init__(self, validation_rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.validation_rules = validation_rules

    def on_operation(self) -> Iterator[None]:
        self.execution_context.validation_rules = self.validation_rules
        yield


def response_too_large(size: int) -> dict[str, Any]:
    """The body that replaces a response over ``MAX_RESPONSE_BYTES``."""
    error = GraphQLError(
        f"the response of {size} bytes is over the limit of {MAX_RESPONSE_BYTES} bytes; "
        "select fewer fields or page",
        extensions={"code": ErrorCode.LIMIT_EXCEEDED.value},
    )
    return {"data": None, "errors": [error.formatted]}
