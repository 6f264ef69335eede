"""Every commitment a template draft makes comes from an answer or is a visible placeholder.

A commitment is what an auditor tests against: a deadline, a cadence, a retention period,
a threshold, a notice period. These tests render every SOC 2 family's template for several
scoping profiles, with no answers and with the answers that set each commitment, and check
that (1) every commitment that applies appears, as its wording or its placeholder, and
(2) once those and the other placeholders are taken out, no time quantity or frequency is
left: nothing is promised that no answer said.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.drafting.commitments import COMMON, defined, families, resolve
from service.drafting.document import to_markdown
from service.drafting.drafters import TemplateDrafter
from service.drafting.prompt import DraftRequest
from tests.test_drafting import soc2_request

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = yaml.safe_load((ROOT / "frameworks" / "soc2" / "questionnaire.yaml").read_text())
QUESTIONS: dict[str, dict[str, Any]] = {
    q["key"]: q for section in QUESTIONNAIRE["sections"] for q in section["questions"]
}
LIBRARY = yaml.safe_load((ROOT / "frameworks" / "soc2" / "controls.yaml").read_text())
FAMILIES = [f["key"] for f in LIBRARY["policy_families"]]
# The options of the kinds whose options the questionnaire does not list.
STANDARD = {
    "YES_NO": ["yes", "no"],
    "YES_PARTIAL_NO": ["yes", "partial", "no"],
    "MATURITY": ["0", "1", "2", "3", "4", "5"],
}

_NUMBER = (
    r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|sixty|ninety"
)
_UNIT = r"minutes?|hours?|days?|working days|business days|weeks?|months?|quarters?|years?"
QUANTITY = re.compile(
    rf"\b(?:{_NUMBER})[ -](?:{_UNIT}|characters|attempts)\b"
    r"|\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|quarterly|annually|annual|yearly"
    r"|semi-annual(?:ly)?|six-monthly|biannual(?:ly)?)\b"
    r"|\bevery (?:day|week|month|quarter|year|half[- ]year|six months|other)\b"
    r"|\b(?:once|twice) a (?:day|week|month|quarter|year)\b"
    r"|\bat least (?:once|yearly|annually)\b"
    r"|\b(?:within|after|for|per) an? (?:hour|day|week|month|quarter|year)\b",
    re.I,
)
PLACEHOLDER = re.compile(r"\[TO CONFIRM:[^\]]*\]")


def _label(question: str, value: str) -> str:
    return next(
        (o["label"] for o in QUESTIONS[question].get("options", []) if o["value"] == value), value
    )


def _profiles() -> list[dict[str, str]]:
    def label(key: str, value: str) -> str:
        return _label(f"scope.{key}", value)

    yes = {key: "Yes" for key in ("personal_data", "confidential_data", "develops_software")}
    yes |= {"availability_commitments": "Yes", "transaction_processing": "Yes"}
    return [
        {},
        {
            "hosting": label("hosting", "cloud"),
            "offices": "No",
            "endpoints": label("endpoints", "managed"),
            "subservice": "Yes",
            **yes,
        },
        {
            "hosting": label("hosting", "on_prem"),
            "offices": "Yes",
            "endpoints": label("endpoints", "byod"),
            "subservice": "No",
        },
        {
            "hosting": label("hosting", "hybrid"),
            "offices": "Yes",
            "endpoints": label("endpoints", "mixed"),
            **yes,
        },
    ]


def _setting_answers(family: str) -> dict[str, str]:
    """For each commitment of ``family`` an answer that sets it (its first listed)."""
    return {c.question: next(iter(c.answers)) for c in defined(family) if c.question and c.answers}


def _request(family: str, profile: dict[str, str], answers: dict[str, str]) -> DraftRequest:
    base = soc2_request(family, profile)
    labels = {(q, v): _label(q, v) for q, v in answers.items()}
    return DraftRequest(
        **{
            **base.__dict__,
            "gaps": [c.key for c in base.controls],
            "commitments": resolve(family, answers, labels, profile),
        }
    )


def test_every_commitment_names_a_real_question_and_its_answers() -> None:
    scoping = {key.split(".", 1)[1] for key in QUESTIONS if key.startswith("scope.")}
    assert set(families()) <= set(FAMILIES)
    keys: list[str] = []
    for family in [COMMON, *FAMILIES]:
        for commitment in defined(family)[len(defined(COMMON)) if family != COMMON else 0 :]:
            keys.append(commitment.key)
            if commitment.question is not None:
                question = QUESTIONS[commitment.question]
                options = [o["value"] for o in question.get("options", [])] or STANDARD.get(
                    question["kind"], []
                )
                assert set(commitment.answers) <= set(options), commitment.key
            else:
                assert not commitment.answers, commitment.key
            for fact, labels in commitment.when.items():
                assert fact in scoping, commitment.key
                known = {o["label"] for o in QUESTIONS[f"scope.{fact}"].get("options", [])}
                assert {label for label in labels if label is not None} <= (
                    known or {"Yes", "No"}
                ), commitment.key
            assert "[" not in commitment.what and "]" not in commitment.what
    assert len(keys) == len(set(keys)), "commitment keys must be unique"


@pytest.mark.parametrize("family", FAMILIES)
async def test_a_template_promises_only_what_an_answer_set(family: str) -> None:
    drafter = TemplateDrafter()
    for profile in _profiles():
        for answers in ({}, _setting_answers(family)):
            request = _request(family, profile, answers)
            body = to_markdown((await drafter.draft(request)).document)
            flat = " ".join(body.split())
            for commitment in request.commitments:
                assert commitment.wording in flat, (family, profile, commitment.key)
            rest = flat
            for commitment in request.commitments:
                rest = rest.replace(commitment.wording, " ")
            rest = PLACEHOLDER.sub(" ", rest)
            found = [m.group(0) for m in QUANTITY.finditer(rest)]
            assert not found, (family, profile, found)


async def test_an_answer_sets_the_words_and_no_answer_leaves_a_placeholder() -> None:
    drafter = TemplateDrafter()
    week = _request("access-control", {}, {"iam.leaver_sla": "within_week"})
    body = " ".join(to_markdown((await drafter.draft(week)).document).split())
    assert "all their access is revoked within a week of their last working day" in body
    assert "24 hours" not in body
    unanswered = _request("access-control", {}, {"iam.leaver_sla": "no_sla"})
    body = " ".join(to_markdown((await drafter.draft(unanswered)).document).split())
    assert (
        "all their access is revoked [TO CONFIRM: how soon a leaver loses all access after "
        "their last working day, e.g. within 24 hours]" in body
    )
    leaver = next(c for c in unanswered.commitments if c.key == "leaver_revocation")
    assert leaver.text is None and leaver.answer == "No defined timeframe"
