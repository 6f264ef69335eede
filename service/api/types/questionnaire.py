"""GraphQL types of questionnaires: sections, questions, their options, scope rules and
coverage of the framework's points of focus.

Like the framework types, each wraps an immutable, in-memory catalog version.
"""

from __future__ import annotations

import strawberry

from service.api.enums import Category, QuestionKind, QuestionRole
from service.api.types.catalog import Control, Framework, PublishedDocument
from service.api.types.copying import copy_of
from service.catalog.catalog import FrameworkVersion, QuestionnaireVersion
from service.catalog.models import Question as QuestionModel


@strawberry.type(description="One choice a question offers, with the score it earns.")
class AnswerOption:
    value: str = strawberry.field(
        description="What an answer sends for this choice, e.g. yes, partial or 3."
    )
    label: str = strawberry.field(description="Text to show for the choice.")
    score: float | None = strawberry.field(
        description="The score the choice earns its question, 0 to 1 (MULTI_CHOICE: chosen "
        "options add up, at most 1); null when it carries none, which counts as 0."
    )
    exclusive: bool = strawberry.field(
        description='MULTI_CHOICE: chosen alone or not at all (such as "none").'
    )


@strawberry.type(
    description="A questionnaire question, with the controls it evidences and the points of "
    "focus it addresses."
)
class Question:
    """Scalar fields are plain attributes, as on ``Criterion``; build with ``Question.of``."""

    framework_version: strawberry.Private[FrameworkVersion]
    model: strawberry.Private[QuestionModel]
    key: str = strawberry.field(
        description="Unique key within the questionnaire; answers refer to the question by it."
    )
    text: str = strawberry.field(description="The question as put to the user.")
    help: str | None = strawberry.field(
        description="Guidance for answering; null when there is none."
    )
    kind: QuestionKind = strawberry.field(
        description="The form of the answer, which decides the values accepted."
    )
    role: QuestionRole = strawberry.field(
        description="What the answer tells the scoring engine. When the catalog gives none: "
        "OPERATING for MONTHS, SCOPING for DATE and TEXT, DESIGN otherwise."
    )
    show_if: str | None = strawberry.field(
        description="Condition on scoping answers under which the question is shown, e.g. "
        "scope.offices == 'yes'; null when it is always shown."
    )
    points_of_focus: list[str] = strawberry.field(
        description="Refs of the points of focus it addresses, e.g. CC6.1#3."
    )
    weight: float = strawberry.field(
        description="Its weight against the other questions of the same controls (over 0, at "
        "most 10; default 1)."
    )
    allow_not_applicable: bool = strawberry.field(
        description='True when "n/a" is an accepted answer.'
    )

    @classmethod
    def of(cls, framework_version: FrameworkVersion, model: QuestionModel) -> Question:
        return copy_of(
            cls,
            model,
            framework_version=framework_version,
            model=model,
            role=model.effective_role,
            allow_not_applicable=model.allow_na,
        )

    @strawberry.field(
        description="The choices it accepts: its own, or its kind's defaults (YES_NO, "
        "YES_PARTIAL_NO, MATURITY); empty for MONTHS, DATE and TEXT."
    )
    def options(self) -> list[AnswerOption]:
        return [
            AnswerOption(value=o.value, label=o.label, score=o.score, exclusive=o.stands_alone)
            for o in self.model.effective_options
        ]

    @strawberry.field(description="The controls its answer counts toward.")
    def controls(self) -> list[Control]:
        controls = self.framework_version.controls
        return [
            Control.of(self.framework_version, controls[k])
            for k in self.model.controls
            if k in controls
        ]


@strawberry.type(description="A group of questions on one topic, shown together.")
class QuestionnaireSection:
    key: str = strawberry.field(description="Unique key within the questionnaire.")
    title: str = strawberry.field(description="Display title.")
    description: str | None = strawberry.field(
        description="What the section asks about; null when the document gives none."
    )
    questions: list[Question] = strawberry.field(
        description="Its questions in the order asked, hidden ones (showIf) included."
    )


@strawberry.type(description="How many points of focus the questionnaire's questions address.")
class Coverage:
    points_of_focus_total: int = strawberry.field(
        description="Points of focus in the questionnaire's framework version."
    )
    points_of_focus_covered: int = strawberry.field(
        description="Those addressed by at least one question."
    )
    percent: float = strawberry.field(
        description="Covered share in percent (0 to 100, two decimals); 100 when there are none."
    )
    uncovered: list[str] = strawberry.field(
        description="Refs of the points of focus no question addresses, e.g. CC6.1#4."
    )


@strawberry.type(
    description="A rule that suggests a category for the scope from scoping answers. A "
    "suggestion is shown, never applied: SECURITY is always in scope, the rest is chosen."
)
class ScopeRule:
    category: Category = strawberry.field(description="The category the rule suggests.")
    when: str = strawberry.field(
        description="Condition on scoping answers, e.g. scope.personal_data == 'yes'."
    )


@strawberry.type(
    description="One published version of a questionnaire, bound to the framework version it "
    "was checked against."
)
class Questionnaire(PublishedDocument):
    version_record: strawberry.Private[QuestionnaireVersion]
    framework_record: strawberry.Private[FrameworkVersion]

    @strawberry.field(
        description="The framework version it is bound to; its questions refer to that "
        "version's controls and points of focus."
    )
    def framework(self) -> Framework:
        return Framework(version_record=self.framework_record)

    @strawberry.field(description="Its sections in the order asked.")
    def sections(self) -> list[QuestionnaireSection]:
        return [
            QuestionnaireSection(
                key=s.key,
                title=s.title,
                description=s.description,
                questions=[Question.of(self.framework_record, q) for q in s.questions],
            )
            for s in self.version_record.model.sections
        ]

    @strawberry.field(
        description="Questions in all its sections, scoping and hidden ones included."
    )
    def question_count(self) -> int:
        return len(self.version_record.questions)

    @strawberry.field(
        description="Rules by which scoping answers suggest categories to put in scope."
    )
    def scope_rules(self) -> list[ScopeRule]:
        return [
            ScopeRule(category=r.category, when=r.when)
            for r in self.version_record.model.scope_rules
        ]

    @strawberry.field(description="Which points of focus of its framework its questions address.")
    def coverage(self) -> Coverage:
        total, uncovered = self.version_record.coverage(self.framework_record)
        covered = total - len(uncovered)
        return Coverage(
            points_of_focus_total=total,
            points_of_focus_covered=covered,
            percent=round(100.0 * covered / total, 2) if total else 100.0,
            uncovered=uncovered,
        )
