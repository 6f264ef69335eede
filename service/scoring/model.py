"""Plain data the gap engine reads and writes.

The engine imports nothing of the project: the assessment layer translates a
catalog version into an ``EngineModel`` once (it is immutable and cached),
and answers into a mapping of question key to value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, TypeVar

if TYPE_CHECKING:
    from service.scoring.memo import EngineMemo

NOT_APPLICABLE = "n/a"
_T = TypeVar("_T")


class Role(StrEnum):
    DESIGN = "DESIGN"
    OPERATING = "OPERATING"
    EVIDENCE = "EVIDENCE"
    SCOPING = "SCOPING"


class AuditType(StrEnum):
    TYPE_1 = "TYPE_1"
    TYPE_2 = "TYPE_2"


class ControlStatus(StrEnum):
    IMPLEMENTED = "IMPLEMENTED"
    PARTIAL = "PARTIAL"
    MISSING = "MISSING"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"


class CriterionStatus(StrEnum):
    MET = "MET"
    PARTIAL = "PARTIAL"
    NOT_MET = "NOT_MET"
    NOT_ASSESSED = "NOT_ASSESSED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class GapKind(StrEnum):
    DESIGN = "DESIGN"
    OPERATING = "OPERATING"
    EVIDENCE = "EVIDENCE"
    UNANSWERED = "UNANSWERED"


class TimelineStatus(StrEnum):
    # No blocker holds the window start after the report's day: it can start now, or
    # (Type II) it already started in the past.
    READY = "READY"
    # Work or operating time still holds the start: the dates are a plan.
    PLANNED = "PLANNED"
    # Too few in-scope controls are answered to give any date (``rules.ANSWERED_ENOUGH``).
    INSUFFICIENT_ANSWERS = "INSUFFICIENT_ANSWERS"


class BlockerReason(StrEnum):
    DESIGN_GAP = "DESIGN_GAP"
    OPERATING_HISTORY = "OPERATING_HISTORY"
    NO_EVIDENCE = "NO_EVIDENCE"
    UNANSWERED = "UNANSWERED"


class OperatingSource(StrEnum):
    """Where a control's operating history comes from."""

    ANSWERS = "ANSWERS"  # a dated MONTHS answer
    LEDGER = "LEDGER"  # occurrences on file in the evidence ledger


class History(NamedTuple):
    """What the evidence ledger says of a control (``operation.history``)."""

    # The first passing occurrence of the unbroken run of periods that reaches the
    # report's day; the report's day itself when the latest due period broke the run.
    since: date
    # The share of its occurrences that carry an evidence reference.
    evidence: float


# Each control's history by control key, sorted: hashable, so part of ``Parameters``.
Histories = tuple[tuple[str, History], ...]


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


Visibility = Callable[[Mapping[str, str]], bool]


@dataclass(frozen=True, slots=True)
class EngineQuestion:
    key: str
    text: str
    role: Role
    weight: float
    controls: tuple[str, ...]
    # Option value -> score in [0, 1]; empty for MONTHS questions.
    scores: Mapping[str, float]
    visible_when: Visibility | None = None
    # MULTI_CHOICE: the value lists options separated by commas; their scores add up to 1 at most.
    multiple: bool = False

    def score(self, value: str) -> float:
        if self.multiple:
            chosen = {part.strip() for part in value.split(",")}
            return min(1.0, sum(self.scores.get(part, 0.0) for part in chosen))
        return self.scores.get(value, 0.0)


@dataclass(frozen=True, slots=True)
class EngineControl:
    key: str
    name: str
    criteria: tuple[str, ...]
    key_control: bool
    effort_weeks: int
    remediation: str
    # The catalog's frequency (``operation.FREQUENCIES``): the periods of its dry run.
    frequency: str = "EVENT_DRIVEN"


@dataclass(frozen=True, slots=True)
class EngineCriterion:
    ref: str
    category: str
    weight: int


@dataclass(frozen=True)
class EngineModel:
    """A catalog version in the shape the engine walks; build once per version."""

    criteria: tuple[EngineCriterion, ...]
    controls: tuple[EngineControl, ...]
    questions: tuple[EngineQuestion, ...]
    # Derived indexes, filled by ``__post_init__``.
    design_questions: Mapping[str, tuple[EngineQuestion, ...]] = field(init=False)
    operating_questions: Mapping[str, tuple[EngineQuestion, ...]] = field(init=False)
    evidence_questions: Mapping[str, tuple[EngineQuestion, ...]] = field(init=False)
    controls_by_criterion: Mapping[str, tuple[EngineControl, ...]] = field(init=False)
    control_index: Mapping[str, EngineControl] = field(init=False)
    question_index: Mapping[str, EngineQuestion] = field(init=False)
    # What the engine remembers between reports (``memo.memo_of``): caches that never
    # change a result, attached on first use.
    memo: EngineMemo | None = field(init=False, default=None, compare=False, repr=False, hash=False)
    scoping_keys: tuple[str, ...] = field(init=False)
    # The operating (MONTHS) questions: their answers are dated.
    months_keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        by_role: dict[Role, dict[str, list[EngineQuestion]]] = {role: {} for role in Role}
        for question in self.questions:
            for control_key in question.controls:
                by_role[question.role].setdefault(control_key, []).append(question)
        object.__setattr__(self, "design_questions", _freeze(by_role[Role.DESIGN]))
        object.__setattr__(self, "operating_questions", _freeze(by_role[Role.OPERATING]))
        object.__setattr__(self, "evidence_questions", _freeze(by_role[Role.EVIDENCE]))
        by_criterion: dict[str, list[EngineControl]] = {}
        for control in self.controls:
            for ref in control.criteria:
                by_criterion.setdefault(ref, []).append(control)
        object.__setattr__(self, "controls_by_criterion", _freeze(by_criterion))
        object.__setattr__(self, "control_index", {c.key: c for c in self.controls})
        object.__setattr__(self, "question_index", {q.key: q for q in self.questions})
        scoping = tuple(q.key for q in self.questions if q.role is Role.SCOPING)
        object.__setattr__(self, "scoping_keys", scoping)
        months = frozenset(q.key for q in self.questions if q.role is Role.OPERATING)
        object.__setattr__(self, "months_keys", months)


def _freeze(index: dict[str, list[_T]]) -> dict[str, tuple[_T, ...]]:
    return {key: tuple(values) for key, values in index.items()}


@dataclass(frozen=True, slots=True)
class CarveOut:
    """A subservice organisation presented carve-out: the criteria it supports are met
    through it, so only while the company monitors it (``Parameters.monitoring_control``)
    and its own SOC report is current for the report's day (``report_current``)."""

    name: str
    criteria: frozenset[str]
    report_current: bool
    # False for a provider seeded from the scoping answers and not yet confirmed.
    recorded: bool = True


@dataclass(frozen=True, slots=True)
class Parameters:
    """What a report is computed for. ``today`` is the report's day (``asOf``): a MONTHS
    answer given as a date counts from that date, so the same answers give the same
    window start whatever day they are read on."""

    scope: frozenset[str]
    audit_type: AuditType
    window_months: int
    today: date
    # Days from the end of the window to the report: fieldwork and issuance, soonest
    # and latest (settings ``REPORT_LAG_MIN_WEEKS`` and ``REPORT_LAG_MAX_WEEKS``).
    report_lag_days: tuple[int, int] = (28, 70)
    target_date: date | None = None
    carve_outs: tuple[CarveOut, ...] = ()
    # The control by which the company monitors its subservice organisations.
    monitoring_control: str | None = None
    # Controls with occurrences in the evidence ledger: their history overrides the
    # answers' months and evidence.
    ledger: Histories = ()


@dataclass(frozen=True, slots=True)
class ControlResult:
    key: str
    status: ControlStatus
    score: float
    design: float
    months_operated: int | None
    evidence: float | None
    # The day the control started running, from a dated MONTHS answer or the ledger;
    # None when unknown.
    operating_since: date | None = None
    operating_source: OperatingSource | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    ref: str
    category: str
    status: CriterionStatus
    score: float
    drivers: tuple[str, ...]
    # Type II: MET by design, not yet by operation (a month of it on record).
    operation_pending: bool = False


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: str
    score: float
    criteria_met: int
    criteria_total: int


@dataclass(frozen=True, slots=True)
class Gap:
    kind: GapKind
    severity: Severity
    criterion: str
    criteria: tuple[str, ...]
    control: str | None
    question: str | None
    title: str
    remediation: str
    effort_weeks: int


class Blocker(NamedTuple):
    """A control that holds the observation window's start until ``holds_start_until``.
    (A named tuple: reports build many, and it is the cheapest immutable record.)"""

    control: str
    reason: BlockerReason
    holds_start_until: date
    criteria: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hold:
    """What one control could hold the window's start with, before the criteria are known:
    design work of ``weeks`` (scheduled later), or a ``blocker`` already dated."""

    control: str
    reason: BlockerReason
    criteria: tuple[str, ...]
    key_control: bool
    weeks: float | None = None
    blocker: Blocker | None = None
    # The schedule's order: longest design work first, then by control key.
    rank: tuple[float, str] = (0.0, "")


@dataclass(frozen=True, slots=True)
class Timeline:
    status: TimelineStatus
    earliest_observation_start: date | None
    earliest_report_date: date | None
    # The same window with the slowest fieldwork and issuance.
    latest_report_date: date | None
    # The Type I path: the report date once the design work is done.
    type1_report_date: date | None
    # What holds the start, latest first; the first one's day is the start.
    blockers: tuple[Blocker, ...]
    target_date: date | None = None
    # Whether the earliest report date is on or before the target; None without either.
    meets_target: bool | None = None
    # The earliest report date once the blockers holding the start on its day are closed
    # (the next blockers then hold it); None without blockers.
    report_date_without_latest: date | None = None


NO_TIMELINE = Timeline(TimelineStatus.INSUFFICIENT_ANSWERS, None, None, None, None, ())


@dataclass(frozen=True, slots=True)
class Report:
    readiness: float
    completeness: float
    categories: tuple[CategoryResult, ...]
    criteria: tuple[CriterionResult, ...]
    controls: tuple[ControlResult, ...]
    gaps: tuple[Gap, ...]
    earliest_observation_start: date | None
    earliest_report_date: date | None
    answered: int
    total: int
    as_of: date | None = None
    timeline: Timeline = NO_TIMELINE
