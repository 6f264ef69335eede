"""Set-up through the API: organisations, members, API keys, assessments and their answers.

Each factory sends the same GraphQL mutation a client would, as the principal of
the ``GraphQLClient`` it is given, and fails the test at once if the mutation
reports errors, so a broken set-up never reads as a broken assertion later. Tests
of a mutation's own payload keep their inline mutation; these are for set-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.conftest import GraphQLClient

CREATE_ORGANIZATION = """mutation($name: String!) {
  createOrganization(input: {name: $name}) { organization { id } errors { code field message } } }"""
ADD_MEMBER = """mutation($org: ID!, $subject: String!, $role: Role!) {
  addMember(input: {organizationId: $org, subject: $subject, role: $role}) {
    member { subject role } errors { code field message } } }"""
CREATE_API_KEY = """mutation($org: ID!, $name: String!, $role: Role) {
  createApiKey(input: {organizationId: $org, name: $name, role: $role}) {
    apiKey { id name role prefix } secret errors { code field message } } }"""
CREATE_ASSESSMENT = """mutation($input: CreateAssessmentInput!) {
  createAssessment(input: $input) { assessment { %s } errors { code field message } } }"""
SAVE_ANSWERS = """mutation($input: SaveAnswersInput!) {
  saveAnswers(input: $input) { assessment { %s } errors { code field message } } }"""


def _payload(body: dict[str, Any], mutation: str) -> dict[str, Any]:
    payload: dict[str, Any] = body["data"][mutation]
    assert payload["errors"] == [], payload
    return payload


async def organization(client: GraphQLClient, name: str = "Acme") -> str:
    """A new organisation owned by the client's principal; returns its id."""
    body = await client(CREATE_ORGANIZATION, {"name": name})
    return str(_payload(body, "createOrganization")["organization"]["id"])


async def member(
    client: GraphQLClient, organization_id: str, subject: str, role: str = "CONTRIBUTOR"
) -> dict[str, Any]:
    """Adds ``subject`` (e.g. ``user:bob``) with ``role``; returns the member."""
    body = await client(ADD_MEMBER, {"org": organization_id, "subject": subject, "role": role})
    return dict(_payload(body, "addMember")["member"])


async def api_key(
    client: GraphQLClient, organization_id: str, name: str = "ci", role: str | None = None
) -> dict[str, Any]:
    """A new API key: ``{"apiKey": {id, name, role, prefix}, "secret": ...}``."""
    variables = {"org": organization_id, "name": name, "role": role}
    payload = _payload(await client(CREATE_API_KEY, variables), "createApiKey")
    return {"apiKey": payload["apiKey"], "secret": payload["secret"]}


async def assessment(
    client: GraphQLClient,
    organization_id: str,
    *,
    name: str = "a",
    framework_key: str = "mini",
    audit_type: str = "TYPE_2",
    scope: Iterable[str] = (),
    select: str = "id version",
    **extra: Any,
) -> dict[str, Any]:
    """A new assessment; returns the fields named in ``select`` (a GraphQL selection).

    ``extra`` adds input fields under their GraphQL names (``observationWindowMonths``).
    """
    variables = {
        "organizationId": organization_id,
        "name": name,
        "frameworkKey": framework_key,
        "scope": list(scope),
        "auditType": audit_type,
        **extra,
    }
    body = await client(CREATE_ASSESSMENT % select, {"input": variables})
    return dict(_payload(body, "createAssessment")["assessment"])


async def answers(
    client: GraphQLClient,
    assessment_id: str,
    given: Iterable[Mapping[str, Any]] | Mapping[str, str],
    *,
    expected_version: int = 1,
    select: str = "id version",
) -> dict[str, Any]:
    """Saves answers, given as AnswerInput dicts or as ``{question key: value}``;
    returns the assessment's fields named in ``select`` after the save."""
    if isinstance(given, Mapping):
        listed = [{"questionKey": key, "value": value} for key, value in given.items()]
    else:
        listed = [dict(answer) for answer in given]
    variables = {
        "assessmentId": assessment_id,
        "expectedVersion": expected_version,
        "answers": listed,
    }
    body = await client(SAVE_ANSWERS % select, {"input": variables})
    return dict(_payload(body, "saveAnswers")["assessment"])


async def answered_assessment(
    client: GraphQLClient,
    organization_id: str,
    given: Iterable[Mapping[str, Any]] | Mapping[str, str],
    **fields: Any,
) -> str:
    """An assessment with ``given`` saved as its first answers; returns its id."""
    created = await assessment(client, organization_id, **fields)
    await answers(client, created["id"], given, expected_version=created["version"])
    return str(created["id"])
