"""Answering a whole questionnaire through the API with a chosen profile."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from tests import factories
from tests.conftest import GraphQLClient

QUESTIONS = """
query($id: ID!) { assessment(id: $id) { version questionnaire { sections { questions {
  key kind role allowNotApplicable options { value score } controls { key } } } } } }
"""
# Scoping answers that put every category in scope.
FULL_SCOPE = {
    "scope.hosting": "cloud",
    "scope.personal_data": "yes",
    "scope.transaction_processing": "yes",
    "scope.subservice": "yes",
    "scope.confidential_data": "yes",
    "scope.availability_commitments": "yes",
    "scope.offices": "yes",
    "scope.endpoints": "managed",
    "scope.develops_software": "yes",
}

# The scope those answers suggest, chosen explicitly (suggestions are never applied).
ALL_CATEGORIES = ["SECURITY", "AVAILABILITY", "PROCESSING_INTEGRITY", "CONFIDENTIALITY", "PRIVACY"]

Chooser = Callable[[dict[str, Any]], str | None]


def ranked(question: dict[str, Any]) -> list[str]:
    """Option values from best to worst."""
    options = [o for o in question["options"] if o["score"] is not None]
    return [o["value"] for o in sorted(options, key=lambda o: -o["score"])]


def best(months: int = 12) -> Chooser:
    def choose(question: dict[str, Any]) -> str | None:
        if question["kind"] == "MONTHS":
            return str(months)
        if question["kind"] == "MULTI_CHOICE":
            return ",".join(o["value"] for o in question["options"] if (o["score"] or 0) > 0)
        return ranked(question)[0]

    return choose


def worst(question: dict[str, Any]) -> str | None:
    if question["kind"] == "MONTHS":
        return "0"
    return ranked(question)[-1]


def mixed(question: dict[str, Any]) -> str | None:
    """A realistic, deterministic mix: mostly good, some partial, a few missing or unknown."""
    roll = hashlib.sha256(question["key"].encode()).digest()[0] / 255
    if roll < 0.06:
        return None
    if question["kind"] == "MONTHS":
        return "4" if roll < 0.7 else "9"
    options = ranked(question)
    if roll < 0.18:
        return options[-1]
    if roll < 0.35:
        return options[len(options) // 2]
    return options[0]


async def questions(client: GraphQLClient, assessment_id: str) -> list[dict[str, Any]]:
    data = (await client(QUESTIONS, {"id": assessment_id}))["data"]["assessment"]
    return [q for s in data["questionnaire"]["sections"] for q in s["questions"]]


async def answer(
    client: GraphQLClient,
    assessment_id: str,
    chooser: Chooser,
    scoping: dict[str, str] | None = None,
    skip: Callable[[dict[str, Any]], bool] = lambda _q: False,
) -> int:
    """Answer every question (scoping from ``scoping``); returns the new version."""
    scoping = FULL_SCOPE if scoping is None else scoping
    version = (await client(QUESTIONS, {"id": assessment_id}))["data"]["assessment"]["version"]
    answers = []
    for question in await questions(client, assessment_id):
        if question["role"] == "SCOPING":
            value = scoping.get(question["key"])
        elif skip(question):
            value = None
        else:
            value = chooser(question)
        if value is not None:
            answers.append({"questionKey": question["key"], "value": value})
    saved = await factories.answers(client, assessment_id, answers, expected_version=version)
    return int(saved["version"])


CURRENT_PROVIDER = """mutation($input: SetSubserviceOrganizationsInput!) {
  setSubserviceOrganizations(input: $input) { assessment { version } errors { code message } } }"""


async def current_cloud_report(client: GraphQLClient, assessment_id: str, ended: str) -> int:
    """Records the cloud provider (carve-out, CC6.4 and A1.2) with a SOC report whose period
    ended on ``ended``, as a company that has its provider's current report does; returns
    the new version."""
    version = (await client(QUESTIONS, {"id": assessment_id}))["data"]["assessment"]["version"]
    variables = {
        "input": {
            "assessmentId": assessment_id,
            "expectedVersion": version,
            "organizations": [
                {
                    "name": "Cloud provider",
                    "treatment": "CARVE_OUT",
                    "criteria": ["CC6.4", "A1.2"],
                    "reportPeriodEnd": ended,
                }
            ],
        }
    }
    payload = (await client(CURRENT_PROVIDER, variables))["data"]["setSubserviceOrganizations"]
    assert payload["errors"] == [], payload
    return int(payload["assessment"]["version"])
