"""The evidence ledger: recording control occurrences, and the auditor's dry run over them.

``LedgerService`` records batches (GraphQL rows or a CSV export), pages an
organisation's occurrences, keeps its auditor's sampling profile, and runs the
dry run (``operating_effectiveness``) and the seeded mock audit (``simulate``)
for an assessment. The arithmetic is the engine's (``scoring.operation``); this
module reads the ledger and decides the window.

``Histories`` is the process cache of what the ledger says of each control for
readiness reports (``operation.histories``), keyed by the organisation's ledger
stamp and the report's day, so it never serves a result another pod would not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bson import ObjectId

from service.assessment.ledger_input import OccurrenceIn, checked, parse_csv
from service.catalog.repository import CatalogRepository
from service.errors import InvalidInput
from service.offload import worker_pool
from service.principal import Permission
from service.scoring import operation
from service.scoring.model import ControlStatus, EngineModel, Histories, Report
from service.scoring.rules import add_months
from service.storage.documents import ControlOccurrence
from service.storage.repositories import Page, now
from service.storage.repositories.occurrence import OccurrenceRepository, occurrence_id
from service.storage.tenancy import Access
from service.storage.writes import audit_event

# Ledgers up to this size are summarised on the event loop; larger ones in the worker pool.
INLINE_ROWS = 2_000
MIN_SAMPLE, MAX_SAMPLE = 1, operation.MAX_SAMPLE_SIZE


def midnight(day: date) -> datetime:
    """A day as the ledger stores it."""
    return datetime.combine(day, time(), tzinfo=UTC)


def _occurrences(rows: Sequence[dict[str, Any]]) -> dict[str, list[operation.Occurrence]]:
    return operation.grouped(
        (
            row["control_key"],
            operation.Occurrence(
                row["performed_on"].date(), row["passed"], row.get("evidenced", False), row
            ),
        )
        for row in rows
    )


def _histories(model: EngineModel, rows: Sequence[dict[str, Any]], day: date) -> Histories:
    frequencies = {c.key: c.frequency for c in model.controls}
    return operation.histories(frequencies, _occurrences(rows), day)


async def _offloaded(rows: int, function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` inline over up to ``INLINE_ROWS`` rows, else in the worker pool."""
    if rows <= INLINE_ROWS:
        return function(*args)
    return await worker_pool().run(function, *args)


class HistoryCache:
    """Per (organisation, ledger stamp, catalog version, day): each control's history.
    Bounded; a new stamp or day simply misses."""

    MAX_ENTRIES = 512

    def __init__(self) -> None:
        self._entries: dict[tuple[object, ...], Histories] = {}

    @staticmethod
    def key(
        organization_id: ObjectId, stamp: str | None, model: EngineModel, day: date
    ) -> tuple[object, ...]:
        """An entry's key: the ledger (by its stamp), the catalog version and the day."""
        return (organization_id, stamp, id(model), day)

    def get(self, key: tuple[object, ...]) -> Histories | None:
        return self._entries.get(key)

    def put(self, key: tuple[object, ...], value: Histories) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = value

    async def of(
        self,
        access: Access,
        *,
        organization_id: ObjectId,
        stamp: str | None,
        model: EngineModel,
        day: date,
        current: bool = True,
    ) -> Histories:
        """What the organisation's ledger says of each control as of ``day``; nothing when
        it has no ledger. ``current``: ``stamp`` is the organisation's current one (an
        assessment that is not submitted carries it); otherwise the current one is read
        first, so an entry's key always names the ledger its rows were read from."""
        if current and not stamp:
            return ()
        scope = await access.scope(organization_id)
        repository = OccurrenceRepository(scope)
        if not current:
            stamp = await repository.stamp()
            if not stamp:
                return ()
        key = self.key(organization_id, stamp, model, day)
        found = self.get(key)
        if found is not None:
            return found
        rows = await repository.facts(until=midnight(day))
        histories: Histories = await _offloaded(len(rows), _histories, model, rows, day)
        self.put(key, histories)
        return histories


@dataclass(frozen=True, slots=True)
class Subject:
    """What the dry run of one assessment reads: its organisation and ledger stamp, its
    report (the in-scope controls and the timeline) and engine model, and its window."""

    organization_id: ObjectId
    stamp: str | None
    report: Report
    model: EngineModel
    months: int


@dataclass(frozen=True, slots=True)
class ControlRun:
    """One in-scope control in the dry run (``operation`` None: not applicable)."""

    control: str
    frequency: str
    outcome: operation.Operation | None

    @property
    def verdict(self) -> operation.Verdict:
        return self.outcome.verdict if self.outcome else operation.Verdict.NOT_APPLICABLE


@dataclass(frozen=True, slots=True)
class DryRun:
    window: operation.Window
    profile: dict[str, int]
    controls: list[ControlRun]


@dataclass(frozen=True, slots=True)
class AuditSample:
    control: str
    periods: tuple[operation.Tested, ...]

    @property
    def selected(self) -> list[ControlOccurrence]:
        """The occurrences on file in the sampled periods."""
        return [
            ControlOccurrence.model_validate(o.ref) for t in self.periods for o in t.occurrences
        ]

    @property
    def missed(self) -> list[operation.Period]:
        return [t.period for t in self.periods if not t.occurrences]

    @property
    def deviations(self) -> int:
        return sum(1 for t in self.periods if t.deviant)


@dataclass(frozen=True, slots=True)
class Recorded:
    recorded: int
    duplicates: int


@dataclass
class LedgerService:
    """The caller's view of organisations' ledgers."""

    access: Access
    catalog: CatalogRepository
    clock: Callable[[], date]
    histories: HistoryCache

    async def _scope(self, organization_id: ObjectId | None, permission: Permission) -> Any:
        return await self.access.scope(organization_id, permission)

    async def _known_controls(self, organization_id: ObjectId) -> set[str]:
        frameworks = await self.catalog.frameworks(organization_id)
        return {key for f in frameworks for key in f.controls}

    async def record(
        self,
        organization_id: ObjectId | None,
        rows: Sequence[OccurrenceIn],
        *,
        where: Callable[[int], tuple[str, str]] | None = None,
        action: str = "recordOccurrences",
    ) -> Recorded:
        """Record a batch, all or nothing: any problem of any row refuses it whole."""
        scope = await self._scope(organization_id, Permission.ANSWER)
        known = await self._known_controls(scope.organization_id)
        today = self.clock()
        rows = checked(rows, known, today, where) if where else checked(rows, known, today)
        subject = self.access.principal.subject
        moment = now()
        documents = [
            {
                "_id": (
                    occurrence_id(scope.organization_id, row.external_id)
                    if row.external_id
                    else ObjectId()
                ),
                "organization_id": scope.organization_id,
                "control_key": row.control_key,
                "performed_on": midnight(row.performed_on or today),
                "passed": row.result == "PASS",
                "evidence_ref": row.evidence_ref,
                "evidenced": row.evidence_ref is not None,
                "note": row.note,
                "external_id": row.external_id,
                "recorded_by": subject,
                "recorded_at": moment,
            }
            for row in rows
        ]
        event = audit_event(
            self.access.principal,
            action,
            "Organization",
            scope.organization_id,
            scope.organization_id,
            rows=len(rows),
        )
        recorded, duplicates = await OccurrenceRepository(scope).record(
            documents, event, str(ObjectId())
        )
        return Recorded(recorded, duplicates)

    async def import_csv(self, organization_id: ObjectId | None, text: str) -> Recorded:
        """Record the occurrences of a CSV export (``ledger_input.parse_csv``)."""
        await self._scope(organization_id, Permission.ANSWER)
        batch = parse_csv(text)
        lines = batch.lines
        return await self.record(
            organization_id,
            batch.rows,
            where=lambda i: ("csv", str(lines[i]) if i < len(lines) else "1"),
            action="importOccurrences",
        )

    async def page(
        self,
        organization_id: ObjectId,
        *,
        first: int,
        after: tuple[datetime, ObjectId] | None,
        control_key: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Page[ControlOccurrence]:
        scope = await self._scope(organization_id, Permission.READ)
        return await OccurrenceRepository(scope).page(
            first=first,
            after=after,
            control_key=control_key,
            since=midnight(since) if since else None,
            until=midnight(until) if until else None,
        )

    async def get(self, occurrence: ObjectId) -> ControlOccurrence | None:
        """One occurrence of the caller's organisations, or None."""
        return await OccurrenceRepository.find(self.access, occurrence)

    async def sampling_profile(self, organization_id: ObjectId) -> dict[str, int]:
        """The organisation's auditor's sample sizes, ours where it set none."""
        scope = await self._scope(organization_id, Permission.READ)
        own = await OccurrenceRepository(scope).sampling_profile()
        return {**operation.DEFAULT_PROFILE, **own}

    async def set_sampling_profile(
        self, organization_id: ObjectId | None, sizes: Sequence[tuple[str, int]]
    ) -> dict[str, int]:
        """Set the sample sizes the organisation's auditor uses (an empty list: ours)."""
        scope = await self._scope(organization_id, Permission.ASSESS)
        if len(sizes) > len(operation.FREQUENCIES):
            raise InvalidInput(
                f"at most {len(operation.FREQUENCIES)} sizes, one per frequency",
                ("input", "sizes"),
            )
        profile: dict[str, int] = {}
        for index, (frequency, size) in enumerate(sizes):
            if not MIN_SAMPLE <= size <= MAX_SAMPLE:
                raise InvalidInput(
                    f"a sample size is {MIN_SAMPLE} to {MAX_SAMPLE}",
                    ("input", "sizes", str(index), "sampleSize"),
                )
            profile[frequency] = size
        event = audit_event(
            self.access.principal,
            "setSamplingProfile",
            "Organization",
            scope.organization_id,
            scope.organization_id,
            **profile,
        )
        await OccurrenceRepository(scope).set_sampling_profile(profile, event)
        return {**operation.DEFAULT_PROFILE, **profile}

    def window(
        self, report: Report, months: int, window_start: date | None, as_of: date
    ) -> operation.Window:
        """The window of the dry run: from ``window_start``, else the report's earliest
        observation start when it has come, else the window that ends on ``as_of``."""
        if window_start is not None:
            if window_start > as_of:
                raise InvalidInput("windowStart must not be after asOf", ("windowStart",))
            if window_start < date(2000, 1, 1):
                raise InvalidInput("windowStart must be on or after 2000-01-01", ("windowStart",))
            start = window_start
        else:
            earliest = report.timeline.earliest_observation_start
            if earliest is not None and earliest <= as_of:
                start = earliest
            else:
                start = add_months(as_of, -months) + timedelta(days=1)
        return operation.Window(start, add_months(start, months) - timedelta(days=1), as_of)

    async def _run(self, subject: Subject, window: operation.Window, *, whole: bool) -> DryRun:
        scope = await self._scope(subject.organization_id, Permission.READ)
        repository = OccurrenceRepository(scope)
        profile = {**operation.DEFAULT_PROFILE, **await repository.sampling_profile()}
        frequencies = {c.key: c.frequency for c in subject.model.controls}
        in_scope = [
            (c.key, frequencies.get(c.key, "EVENT_DRIVEN"), c.status)
            for c in subject.report.controls
        ]
        lower = midnight(
            min(
                (operation.period_of(window.start, f).start for _, f, _ in in_scope),
                default=window.start,
            )
        )
        upper = midnight(window.upper)
        stamp = await repository.stamp()
        key = HistoryCache.key(subject.organization_id, stamp, subject.model, window.upper)
        earlier = self.histories.get(key) if stamp else ()
        rows: list[dict[str, Any]]
        if earlier is None:
            # Nothing known of this ledger for the day yet: read it once, whole up to the
            # window's last day, for the report's histories and the dry run alike.
            rows = await (repository.window(None, upper) if whole else repository.facts(upper))
            earlier = await _offloaded(len(rows), _histories, subject.model, rows, window.upper)
            self.histories.put(key, earlier)
            first = lower.date()
            rows = [row for row in rows if row["performed_on"].date() >= first]
        elif whole:
            rows = await repository.window(lower, upper)
        else:
            rows = await repository.facts(until=upper, since=lower)
        # Whether anything is on file up to the window's day: the histories' controls.
        on_file = {control for control, _ in earlier or ()}
        controls = await _offloaded(len(rows), _dry_runs, in_scope, rows, window, profile, on_file)
        return DryRun(window, profile, controls)

    async def operating_effectiveness(
        self, subject: Subject, window_start: date | None, as_of: date, *, whole: bool = False
    ) -> DryRun:
        """The dry run; with ``whole``, each occurrence's ``ref`` is its stored row (the
        evidence request list shows the references)."""
        window = self.window(subject.report, subject.months, window_start, as_of)
        return await self._run(subject, window, whole=whole)

    async def simulate(
        self, subject: Subject, seed: int, window_start: date | None, as_of: date
    ) -> list[AuditSample]:
        """A mock audit: per in-scope control, the periods an auditor would sample (the
        same ones for the same seed), with the occurrences on file in them."""
        window = self.window(subject.report, subject.months, window_start, as_of)
        run = await self._run(subject, window, whole=True)
        return [
            AuditSample(c.control, operation.draw(c.outcome, seed, c.control))
            for c in run.controls
            if c.outcome is not None and c.outcome.population
        ]


def _dry_runs(
    in_scope: Sequence[tuple[str, str, ControlStatus]],
    rows: Sequence[dict[str, Any]],
    window: operation.Window,
    profile: dict[str, int],
    on_file: set[str],
) -> list[ControlRun]:
    by_control = _occurrences(rows)
    runs: list[ControlRun] = []
    for key, frequency, status in in_scope:
        if status is ControlStatus.NOT_APPLICABLE:
            runs.append(ControlRun(key, frequency, None))
            continue
        found = by_control.get(key, [])
        runs.append(
            ControlRun(
                key,
                frequency,
                operation.dry_run(
                    frequency, found, window, profile=profile, on_file=key in on_file
                ),
            )
        )
    return runs
