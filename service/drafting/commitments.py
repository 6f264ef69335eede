"""The commitments a policy makes that an auditor will test, and where each one comes from.

A commitment is a deadline, a cadence, a retention period, a threshold or a
notice period: "leavers lose access within 24 hours", "access is reviewed
every quarter", "vendors report a breach within 72 hours". An auditor samples
against exactly these words, so a policy must not promise what the company
never said it does. Each policy family lists its commitments in
``commitments/<family>.yaml`` (``_common.yaml`` holds those every policy
makes). A commitment names the question whose answer sets it and the wording
each answer gives; any other answer (none, "no", "partly", "no defined
timeframe") leaves it as a visible ``[TO CONFIRM: …]`` placeholder with a
suggested value, for the company to decide before adopting the policy.

Templates write ``{{ commit("key") }}`` wherever a commitment goes; the LLM
drafter gets the same resolved list in its data and must use it (and is
checked for the placeholders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

COMMITMENTS = Path(__file__).parent / "commitments"
COMMON = "_common"


class Commitment(BaseModel):
    """One commitment as a family's file defines it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    what: str = Field(min_length=1, max_length=200, description="What the company must decide.")
    example: str = Field(min_length=1, max_length=120, description="A usual value to suggest.")
    question: str | None = Field(default=None, description="The question whose answer sets it.")
    answers: dict[str, str] = Field(
        default_factory=dict, description="Answer value → the wording that answer commits to."
    )
    when: dict[str, list[str | None]] = Field(
        default_factory=dict,
        description="Scoping facts (short key → labels, null for unanswered) the commitment "
        "needs: a policy for a company without offices promises nothing about badges.",
    )

    def applies(self, profile: Mapping[str, str]) -> bool:
        return all(profile.get(fact) in labels for fact, labels in self.when.items())

    def placeholder(self) -> str:
        return f"[TO CONFIRM: {self.what}, e.g. {self.example}]"


@dataclass(frozen=True)
class CommitmentFacts:
    """A commitment resolved for one organisation: its wording, or ``None`` to confirm."""

    key: str
    what: str
    text: str | None
    placeholder: str
    question: str | None
    answer: str | None  # the label of the answer that set it (or was given without setting it)

    @property
    def wording(self) -> str:
        return self.text if self.text is not None else self.placeholder


@cache
def defined(family: str) -> tuple[Commitment, ...]:
    """The commitments a policy of ``family`` makes: the common ones, then its own."""
    found: list[Commitment] = []
    for name in dict.fromkeys((COMMON, family)):
        path = COMMITMENTS / f"{name}.yaml"
        if path.exists():
            found += [Commitment.model_validate(item) for item in yaml.safe_load(path.read_text())]
    return tuple(found)


def families() -> list[str]:
    """Every family with a commitments file of its own."""
    return sorted(p.stem for p in COMMITMENTS.glob("*.yaml") if p.stem != COMMON)


def resolve(
    family: str,
    answers: Mapping[str, str],
    labels: Mapping[tuple[str, str], str],
    profile: Mapping[str, str],
) -> list[CommitmentFacts]:
    """The commitments of ``family`` for an organisation whose answers are ``answers``
    (question key → value) and scoping facts ``profile``; ``labels`` gives the label of a
    (question, value)."""
    resolved = []
    for commitment in defined(family):
        if not commitment.applies(profile):
            continue
        value = answers.get(commitment.question) if commitment.question else None
        resolved.append(
            CommitmentFacts(
                key=commitment.key,
                what=commitment.what,
                text=commitment.answers.get(value) if value is not None else None,
                placeholder=commitment.placeholder(),
                question=commitment.question,
                answer=labels.get((commitment.question, value), value)
                if commitment.question and value is not None
                else None,
            )
        )
    return resolved
