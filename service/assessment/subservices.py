"""Subservice organisations an assessment relies on: carve-out or inclusive, and their reports.

A SOC 2 report names the subservice organisations the system depends on (the
cloud provider, a payment processor) and says how they are treated:
- carve-out: their controls stay outside the description; the auditor relies
  on their own SOC report, so it must cover the period (or a bridge letter
  must cover the gap), and the company must monitor them and run the
  complementary user-entity controls (CUECs) their report asks of customers;
- inclusive: their controls are described and tested as part of the system.

Until people record their own list, a company whose scoping answer says it
hosts in the cloud gets one seeded: its cloud provider, carve-out, supporting
physical security and environmental protection.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from service.errors import ErrorCode, InvalidInput, Problem
from service.scoring.model import CarveOut
from service.scoring.rules import add_months

MAX_SUBSERVICES = 20
MAX_CUECS = 20
MAX_TEXT = 500
# The SOC 2 catalog's control by which the company monitors subservice organisations.
MONITORING_CONTROL = "VND-05"
# A provider's report is current when its period ended at most this long before the
# report's day, or (with a bridge letter covering the gap) at most a year before.
CURRENT_WITHOUT_BRIDGE_MONTHS = 3
CURRENT_WITH_BRIDGE_MONTHS = 12
HOSTING_QUESTION = "scope.hosting"
CLOUD_SEED_CRITERIA = ("CC6.4", "A1.2")


class Treatment(StrEnum):
    CARVE_OUT = "CARVE_OUT"
    INCLUSIVE = "INCLUSIVE"


@dataclass(frozen=True, slots=True)
class Subservice:
    name: str
    treatment: Treatment
    criteria: tuple[str, ...]
    report_period_start: date | None = None
    report_period_end: date | None = None
    bridge_letter: bool = False
    complementary_user_entity_controls: tuple[str, ...] = ()
    # True for the cloud provider suggested from the scoping answers, not yet confirmed.
    seeded: bool = False

    def report_current(self, day: date) -> bool:
        """Whether its SOC report can be relied on for a report on ``day``."""
        end = self.report_period_end
        if end is None:
            return False
        months = CURRENT_WITH_BRIDGE_MONTHS if self.bridge_letter else CURRENT_WITHOUT_BRIDGE_MONTHS
        return add_months(day, -months) <= end

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "treatment": self.treatment.value,
            "criteria": list(self.criteria),
            "report_period_start": _iso(self.report_period_start),
            "report_period_end": _iso(self.report_period_end),
            "bridge_letter": self.bridge_letter,
            "cuecs": list(self.complementary_user_entity_controls),
        }

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Subservice:
        return cls(
            name=document["name"],
            treatment=Treatment(document["treatment"]),
            criteria=tuple(document["criteria"]),
            report_period_start=_day(document.get("report_period_start")),
            report_period_end=_day(document.get("report_period_end")),
            bridge_letter=bool(document.get("bridge_letter")),
            complementary_user_entity_controls=tuple(document.get("cuecs") or ()),
        )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def cloud_seed(known: Collection[str]) -> Subservice:
    return Subservice(
        name="Cloud infrastructure provider",
        treatment=Treatment.CARVE_OUT,
        criteria=tuple(ref for ref in CLOUD_SEED_CRITERIA if ref in known),
        complementary_user_entity_controls=(
            "Configure the provider's identity, network and logging controls for your account.",
            "Review the provider's SOC report each year, including the controls it expects "
            "of its customers.",
        ),
        seeded=True,
    )


def effective(
    documents: Sequence[Mapping[str, Any]],
    recorded: bool,
    answers: Mapping[str, str],
    known: Collection[str],
) -> list[Subservice]:
    """The subservice organisations people recorded; until they have, the cloud provider a
    cloud-hosted company relies on."""
    if recorded:
        return [Subservice.of(d) for d in documents]
    if answers.get(HOSTING_QUESTION) in {"cloud", "hybrid"}:
        return [cloud_seed(known)]
    return []


def carve_outs(subservices: Sequence[Subservice], day: date) -> tuple[CarveOut, ...]:
    return tuple(
        CarveOut(s.name, frozenset(s.criteria), s.report_current(day), recorded=not s.seeded)
        for s in subservices
        if s.treatment is Treatment.CARVE_OUT and s.criteria
    )


def checked(
    subservices: Sequence[Subservice], known: Collection[str], today: date
) -> list[Subservice]:
    """The list as given, or ``InvalidInput`` naming every problem with its path."""
    problems: list[Problem] = []

    def problem(message: str, *path: str | int) -> None:
        problems.append(Problem(ErrorCode.INVALID, message, ("organizations", *path)))

    if len(subservices) > MAX_SUBSERVICES:
        problem(f"at most {MAX_SUBSERVICES} subservice organisations")
    names: set[str] = set()
    for index, item in enumerate(subservices[:MAX_SUBSERVICES]):
        name = item.name.strip()
        if not 1 <= len(name) <= 200:
            problem("a name of 1 to 200 characters", index, "name")
        elif name.lower() in names:
            problem("named twice", index, "name")
        names.add(name.lower())
        unknown = [ref for ref in item.criteria if ref not in known]
        if unknown:
            problem(f"unknown criteria {', '.join(r[:20] for r in unknown[:5])}", index, "criteria")
        start, end = item.report_period_start, item.report_period_end
        if start and end and start > end:
            problem("the report period ends before it starts", index, "reportPeriodEnd")
        if end and end > today:
            problem("the report period cannot end in the future", index, "reportPeriodEnd")
        if start and not end:
            problem("give the report period's end too", index, "reportPeriodEnd")
        cuecs = item.complementary_user_entity_controls
        if len(cuecs) > MAX_CUECS or any(len(c) > MAX_TEXT for c in cuecs):
            problem(
                f"at most {MAX_CUECS} complementary user-entity controls of {MAX_TEXT} characters",
                index,
                "complementaryUserEntityControls",
            )
    if problems:
        raise InvalidInput.many(problems)
    return [
        Subservice(
            name=s.name.strip(),
            treatment=Treatment(s.treatment),
            criteria=tuple(dict.fromkeys(s.criteria)),
            report_period_start=s.report_period_start,
            report_period_end=s.report_period_end,
            bridge_letter=s.bridge_letter,
            complementary_user_entity_controls=tuple(
                c.strip() for c in s.complementary_user_entity_controls if c.strip()
            ),
        )
        for s in subservices
    ]
