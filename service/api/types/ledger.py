"""GraphQL types of the evidence ledger and the auditor's dry run over it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from service.api import enums
from service.api.ids import global_id
from service.api.types.catalog import CatalogObjects, Control
from service.api.types.copying import shown
from service.api.types.node import Node, registered
from service.assessment.ledger import AuditSample, ControlRun, DryRun
from service.assessment.records import ControlOccurrence as OccurrenceRecord
from service.catalog.catalog import FrameworkVersion
from service.scoring import operation

TYPE_NAME = "ControlOccurrence"


@registered(TYPE_NAME)
@strawberry.type(
    name="ControlOccurrence",
    description="One dated performance of a control, with a reference to its evidence.",
)
class ControlOccurrenceType(Node):
    record: strawberry.Private[OccurrenceRecord]

    control_key = shown("record.control_key", str, "Key of the control performed, e.g. IAM-03.")

    @strawberry.field(description="The day it was performed.")
    def performed_on(self) -> date:
        return self.record.performed_on.date()

    @strawberry.field(
        description="PASS, or EXCEPTION when it ran late, without approval or incompletely."
    )
    def result(self) -> enums.OccurrenceResult:
        return (
            enums.OccurrenceResult.PASS if self.record.passed else enums.OccurrenceResult.EXCEPTION
        )

    evidence_ref = shown(
        "record.evidence_ref",
        str | None,
        "Where the evidence is: a ticket URL, a file hash, a log query.",
    )
    note = shown(
        "record.note", str | None, "The sender's note (up to 4,000 characters); null when none."
    )
    external_id = shown(
        "record.external_id",
        str | None,
        "The sender's own id (a ticket key): sending it again records nothing new.",
    )
    recorded_by = shown(
        "record.recorded_by", str, "Subject of the user or API key that recorded it."
    )
    recorded_at = shown("record.recorded_at", datetime, "When the service recorded it (UTC).")

    @classmethod
    def of(cls, record: OccurrenceRecord) -> ControlOccurrenceType:
        return cls(id=global_id(TYPE_NAME, record.id), record=record)


@strawberry.type(description="A calendar period (both days included).")
class DatePeriod:
    start: date = strawberry.field(description="The first day.")
    end: date = strawberry.field(description="The last day, included.")

    @classmethod
    def of(cls, period: operation.Period) -> DatePeriod:
        return cls(start=period.start, end=period.end)


@strawberry.type(
    description="How many items an auditor tests for a control of this frequency; for "
    "CONTINUOUS and EVENT_DRIVEN controls, for a population over 52 (smaller ones are "
    "sampled as the periodic frequency of the same size)."
)
class SampleSize:
    frequency: enums.Frequency = strawberry.field(
        description="The control frequency this size is for."
    )
    sample_size: int = strawberry.field(
        description="Items the auditor tests, 1 to 100; never more than a control's population."
    )

    @classmethod
    def listed(cls, profile: dict[str, int]) -> list[SampleSize]:
        return [
            cls(frequency=enums.Frequency(f), sample_size=profile[f]) for f in operation.FREQUENCIES
        ]


@strawberry.type(description="One in-scope control's dry run over the observation window.")
class ControlOperation:
    run: strawberry.Private[ControlRun]
    framework: strawberry.Private[FrameworkVersion]

    @strawberry.field(description="The control run.")
    def control(self) -> Control:
        return CatalogObjects(self.framework).control(self.run.control)

    @strawberry.field(description="The control's catalog frequency, which sets its periods.")
    def frequency(self) -> enums.Frequency:
        return enums.Frequency(self.run.frequency)

    @strawberry.field(
        description="Periods expected in the window (CONTINUOUS and EVENT_DRIVEN: the "
        "occurrences on file, one period each)."
    )
    def expected(self) -> int:
        return self.run.outcome.expected if self.run.outcome else 0

    @strawberry.field(description="Occurrences on file in those periods.")
    def performed(self) -> int:
        return self.run.outcome.performed if self.run.outcome else 0

    @strawberry.field(description="Periods with no occurrence on file.")
    def missed_periods(self) -> list[DatePeriod]:
        return [DatePeriod.of(p) for p in self.run.outcome.missed] if self.run.outcome else []

    @strawberry.field(description="Occurrences on file recorded as EXCEPTION.")
    def exceptions(self) -> int:
        return self.run.outcome.exceptions if self.run.outcome else 0

    @strawberry.field(description="Periods the auditor samples from.")
    def population(self) -> int:
        return len(self.run.outcome.population) if self.run.outcome else 0

    @strawberry.field(
        description="Periods that are missed or hold only exceptions: a deviation when sampled."
    )
    def deviant_periods(self) -> int:
        return self.run.outcome.deviant if self.run.outcome else 0

    @strawberry.field(
        description="Periods the auditor would test: the profile's size for the frequency, at "
        "most the population; 0 when NOT_APPLICABLE."
    )
    def sample_size(self) -> int:
        return self.run.outcome.sample_size if self.run.outcome else 0

    @strawberry.field(
        description="The exact chance that the sample holds at least one deviant period "
        "(hypergeometric: 1 - C(N - b, n) / C(N, n))."
    )
    def exception_probability(self) -> float:
        return self.run.outcome.exception_probability if self.run.outcome else 0.0

    @strawberry.field(description="What the sample would likely find, from the figures above.")
    def verdict(self) -> enums.OperatingVerdict:
        return self.run.verdict


@strawberry.type(
    description="What an auditor's sample of each in-scope control would find in the ledger."
)
class OperatingEffectiveness:
    dry_run: strawberry.Private[DryRun]
    framework: strawberry.Private[FrameworkVersion]

    @strawberry.field(description="First day of the observation window.")
    def window_start(self) -> date:
        return self.dry_run.window.start

    @strawberry.field(
        description="Last day of the window: the assessment's observation window months after "
        "windowStart, less a day."
    )
    def window_end(self) -> date:
        return self.dry_run.window.end

    @strawberry.field(
        description="The day the run is read as of: occurrences after it and periods not yet "
        "ended (unless something is on file in them) are left out."
    )
    def as_of(self) -> date:
        return self.dry_run.window.as_of

    @strawberry.field(
        description="The sample sizes used per frequency: the organisation's own where set, "
        "else the defaults."
    )
    def sampling_profile(self) -> list[SampleSize]:
        return SampleSize.listed(self.dry_run.profile)

    @strawberry.field(description="Each in-scope control's run, optionally of one verdict only.")
    def controls(
        self,
        verdict: Annotated[
            enums.OperatingVerdict | None,
            strawberry.argument(description="Only controls with this verdict; omit for all."),
        ] = None,
    ) -> list[ControlOperation]:
        return [
            ControlOperation(run=c, framework=self.framework)
            for c in self.dry_run.controls
            if verdict is None or c.verdict is verdict
        ]


@strawberry.type(name="AuditSample", description="One control's sample in a mock audit.")
class AuditSampleType:
    sample: strawberry.Private[AuditSample]
    framework: strawberry.Private[FrameworkVersion]

    @strawberry.field(description="The control sampled.")
    def control(self) -> Control:
        return CatalogObjects(self.framework).control(self.sample.control)

    @strawberry.field(description="The sampled periods.")
    def periods(self) -> list[DatePeriod]:
        return [DatePeriod.of(t.period) for t in self.sample.periods]

    @strawberry.field(description="The occurrences on file in the sampled periods.")
    def selected(self) -> list[ControlOccurrenceType]:
        return [ControlOccurrenceType.of(o) for o in self.sample.selected]

    @strawberry.field(description="Sampled periods with nothing on file.")
    def missed_periods(self) -> list[DatePeriod]:
        return [DatePeriod.of(p) for p in self.sample.missed]

    @strawberry.field(description="Sampled periods missed or holding only exceptions.")
    def deviations(self) -> int:
        return self.sample.deviations
