"""Every commitment a template draft makes comes from an answer or is a visible placeholder.

A commitment is what an auditor tests against: a deadline, a cadence, a retention period,
a threshold, a notice period. These tests render every SOC 2 family's template for several
scoping profiles, with no answers and with the answers that set each commitment, and check
that (1) every commitment that applies appears, as its wording or its placeholder, and
(2) once those and the other placeholders are taken out, no time quantity or frequency is
left: nothing is promised that no answer said.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.drafting.commitments import defined, families, resolve
from service.drafting.document import to_markdown
from service.drafting.drafters import TemplateDrafter
from service.drafting.prompt import DraftRequest
from service.settings import Settings
from service.storage.repositories import DraftRepository
from tests import factories
from tests.conftest import GraphQLClient, fake_llm, make_settings, running, user_key
from tests.fake_llm import Behaviour
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
    r"|\b(?:every|each) (?:day|week|month|quarter|year|half[- ]year|six months|other)\b"
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

    yes = dict.fromkeys(("personal_data", "confidential_data", "develops_software"), "Yes")
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
    for family in FAMILIES:
        keys = [commitment.key for commitment in defined(family)]
        assert len(keys) == len(set(keys)), f"{family}: commitment keys must be unique"
        for commitment in defined(family):
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


# -- through the API ------------------------------------------------------------------------

DRAFT = """mutation($a: ID!, $keys: [String!]) {
  draftPolicies(input: {assessmentId: $a, controlKeys: $keys}) {
    drafts { id family version body controlKeys gapControlKeys criteria generator fallbackReason
      commitments { key what text source questionKey answer } }
    errors { code field message } } }"""
LEAVERS_A_WEEK = {
    "scope.hosting": "cloud",
    "scope.offices": "no",
    "iam.leaver_sla": "within_week",
    "iam.mfa": "yes",
    "iam.ev_access_reviews": "yes",
    "iam.access_reviews": "1",
}


async def _soc2_assessment(client: GraphQLClient, answers: dict[str, str]) -> str:
    org = await factories.organization(client, "Acme Cloud")
    return await factories.answered_assessment(client, org, answers, framework_key="soc2")


def _access(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["errors"] == [], payload
    return next(d for d in payload["drafts"] if d["family"] == "access-control")


async def test_a_draft_for_one_gap_is_the_whole_family_with_the_answered_deadline(
    alice: GraphQLClient,
) -> None:
    assessment = await _soc2_assessment(alice, LEAVERS_A_WEEK)
    drafted = await alice(DRAFT, {"a": assessment, "keys": ["IAM-07"]})
    access = _access(drafted["data"]["draftPolicies"])
    assert access["gapControlKeys"] == ["IAM-07"]
    # The family's baseline: MFA and leavers are in the policy although only the access
    # review gap was asked for.
    assert {"IAM-02", "IAM-06", "IAM-07"} <= set(access["controlKeys"])
    body = " ".join(access["body"].split())
    assert "Multi-factor authentication is required" in body
    assert "(IAM-07)" in body
    # The deadline the company answered, not a promise it never made.
    assert "revoked within a week of their last working day" in body
    assert "24 hours" not in body
    commitments = {c["key"]: c for c in access["commitments"]}
    assert commitments["leaver_revocation"] == {
        "key": "leaver_revocation",
        "what": "how soon a leaver loses all access after their last working day",
        "text": "within a week of their last working day",
        "source": "ANSWER",
        "questionKey": "iam.leaver_sla",
        "answer": "Within a week",
    }
    assert commitments["access_review_cadence"]["text"] == "every quarter"
    unset = [c for c in access["commitments"] if c["source"] == "TO_CONFIRM"]
    assert unset and all(c["text"].startswith("[TO CONFIRM: ") for c in unset)
    for commitment in access["commitments"]:
        assert commitment["text"] in body


async def test_a_changed_answer_redrafts_the_family_with_the_new_wording(
    alice: GraphQLClient,
) -> None:
    assessment = await _soc2_assessment(alice, LEAVERS_A_WEEK)
    first = _access((await alice(DRAFT, {"a": assessment}))["data"]["draftPolicies"])
    saved = await factories.answers(
        alice, assessment, {"iam.leaver_sla": "no_sla"}, expected_version=2
    )
    assert saved["version"] == 3
    second = _access((await alice(DRAFT, {"a": assessment}))["data"]["draftPolicies"])
    assert (second["id"], second["version"]) == (first["id"], 2)
    body = " ".join(second["body"].split())
    assert "revoked [TO CONFIRM: how soon a leaver loses all access" in body
    leaver = next(c for c in second["commitments"] if c["key"] == "leaver_revocation")
    assert (leaver["source"], leaver["answer"]) == ("TO_CONFIRM", "No defined timeframe")


async def test_two_first_drafts_at_once_make_one_draft_per_family(
    alice: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment = await _soc2_assessment(alice, LEAVERS_A_WEEK)
    # All three calls read "no draft yet" before any of them writes one.
    barrier = asyncio.Barrier(3)
    read = DraftRepository.for_assessment

    async def in_step(self: DraftRepository, *args: Any, **kwargs: Any) -> Any:
        found = await read(self, *args, **kwargs)
        await barrier.wait()
        return found

    monkeypatch.setattr(DraftRepository, "for_assessment", in_step)
    calls = await asyncio.gather(*(alice(DRAFT, {"a": assessment}) for _ in range(3)))
    monkeypatch.undo()
    ids = [sorted(d["id"] for d in c["data"]["draftPolicies"]["drafts"]) for c in calls]
    assert ids[0] == ids[1] == ids[2]
    listed = await alice(
        "query($a: ID!) { assessment(id: $a) { policyDrafts { id family } } }", {"a": assessment}
    )
    families = [d["family"] for d in listed["data"]["assessment"]["policyDrafts"]]
    assert sorted(families) == sorted(set(families))
    assert len(families) == len(ids[0])


@pytest.fixture
def llm_settings(mongo_uri: str, db_name: str, llm_url: str) -> Settings:
    return make_settings(
        mongo_uri,
        db_name,
        Settings().frameworks_dir,
        **fake_llm(llm_url),
        openai_timeout_seconds=5.0,
        openai_retries=0,
        openai_backoff_seconds=0.01,
        draft_daily_token_budget=1_000_000,
    )


async def test_the_llm_is_given_the_answers_that_set_each_commitment(
    llm_settings: Settings, behaviour: Behaviour
) -> None:
    async with running(llm_settings) as http:
        client = GraphQLClient(http, await user_key("user:alice"))
        assessment = await _soc2_assessment(client, LEAVERS_A_WEEK)
        access = _access(
            (await client(DRAFT, {"a": assessment, "keys": ["IAM-07"]}))["data"]["draftPolicies"]
        )
        assert (access["generator"], access["fallbackReason"]) == ("LLM", None)
        sent = behaviour.requests[-1]["body"]
        data = json.loads(sent["messages"][1]["content"].split("<data>", 1)[1].split("</data>")[0])
        assert data["gaps"] == ["IAM-07"]
        assert "IAM-02" in [c["key"] for c in data["controls"]]
        leaver = next(c for c in data["commitments"] if c["key"] == "leaver_revocation")
        assert leaver["question"] == "iam.leaver_sla"
        assert leaver["answer"] == "Within a week"
        assert leaver["text"] == "within a week of their last working day"
        assert "placeholder" in sent["messages"][0]["content"]
        # A draft that drops a placeholder it was given is retried, then replaced by templates.
        behaviour.script = ["unconfirmed", "unconfirmed"]
        saved = await factories.answers(
            client, assessment, {"iam.leaver_sla": "no_sla"}, expected_version=2
        )
        assert saved["version"] == 3
        redrafted = _access(
            (await client(DRAFT, {"a": assessment, "keys": ["IAM-07"]}))["data"]["draftPolicies"]
        )
        assert redrafted["generator"] == "TEMPLATE"
        assert "left out the placeholders of the commitments" in redrafted["fallbackReason"]
        assert "leaver_revocation" in redrafted["fallbackReason"]
        assert "[TO CONFIRM: how soon a leaver loses all access" in redrafted["body"]
