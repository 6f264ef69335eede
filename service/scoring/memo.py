"""What the engine remembers between reports of one catalog version.

Nothing here changes a result: a plan depends only on the scope and the
scoping answers, a control's result only on the answers to its visible
questions (and the audit type, window and the report's day), a criterion's only on its
controls' results. Each is kept under exactly those inputs, so a save that
changes a few answers recomputes a few controls. Every cache is bounded.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

from service.scoring.model import ControlResult, CriterionResult, EngineModel, Hold, Timeline

if TYPE_CHECKING:
    from service.scoring.plan import Plan, Ranked

PlanKey = tuple[frozenset[str], tuple[tuple[str, str], ...]]
# A control's result, its serial number (which criteria are keyed by in turn), the gaps
# it raises, what it could hold the window's start with (by design work, until a day),
# and its weight in the answered share (in-scope, answered).
ControlEntry = tuple[
    ControlResult, int, tuple["Ranked", ...], tuple[Hold, ...], tuple[Hold, ...], float, float
]
_V = TypeVar("_V")


class _Bounded(Generic[_V]):
    """A dictionary emptied when it reaches ``limit`` entries: bounded, never stale."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: dict[Hashable, _V] = {}

    def get(self, key: Hashable) -> _V | None:
        return self.entries.get(key)

    def put(self, key: Hashable, value: _V) -> _V:
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = value
        return value

    def __len__(self) -> int:
        return len(self.entries)


class EngineMemo:
    """Plans, control results and criterion results of one engine model."""

    PLAN_LIMIT = 512
    TIMELINE_LIMIT = 4096
    # About 400 bytes an entry: 20 MB at most per catalog version.
    RESULTS_LIMIT = 50_000

    def __init__(self) -> None:
        self.plans: _Bounded[Plan] = _Bounded(self.PLAN_LIMIT)
        # Per (Type II, window, day): results change with all three (a dated MONTHS
        # answer gives a control more months of operation as the report's day moves).
        self.controls: dict[tuple[bool, int, date], dict[Hashable, ControlEntry]] = {}
        self.criteria: dict[tuple[bool, int, date], dict[Hashable, CriterionResult]] = {}
        # Timelines by the identity of their inputs (see ``timeline_for``).
        self.timelines: _Bounded[tuple[Timeline, object]] = _Bounded(self.TIMELINE_LIMIT)
        self._signatures: dict[Hashable, int] = {}
        self._serials = itertools.count()

    def signature(self, inputs: Hashable) -> int:
        """A small id for a set of inputs; distinct sets get distinct ids (never reused)."""
        return self._signatures.setdefault(inputs, len(self._signatures))

    def serial(self) -> int:
        return next(self._serials)

    def results_size(self) -> int:
        return sum(map(len, self.controls.values())) + sum(map(len, self.criteria.values()))

    def results_for(
        self, type2: bool, window: int, today: date
    ) -> tuple[dict[Hashable, ControlEntry], dict[Hashable, CriterionResult]]:
        """The result memos for one audit type, window and day, emptied first when full."""
        if self.results_size() >= self.RESULTS_LIMIT:
            self.clear_results()
        key = (type2, window, today)
        return self.controls.setdefault(key, {}), self.criteria.setdefault(key, {})

    def clear_results(self) -> None:
        self.controls.clear()
        self.criteria.clear()
        self.timelines.entries.clear()

    def timeline_for(
        self, inputs: tuple[object, ...], key: Hashable, build: Callable[[], Timeline]
    ) -> Timeline:
        """The timeline of ``inputs`` (the holds and criterion results of one report, which
        are memo entries, and its parameters), remembered by ``key``: the identities of
        the same objects. The entry keeps ``inputs`` alive, so no other object can take
        one of those identities while it exists: a hit means the very same inputs."""
        found = self.timelines.get(key)
        if found is not None:
            return found[0]
        return self.timelines.put(key, (build(), inputs))[0]

    def plan(self, key: PlanKey, build: Callable[[], Plan]) -> Plan:
        found = self.plans.get(key)
        return found if found is not None else self.plans.put(key, build())


_ATTACH = threading.Lock()


def memo_of(model: EngineModel) -> EngineMemo:
    """The model's memo, made on first use (the model itself stays plain data)."""
    memo = model.memo
    if memo is None:
        with _ATTACH:
            memo = model.memo
            if memo is None:
                memo = EngineMemo()
                object.__setattr__(model, "memo", memo)
    return memo
