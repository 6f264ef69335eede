"""Catalog documents as validated, immutable models.

A framework is its criteria plus its control library; a questionnaire asks
questions that evidence controls and address points of focus. Structural
checks are pydantic's; cross-references (unknown criteria, duplicate keys,
cycles in visibility conditions...) are checked in ``validation``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from service.catalog import references

Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")]
# What one catalog document may hold, for shipped and imported documents alike. The API
# prices a query's unpaged catalog lists with these (``service/api/limits.py``), so an
# organisation's own framework cannot make a query cost more than its static price. The
# shipped SOC 2 catalog: 61 criteria, 157 controls, at most 4 criteria per control and 22
# controls per criterion, 20 policy families, 18 points of focus, 285 questions in 25
# sections, at most 9 controls and 5 options per question.
MAX_CRITERIA = 80
MAX_CONTROLS = 220
MAX_CRITERIA_PER_CONTROL = 5
MAX_CONTROLS_PER_CRITERION = 25
MAX_POLICY_FAMILIES = 30
MAX_POINTS_OF_FOCUS = 25
MAX_SECTIONS = 30
MAX_QUESTIONS = 450
MAX_QUESTIONS_PER_SECTION = 100
MAX_CONTROLS_PER_QUESTION = 20
MAX_OPTIONS = 12

Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
CriterionRef = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,3}\d{1,2}\.\d{1,2}$")]
# ISO/IEC 27001:2022 requirement clauses (4 to 10, with their numbered subclauses): where a
# control carries out a management-system requirement (6.1.2 risk assessment, 9.2 internal
# audit, 9.3 management review...) rather than an Annex A control.
ISO27001_2022_CLAUSES = frozenset(
    {
        *("4.1", "4.2", "4.3", "4.4"),
        *("5.1", "5.2", "5.3"),
        *("6.1", "6.1.1", "6.1.2", "6.1.3", "6.2", "6.3"),
        *("7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3"),
        *("8.1", "8.2", "8.3"),
        *("9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3"),
        *("10.1", "10.2"),
    }
)


def _iso27001_2022(ref: str) -> str:
    if ref.startswith("A."):
        return references.iso27001_2022(ref)
    if ref not in ISO27001_2022_CLAUSES:
        raise ValueError(f"{ref!r} is not an ISO/IEC 27001:2022 clause")
    return ref


# A control's references into the mapped frameworks: the shape, then the known refs. An
# ISO/IEC 27001:2022 ref is an Annex A control ("A.5.18") or a clause ("6.1.2", "9.3").
Iso27001Ref = Annotated[
    str,
    StringConstraints(pattern=r"^(A\.[5-8]\.\d{1,2}|(?:[4-9]|10)\.\d(?:\.\d)?)$"),
    AfterValidator(_iso27001_2022),
]
NistCsfRef = Annotated[
    str,
    StringConstraints(pattern=r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}(-\d{2})?$"),
    AfterValidator(references.nist_csf_2),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    SECURITY = "SECURITY"
    AVAILABILITY = "AVAILABILITY"
    PROCESSING_INTEGRITY = "PROCESSING_INTEGRITY"
    CONFIDENTIALITY = "CONFIDENTIALITY"
    PRIVACY = "PRIVACY"


class Frequency(StrEnum):
    CONTINUOUS = "CONTINUOUS"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMI_ANNUAL = "SEMI_ANNUAL"
    ANNUAL = "ANNUAL"
    EVENT_DRIVEN = "EVENT_DRIVEN"


class CategoryInfo(Strict):
    key: Category
    title: ShortText
    description: Text


class Series(Strict):
    key: Key
    title: ShortText
    category: Category


class PointOfFocus(Strict):
    topic: ShortText
    applies: ShortText = "all"
    privacy_role: ShortText | None = None


class Criterion(Strict):
    ref: CriterionRef
    category: Category
    series: Key
    title: ShortText
    description: Text
    weight: int = Field(default=2, ge=1, le=3)
    coso_principle: int | None = Field(default=None, ge=1, le=17)
    points_of_focus: list[PointOfFocus] = Field(
        default_factory=list, max_length=MAX_POINTS_OF_FOCUS
    )


class Mappings(Strict):
    iso27001_2022: list[Iso27001Ref] = Field(default_factory=list, max_length=20)
    nist_csf_2: list[NistCsfRef] = Field(default_factory=list, max_length=20)


class PolicyFamily(Strict):
    key: Key
    title: ShortText
    description: Text


class Control(Strict):
    key: Key
    name: ShortText
    domain: Key
    description: Text
    criteria: list[CriterionRef] = Field(min_length=1, max_length=MAX_CRITERIA_PER_CONTROL)
    frequency: Frequency
    key_control: bool = False
    evidence: list[Text] = Field(min_length=1, max_length=10)
    policy_family: Key
    remediation: Text
    effort_weeks: int = Field(ge=1, le=52)
    mappings: Mappings = Field(default_factory=Mappings)


class Framework(Strict):
    kind: Literal["framework"] = "framework"
    key: Key
    name: ShortText
    edition: ShortText | None = None
    description: Text | None = None
    categories: list[CategoryInfo] = Field(min_length=1, max_length=5)
    series: list[Series] = Field(min_length=1, max_length=100)
    criteria: list[Criterion] = Field(min_length=1, max_length=MAX_CRITERIA)
    policy_families: list[PolicyFamily] = Field(
        default_factory=list, max_length=MAX_POLICY_FAMILIES
    )
    controls: list[Control] = Field(min_length=1, max_length=MAX_CONTROLS)


class QuestionKind(StrEnum):
    YES_NO = "YES_NO"
    YES_PARTIAL_NO = "YES_PARTIAL_NO"
    MATURITY = "MATURITY"
    CHOICE = "CHOICE"
    MULTI_CHOICE = "MULTI_CHOICE"
    MONTHS = "MONTHS"
    DATE = "DATE"
    TEXT = "TEXT"


class QuestionRole(StrEnum):
    """What an answer tells the engine.

    DESIGN: whether the controls exist; OPERATING: how long they have run
    (MONTHS); EVIDENCE: whether runs leave evidence an auditor can sample;
    SCOPING: which categories and questions apply (not scored).
    """

    DESIGN = "DESIGN"
    OPERATING = "OPERATING"
    EVIDENCE = "EVIDENCE"
    SCOPING = "SCOPING"


# In a MULTI_CHOICE answer, an option of this value stands alone even unmarked.
NONE_OPTION = "none"


class AnswerOption(Strict):
    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,39}$")]
    label: ShortText
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    # MULTI_CHOICE: an option that cannot be chosen with others ("none of these").
    exclusive: bool = False

    @property
    def stands_alone(self) -> bool:
        return self.exclusive or self.value == NONE_OPTION


DEFAULT_OPTIONS: dict[QuestionKind, tuple[AnswerOption, ...]] = {
    QuestionKind.YES_NO: (
        AnswerOption(value="yes", label="Yes", score=1.0),
        AnswerOption(value="no", label="No", score=0.0),
    ),
    QuestionKind.YES_PARTIAL_NO: (
        AnswerOption(value="yes", label="Yes, fully", score=1.0),
        AnswerOption(value="partial", label="Partly", score=0.5),
        AnswerOption(value="no", label="No", score=0.0),
    ),
    QuestionKind.MATURITY: (
        AnswerOption(value="0", label="Not in place", score=0.0),
        AnswerOption(value="1", label="Ad hoc, depends on individuals", score=0.2),
        AnswerOption(value="2", label="Repeatable but undocumented", score=0.4),
        AnswerOption(value="3", label="Documented and followed", score=0.7),
        AnswerOption(value="4", label="Measured and reviewed", score=0.9),
        AnswerOption(value="5", label="Continuously improved", score=1.0),
    ),
}

NOT_APPLICABLE = "n/a"


class Question(Strict):
    key: Key
    text: Text
    help: Text | None = None
    kind: QuestionKind
    role: QuestionRole | None = None
    options: list[AnswerOption] = Field(default_factory=list, max_length=MAX_OPTIONS)
    controls: list[Key] = Field(default_factory=list, max_length=MAX_CONTROLS_PER_QUESTION)
    points_of_focus: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,3}\d{1,2}\.\d{1,2}#\d{1,3}$")]
    ] = Field(default_factory=list, max_length=100)
    weight: float = Field(default=1.0, gt=0.0, le=10.0)
    show_if: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    allow_na: bool = False

    @property
    def effective_role(self) -> QuestionRole:
        if self.role is not None:
            return self.role
        if self.kind is QuestionKind.MONTHS:
            return QuestionRole.OPERATING
        if self.kind in (QuestionKind.DATE, QuestionKind.TEXT):
            return QuestionRole.SCOPING
        return QuestionRole.DESIGN

    @property
    def effective_options(self) -> tuple[AnswerOption, ...]:
        if self.options:
            return tuple(self.options)
        return DEFAULT_OPTIONS.get(self.kind, ())


class Section(Strict):
    key: Key
    title: ShortText
    description: Text | None = None
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS_PER_SECTION)


class ScopeRule(Strict):
    category: Category
    when: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Questionnaire(Strict):
    kind: Literal["questionnaire"] = "questionnaire"
    key: Key
    name: ShortText
    framework: Key
    description: Text | None = None
    sections: list[Section] = Field(min_length=1, max_length=MAX_SECTIONS)
    scope_rules: list[ScopeRule] = Field(default_factory=list, max_length=20)
