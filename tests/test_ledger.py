"""The evidence ledger's recording side through GraphQL and the CLI, on the SOC 2 catalog:
recordOccurrences, importOccurrences, Organization.occurrences and the sampling profile."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from service.api.ids import decode_id, encode_cursor
from service.scoring.operation import MAX_SAMPLE_SIZE
from service.storage.documents import ControlOccurrence
from tests import factories
from tests.conftest import GraphQLClient, user_key

RECORD = """mutation($input: RecordOccurrencesInput!) {
  recordOccurrences(input: $input) { recorded duplicates errors { code field message } } }"""
IMPORT = """mutation($input: ImportOccurrencesInput!) {
  importOccurrences(input: $input) { recorded duplicates errors { code field message } } }"""
SET_PROFILE = """mutation($input: SetSamplingProfileInput!) {
  setSamplingProfile(input: $input) {
    samplingProfile { frequency sampleSize } errors { code field message } } }"""
PROFILE = "query($id: ID!) { organization(id: $id) { samplingProfile { frequency sampleSize } } }"
FIELDS = "id controlKey performedOn result evidenceRef note externalId recordedBy recordedAt"
OCCURRENCES = (
    "query($id: ID!, $controlKey: String, $from: Date, $to: Date, $first: Int, $after: String) {"
    " organization(id: $id) { occurrences(controlKey: $controlKey, from: $from, to: $to,"
    " first: $first, after: $after) {"
    " edges { cursor node { " + FIELDS + " } } pageInfo { hasNextPage endCursor } } } }"
)
NODE = (
    "query($id: ID!) { node(id: $id) { __typename ... on ControlOccurrence { " + FIELDS + " } } }"
)

# SOC 2 controls of different frequencies (frameworks/soc2/controls.yaml).
QUARTERLY = "LOG-08"
ANNUAL = "GOV-02"
EVENT_DRIVEN = "HR-01"
DEFAULT_PROFILE = {
    "ANNUAL": 1,
    "SEMI_ANNUAL": 1,
    "QUARTERLY": 2,
    "MONTHLY": 2,
    "WEEKLY": 5,
    "DAILY": 25,
    "EVENT_DRIVEN": 25,
    "CONTINUOUS": 25,
}


def today() -> date:
    return datetime.now(UTC).date()


def row(control: str = QUARTERLY, day: str = "2024-01-15", **fields: Any) -> dict[str, Any]:
    return {"controlKey": control, "performedOn": day, **fields}


async def record(client: GraphQLClient, org: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    body = await client(RECORD, {"input": {"organizationId": org, "occurrences": rows}})
    return dict(body["data"]["recordOccurrences"])


async def import_csv(client: GraphQLClient, org: str, csv: str) -> dict[str, Any]:
    body = await client(IMPORT, {"input": {"organizationId": org, "csv": csv}})
    return dict(body["data"]["importOccurrences"])


async def page(client: GraphQLClient, org: str, **arguments: Any) -> dict[str, Any]:
    body = await client(OCCURRENCES, {"id": org, **arguments})
    return dict(body["data"]["organization"]["occurrences"])


async def occurrences(client: GraphQLClient, org: str, **arguments: Any) -> list[dict[str, Any]]:
    """Every occurrence the connection lists (with those arguments), page by page."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        listed = await page(client, org, first=100, after=after, **arguments)
        found.extend(edge["node"] for edge in listed["edges"])
        if not listed["pageInfo"]["hasNextPage"]:
            return found
        after = listed["pageInfo"]["endCursor"]


async def set_profile(client: GraphQLClient, org: str, sizes: dict[str, int]) -> dict[str, Any]:
    listed = [{"frequency": f, "sampleSize": s} for f, s in sizes.items()]
    body = await client(SET_PROFILE, {"input": {"organizationId": org, "sizes": listed}})
    return dict(body["data"]["setSamplingProfile"])


async def profile(client: GraphQLClient, org: str) -> dict[str, int]:
    body = await client(PROFILE, {"id": org})
    return as_dict(body["data"]["organization"]["samplingProfile"])


def as_dict(listed: list[dict[str, Any]]) -> dict[str, int]:
    return {s["frequency"]: s["sampleSize"] for s in listed}


def refusal(payload: dict[str, Any]) -> list[str]:
    """The codes of a payload refused for its organisation (each naming organizationId)."""
    assert all(e["field"][-1] == "organizationId" for e in payload["errors"]), payload
    return [e["code"] for e in payload["errors"]]


# recordOccurrences: the happy path -------------------------------------------------------


async def test_recorded_occurrences_read_back_with_every_field_and_as_nodes(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    before = datetime.now(UTC) - timedelta(seconds=5)
    done = await record(
        alice,
        org,
        [
            row(
                QUARTERLY,
                "2024-03-31",
                result="EXCEPTION",
                evidenceRef="https://tickets.example/SEC-1",
                note="reviewed late\nsecond line kept",
                externalId="SEC-1",
            ),
            row(ANNUAL, "2024-02-01"),
        ],
    )
    assert done == {"recorded": 2, "duplicates": 0, "errors": []}

    listed = await occurrences(alice, org)
    assert [(o["controlKey"], o["performedOn"]) for o in listed] == [
        (QUARTERLY, "2024-03-31"),
        (ANNUAL, "2024-02-01"),
    ]
    first, second = listed
    assert first["result"] == "EXCEPTION"
    assert first["evidenceRef"] == "https://tickets.example/SEC-1"
    assert first["note"] == "reviewed late\nsecond line kept"
    assert first["externalId"] == "SEC-1"
    assert first["recordedBy"] == "user:alice"
    recorded_at = datetime.fromisoformat(first["recordedAt"])
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=UTC)
    assert before <= recorded_at <= datetime.now(UTC) + timedelta(seconds=5)
    # Omitted fields: PASS by default, the optional strings null.
    assert second["result"] == "PASS"
    assert (second["evidenceRef"], second["note"], second["externalId"]) == (None, None, None)
    assert second["recordedBy"] == "user:alice"
    assert first["id"] != second["id"]

    for occurrence in listed:
        node = (await alice(NODE, {"id": occurrence["id"]}))["data"]["node"]
        assert node == {"__typename": "ControlOccurrence", **occurrence}

    # Strings are stripped, blank ones stored as null; the stripped externalId is the key.
    padded = row(
        f"  {EVENT_DRIVEN} ", "2024-01-01", evidenceRef="  ref ", note="  ", externalId=" T-1 "
    )
    assert (await record(alice, org, [padded]))["recorded"] == 1
    [stored] = await occurrences(alice, org, controlKey=EVENT_DRIVEN)
    assert (stored["evidenceRef"], stored["note"], stored["externalId"]) == ("ref", None, "T-1")
    again = await record(alice, org, [row(externalId="T-1")])
    assert (again["recorded"], again["duplicates"]) == (0, 1)


# Deduplication by externalId -----------------------------------------------------------


async def test_sending_a_batch_again_records_nothing_and_changes_nothing(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    batch = [row(QUARTERLY, f"2024-0{m}-10", externalId=f"CHG-{m}") for m in range(1, 5)]
    assert (await record(alice, org, batch))["recorded"] == 4
    stored = await occurrences(alice, org)

    again = await record(alice, org, batch)
    assert again == {"recorded": 0, "duplicates": 4, "errors": []}
    # Sent again with other content, an externalId on file still changes nothing.
    changed = [dict(r, result="EXCEPTION", note="edited") for r in batch]
    assert (await record(alice, org, changed))["duplicates"] == 4
    assert await occurrences(alice, org) == stored

    # A batch mixing new and known ids records only the new ones.
    mixed = await record(alice, org, [*batch[:2], row(ANNUAL, externalId="CHG-9")])
    assert (mixed["recorded"], mixed["duplicates"]) == (1, 2)
    assert len(await occurrences(alice, org)) == 5

    # An externalId is the organisation's own: another organisation records it afresh.
    other = await factories.organization(alice, "Other")
    assert (await record(alice, other, batch[:1]))["recorded"] == 1
    [theirs] = await occurrences(alice, other)
    assert theirs["id"] not in {o["id"] for o in stored}


async def test_duplicates_in_one_batch_count_and_rows_without_external_id_never_do(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    done = await record(
        alice,
        org,
        [
            row(QUARTERLY, "2024-01-01", externalId="A", note="first"),
            row(QUARTERLY, "2024-02-01", externalId="A", note="second"),
            row(ANNUAL, "2024-03-01", externalId="B"),
            row(ANNUAL, "2024-03-01", externalId="A"),
        ],
    )
    assert (done["recorded"], done["duplicates"]) == (2, 2)
    stored = await occurrences(alice, org)
    assert sorted(o["externalId"] for o in stored) == ["A", "B"]
    # The first row carrying the id is the one kept.
    assert next(o for o in stored if o["externalId"] == "A")["note"] == "first"

    # Without an externalId nothing is ever a duplicate, in a batch or across batches.
    same = row(QUARTERLY, "2024-05-05", evidenceRef="same", note="same")
    assert (await record(alice, org, [same, same]))["recorded"] == 2
    again = await record(alice, org, [same, same, same])
    assert (again["recorded"], again["duplicates"]) == (3, 0)
    assert len(await occurrences(alice, org)) == 7


# All or nothing ------------------------------------------------------------------------


async def test_a_batch_with_bad_rows_records_nothing_and_lists_every_problem(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    tomorrow = (today() + timedelta(days=2)).isoformat()
    batch = [
        row(QUARTERLY, "2024-01-01", externalId="GOOD-0"),
        row("NOPE-99"),
        row(ANNUAL, "1999-12-31"),
        row(ANNUAL, tomorrow),
        row(ANNUAL, evidenceRef="e" * 2_001),
        row(ANNUAL, note="n" * 4_001),
        row(ANNUAL, externalId="x" * 201),
        row(
            QUARTERLY, "2000-01-01", evidenceRef="e" * 2_000, note="n" * 4_000, externalId="x" * 200
        ),
        row("", "2024-01-01"),
        row(ANNUAL, evidenceRef="line\nbreak"),
        # One row with several problems lists each of them.
        row("ALSO-BAD", "1990-01-01", note="n" * 4_001),
    ]
    done = await record(alice, org, batch)
    assert (done["recorded"], done["duplicates"]) == (0, 0)
    problems = [(e["code"], e["field"]) for e in done["errors"]]
    assert problems == [
        ("INVALID", ["occurrences", "1", "controlKey"]),
        ("INVALID", ["occurrences", "2", "performedOn"]),
        ("INVALID", ["occurrences", "3", "performedOn"]),
        ("INVALID", ["occurrences", "4", "evidenceRef"]),
        ("INVALID", ["occurrences", "5", "note"]),
        ("INVALID", ["occurrences", "6", "externalId"]),
        ("INVALID", ["occurrences", "8", "controlKey"]),
        ("INVALID", ["occurrences", "9", "evidenceRef"]),
        ("INVALID", ["occurrences", "10", "controlKey"]),
        ("INVALID", ["occurrences", "10", "performedOn"]),
        ("INVALID", ["occurrences", "10", "note"]),
    ]
    messages = {tuple(e["field"]): e["message"] for e in done["errors"]}
    assert "NOPE-99" in messages[("occurrences", "1", "controlKey")]
    assert "2000-01-01" in messages[("occurrences", "2", "performedOn")]
    assert "future" in messages[("occurrences", "3", "performedOn")]
    assert await occurrences(alice, org) == []

    # The good rows alone (row 7 sits exactly on every limit) are recorded.
    fixed = await record(alice, org, [batch[0], batch[7], row(ANNUAL, today().isoformat())])
    assert fixed == {"recorded": 3, "duplicates": 0, "errors": []}

    empty = await record(alice, org, [])
    assert [(e["code"], e["field"]) for e in empty["errors"]] == [("INVALID", ["occurrences"])]
    assert len(await occurrences(alice, org)) == 3


async def test_over_5000_rows_are_refused_whole_and_5000_are_recorded(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    tiny = {"controlKey": ANNUAL, "performedOn": "2024-06-01"}
    refused = await record(alice, org, [tiny] * 5_001)
    assert (refused["recorded"], refused["duplicates"]) == (0, 0)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("LIMIT_EXCEEDED", ["occurrences"])
    ]
    assert (await page(alice, org, first=1))["edges"] == []

    accepted = await record(alice, org, [tiny] * 5_000)
    assert accepted == {"recorded": 5_000, "duplicates": 0, "errors": []}
    # Counted in the database: paging 5,000 rows of one day through the API is slow here.
    owner = decode_id("Organization", org)
    assert await ControlOccurrence.find(ControlOccurrence.organization_id == owner).count() == 5_000
    listed = await page(alice, org, first=100)
    assert len(listed["edges"]) == 100 and listed["pageInfo"]["hasNextPage"]


# Roles ---------------------------------------------------------------------------------


async def test_owners_assessors_and_contributors_record(
    alice: GraphQLClient, bob: GraphQLClient, client: httpx.AsyncClient
) -> None:
    org = await factories.organization(alice)
    await factories.member(alice, org, "user:bob", "ASSESSOR")
    await factories.member(alice, org, "user:carol", "CONTRIBUTOR")
    carol = GraphQLClient(client, await user_key("user:carol"))
    for who, subject in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        done = await record(who, org, [row(externalId=f"R-{subject}")])
        assert done == {"recorded": 1, "duplicates": 0, "errors": []}, subject
        csv = f"controlKey,performedOn,externalId\n{ANNUAL},2024-02-02,C-{subject}\n"
        assert (await import_csv(who, org, csv))["recorded"] == 1, subject
    by = {o["externalId"]: o["recordedBy"] for o in await occurrences(alice, org)}
    assert by == {
        f"{kind}-{subject}": f"user:{subject}"
        for kind in ("R", "C")
        for subject in ("alice", "bob", "carol")
    }


async def test_a_viewer_reads_the_ledger_but_cannot_record(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice)
    await factories.member(alice, org, "user:bob", "VIEWER")
    await record(alice, org, [row(externalId="V-1")])

    refused = await record(bob, org, [row(externalId="V-2")])
    assert refused["recorded"] == 0
    assert refusal(refused) == ["FORBIDDEN"]
    imported = await import_csv(bob, org, f"controlKey,performedOn\n{ANNUAL},2024-02-02\n")
    assert refusal(imported) == ["FORBIDDEN"]
    assert imported["recorded"] == 0

    seen = await occurrences(bob, org)
    assert [o["externalId"] for o in seen] == ["V-1"]
    assert (await bob(NODE, {"id": seen[0]["id"]}))["data"]["node"]["externalId"] == "V-1"


async def test_organisation_api_keys_record_by_their_role(
    alice: GraphQLClient, client: httpx.AsyncClient
) -> None:
    org = await factories.organization(alice)
    writer = await factories.api_key(alice, org, "ticket-sync", "CONTRIBUTOR")
    reader = await factories.api_key(alice, org, "dashboard", "VIEWER")
    sync = GraphQLClient(client, writer["secret"])
    dashboard = GraphQLClient(client, reader["secret"])

    assert (await record(sync, org, [row(externalId="K-1")]))["recorded"] == 1
    refused = await record(dashboard, org, [row(externalId="K-2")])
    assert refusal(refused) == ["FORBIDDEN"]
    [stored] = await occurrences(dashboard, org)
    assert stored["externalId"] == "K-1"
    # The key, not the owner who made it, recorded it.
    assert stored["recordedBy"] == f"apikey:{decode_id('ApiKey', writer['apiKey']['id'])}"


# Tenancy -------------------------------------------------------------------------------


async def test_a_non_member_can_neither_record_nor_read_an_organisations_ledger(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice)
    await record(alice, org, [row(externalId="T-1")])
    [stored] = await occurrences(alice, org)

    refused = await record(bob, org, [row(externalId="T-2")])
    assert refused["recorded"] == 0
    assert refusal(refused) == ["NOT_FOUND"]
    imported = await import_csv(bob, org, f"controlKey,performedOn\n{ANNUAL},2024-02-02\n")
    assert refusal(imported) == ["NOT_FOUND"]
    profile_set = await set_profile(bob, org, {"ANNUAL": 3})
    assert refusal(profile_set) == ["NOT_FOUND"]

    # Alice's organisation reads as missing: no data, and nothing of hers in the answer.
    read = await bob(OCCURRENCES, {"id": org}, expect_errors=True)
    assert (read.get("data") or {}).get("organization") is None
    assert stored["id"] not in str(read) and "T-1" not in str(read)
    assert (await bob(PROFILE, {"id": org}))["data"]["organization"] is None
    assert (await bob(NODE, {"id": stored["id"]}))["data"]["node"] is None
    # Bob's own organisation does not reach alice's occurrences either.
    await factories.organization(bob, "Bob's")
    assert (await bob(NODE, {"id": stored["id"]}))["data"]["node"] is None
    assert await occurrences(alice, org) == [stored]


# Organization.occurrences --------------------------------------------------------------


async def test_the_ledger_lists_newest_first_and_filters_by_control_and_days(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    days = ["2024-01-10", "2024-03-01", "2024-02-15", "2023-12-31", "2024-03-02"]
    await record(alice, org, [row(QUARTERLY, d, externalId=f"Q-{d}") for d in days])
    await record(alice, org, [row(ANNUAL, "2024-02-20"), row(EVENT_DRIVEN, "2024-01-10")])

    listed = await occurrences(alice, org)
    performed = [o["performedOn"] for o in listed]
    assert performed == sorted(performed, reverse=True)
    assert len(listed) == 7

    quarterly = await occurrences(alice, org, controlKey=QUARTERLY)
    assert [o["performedOn"] for o in quarterly] == sorted(days, reverse=True)
    assert await occurrences(alice, org, controlKey="NOPE-99") == []

    window = await occurrences(alice, org, **{"from": "2024-01-09", "to": "2024-03-01"})
    assert sorted((o["controlKey"], o["performedOn"]) for o in window) == [
        (ANNUAL, "2024-02-20"),
        (EVENT_DRIVEN, "2024-01-10"),
        (QUARTERLY, "2024-01-10"),
        (QUARTERLY, "2024-02-15"),
        (QUARTERLY, "2024-03-01"),
    ]
    since = await occurrences(alice, org, controlKey=QUARTERLY, **{"from": "2024-02-16"})
    assert [o["performedOn"] for o in since] == ["2024-03-02", "2024-03-01"]
    # ``to`` includes its day.
    until = await occurrences(alice, org, to="2024-01-10")
    assert sorted(o["performedOn"] for o in until) == ["2023-12-31", "2024-01-10", "2024-01-10"]
    assert await occurrences(alice, org, **{"from": "2024-03-03"}) == []
    assert await occurrences(alice, org, to="2023-12-30") == []


async def test_from_and_to_both_include_their_day(alice: GraphQLClient) -> None:
    org = await factories.organization(alice)
    await record(
        alice, org, [row(QUARTERLY, d) for d in ("2024-01-09", "2024-01-10", "2024-01-11")]
    )

    def days(listed: list[dict[str, Any]]) -> list[str]:
        return [o["performedOn"] for o in listed]

    assert days(await occurrences(alice, org, to="2024-01-10")) == ["2024-01-10", "2024-01-09"]
    assert days(await occurrences(alice, org, **{"from": "2024-01-10"})) == [
        "2024-01-11",
        "2024-01-10",
    ]
    one_day = {"from": "2024-01-10", "to": "2024-01-10"}
    assert days(await occurrences(alice, org, **one_day)) == ["2024-01-10"]
    assert days(await occurrences(alice, org, controlKey=QUARTERLY, **one_day)) == ["2024-01-10"]


async def test_paging_visits_every_occurrence_once_across_days_shared_by_many(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    # Seven on one day, recorded in two batches, between days with fewer.
    await record(
        alice,
        org,
        [row(QUARTERLY, "2024-04-01", externalId=f"S-{i}") for i in range(4)]
        + [row(ANNUAL, "2024-04-02"), row(ANNUAL, "2024-03-31"), row(ANNUAL, "2024-03-31")],
    )
    await record(alice, org, [row(EVENT_DRIVEN, "2024-04-01") for _ in range(3)])
    everything = await occurrences(alice, org)
    assert len(everything) == 10

    for size in (1, 2, 3, 4):
        seen: list[dict[str, Any]] = []
        after = None
        pages = 0
        while True:
            listed = await page(alice, org, first=size, after=after)
            pages += 1
            assert len(listed["edges"]) <= size
            seen.extend(edge["node"] for edge in listed["edges"])
            if not listed["pageInfo"]["hasNextPage"]:
                break
            assert listed["pageInfo"]["endCursor"] == listed["edges"][-1]["cursor"]
            after = listed["pageInfo"]["endCursor"]
        assert [o["id"] for o in seen] == [o["id"] for o in everything], size
        assert len({o["id"] for o in seen}) == 10
        assert pages == -(-10 // size)

    # A filtered list pages through the shared day too, and keeps to its filter.
    first = await page(alice, org, first=2, to="2024-04-01")
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await page(alice, org, first=100, after=first["pageInfo"]["endCursor"], to="2024-04-01")
    listed = [e["node"] for e in first["edges"] + rest["edges"]]
    assert len({o["id"] for o in listed}) == len(listed) == 9
    assert [o["performedOn"] for o in listed] == ["2024-04-01"] * 7 + ["2024-03-31"] * 2
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": rest["edges"][-1]["cursor"]}
    shared = await page(alice, org, first=100, controlKey=EVENT_DRIVEN)
    assert len(shared["edges"]) == 3


async def test_a_cursor_not_of_this_list_is_invalid_and_pages_are_bounded(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    await record(alice, org, [row()])
    oid = "5f0000000000000000000000"
    cursors = [
        "garbage!!",
        "",
        encode_cursor(oid),  # a cursor of a list ordered by _id only
        encode_cursor("not-a-day", oid),
        encode_cursor("2024-01-01", "not-an-id"),
        encode_cursor(20240101, oid),
    ]
    for after in cursors:
        body = await alice(OCCURRENCES, {"id": org, "first": 1, "after": after}, expect_errors=True)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID", after
        assert error["extensions"]["field"] == ["after"], after
    # A cursor of this list that points past its end is a valid, empty page.
    last = (await page(alice, org, first=1))["pageInfo"]["endCursor"]
    assert (await page(alice, org, first=1, after=last))["edges"] == []
    # Pages are at most 100.
    body = await alice(OCCURRENCES, {"id": org, "first": 101}, expect_errors=True)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["LIMIT_EXCEEDED"]


# importOccurrences ---------------------------------------------------------------------


async def test_a_csv_import_reads_headers_in_any_case_and_order(alice: GraphQLClient) -> None:
    org = await factories.organization(alice)
    csv = (
        "\ufeffExternal_ID,performed_on,NOTE,Control_Key,evidence_ref,Result\r\n"
        f'JIRA-1,2024-05-01T13:45:00Z,"a note, with a comma",{QUARTERLY},https://x/1,exception\r\n'
        "\r\n"
        f"JIRA-2,2024-05-02,,{ANNUAL},,\r\n"
        "   \r\n"
        f"JIRA-3,2024-05-03T00:00:00+02:00,,{EVENT_DRIVEN},,pass\r\n"
    )
    done = await import_csv(alice, org, csv)
    assert done == {"recorded": 3, "duplicates": 0, "errors": []}
    listed = {o["externalId"]: o for o in await occurrences(alice, org)}
    assert listed["JIRA-1"] | {"id": "", "recordedAt": ""} == {
        "id": "",
        "controlKey": QUARTERLY,
        "performedOn": "2024-05-01",
        "result": "EXCEPTION",
        "evidenceRef": "https://x/1",
        "note": "a note, with a comma",
        "externalId": "JIRA-1",
        "recordedBy": "user:alice",
        "recordedAt": "",
    }
    assert (listed["JIRA-2"]["result"], listed["JIRA-2"]["evidenceRef"]) == ("PASS", None)
    assert listed["JIRA-2"]["note"] is None
    assert (listed["JIRA-3"]["performedOn"], listed["JIRA-3"]["result"]) == ("2024-05-03", "PASS")

    # Only the two required columns, spelled another way.
    minimal = await import_csv(alice, org, f"CONTROLKEY,PerformedOn\n{ANNUAL},2024-06-01\n")
    assert minimal["recorded"] == 1
    [added] = [o for o in await occurrences(alice, org) if o["performedOn"] == "2024-06-01"]
    assert (added["result"], added["externalId"]) == ("PASS", None)


async def test_a_csv_import_again_counts_duplicates(alice: GraphQLClient) -> None:
    org = await factories.organization(alice)
    csv = "controlKey,performedOn,externalId\n" + "".join(
        f"{QUARTERLY},2024-0{m}-01,CSV-{m}\n" for m in range(1, 4)
    )
    assert (await import_csv(alice, org, csv))["recorded"] == 3
    stored = await occurrences(alice, org)
    again = await import_csv(alice, org, csv)
    assert again == {"recorded": 0, "duplicates": 3, "errors": []}
    # The ids are shared with recordOccurrences.
    sent = await record(alice, org, [row(externalId="CSV-2"), row(externalId="CSV-4")])
    assert (sent["recorded"], sent["duplicates"]) == (1, 1)
    after = await occurrences(alice, org)
    assert len(after) == 4
    assert all(o in after for o in stored)  # the three imported ones, unchanged


async def test_a_csv_with_bad_lines_records_nothing_and_names_each_line(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    future = (today() + timedelta(days=2)).isoformat()
    csv = (
        "controlKey,performedOn,result,evidenceRef,note,externalId\n"  # line 1
        f"{QUARTERLY},2024-01-01,PASS,,,OK-1\n"  # 2
        "\n"  # 3: blank, skipped but counted
        "NOPE-1,2024-01-01,PASS,,,\n"  # 4
        f"{ANNUAL},01/02/2024,PASS,,,\n"  # 5
        f"{ANNUAL},1999-12-31,PASS,,,\n"  # 6
        f"{ANNUAL},{future},PASS,,,\n"  # 7
        f"{ANNUAL},2024-01-01,MAYBE,,,\n"  # 8
        f"{ANNUAL},2024-01-01,PASS,{'e' * 2_001},,\n"  # 9
        f"{ANNUAL},2024-01-01,PASS,,{'n' * 4_001},\n"  # 10
        f"{ANNUAL},2024-01-01,PASS,,,{'x' * 201}\n"  # 11
        f"{ANNUAL}\n"  # 12: too few columns
    )
    done = await import_csv(alice, org, csv)
    assert (done["recorded"], done["duplicates"]) == (0, 0)
    assert [(e["code"], e["field"]) for e in done["errors"]] == [
        ("INVALID", ["csv", "4", "controlKey"]),
        ("INVALID", ["csv", "5", "performedOn"]),
        ("INVALID", ["csv", "6", "performedOn"]),
        ("INVALID", ["csv", "7", "performedOn"]),
        ("INVALID", ["csv", "8", "result"]),
        ("INVALID", ["csv", "9", "evidenceRef"]),
        ("INVALID", ["csv", "10", "note"]),
        ("INVALID", ["csv", "11", "externalId"]),
        ("INVALID", ["csv", "12", "performedOn"]),
    ]
    assert await occurrences(alice, org) == []


async def test_a_csv_problem_names_the_line_its_row_starts_on(alice: GraphQLClient) -> None:
    org = await factories.organization(alice)
    csv = (
        "controlKey,performedOn,note\n"  # line 1
        f'{QUARTERLY},2024-01-01,"a note\nover two lines"\n'  # lines 2-3
        'NOPE-1,2024-01-01,"another\nlong\nnote"\n'  # lines 4-6
    )
    done = await import_csv(alice, org, csv)
    assert [(e["code"], e["field"]) for e in done["errors"]] == [
        ("INVALID", ["csv", "4", "controlKey"])
    ]


async def test_a_csv_without_its_columns_or_rows_or_over_5000_rows_is_refused(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    cases = [
        ("performedOn,result\n2024-01-01,PASS\n", ["csv", "1"], "controlKey"),
        (f"controlKey,result\n{QUARTERLY},PASS\n", ["csv", "1"], "performedOn"),
        ("", ["csv"], "empty"),
        ("controlKey,performedOn\n\n\n", ["csv"], "no occurrences"),
    ]
    for csv, field, said in cases:
        done = await import_csv(alice, org, csv)
        assert [(e["code"], e["field"]) for e in done["errors"]] == [("INVALID", field)], csv
        assert said in done["errors"][0]["message"]
        assert done["recorded"] == 0
    over = "controlKey,performedOn\n" + f"{ANNUAL},2024-01-01\n" * 5_001
    done = await import_csv(alice, org, over)
    assert [(e["code"], e["field"]) for e in done["errors"]] == [("LIMIT_EXCEEDED", ["csv"])]
    assert await occurrences(alice, org) == []


# The CLI -------------------------------------------------------------------------------


def _cli_env(mongo_uri: str, db_name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "ENVIRONMENT")}
    env.update(MONGODB_URI=mongo_uri, MONGODB_DB=db_name)
    return env


async def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "service.cli", "import-occurrences", *args]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, env=env, check=False
    )


async def test_the_cli_imports_a_csv_into_the_test_database(
    alice: GraphQLClient, mongo_uri: str, db_name: str, tmp_path: Path
) -> None:
    org = await factories.organization(alice)
    hex_id = decode_id("Organization", org)
    assert hex_id is not None
    env = _cli_env(mongo_uri, db_name)
    good = tmp_path / "tickets.csv"
    good.write_text(
        "control_key,performed_on,external_id\n"
        f"{QUARTERLY},2024-01-05T10:00:00Z,CLI-1\n"
        f"{ANNUAL},2024-02-05,CLI-2\n"
    )

    first = await _cli(env, str(good), "--organization", str(hex_id))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "recorded 2, duplicates 0"
    listed = await occurrences(alice, org)
    assert sorted(o["externalId"] for o in listed) == ["CLI-1", "CLI-2"]
    assert all(o["recordedBy"].startswith("cli:") for o in listed)

    # The global id names the same organisation; the file again is all duplicates.
    again = await _cli(env, str(good), "--organization", org)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "recorded 0, duplicates 2"

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"controlKey,performedOn\n{QUARTERLY},2024-03-01\nNOPE-1,2024-03-01\n{ANNUAL},soon\n"
    )
    refused = await _cli(env, str(bad), "--organization", org)
    assert refused.returncode == 1
    assert refused.stdout == ""
    problems = refused.stderr.strip().splitlines()
    assert len(problems) == 2, refused.stderr
    assert "line 3 controlKey" in problems[0] and "NOPE-1" in problems[0]
    assert "line 4 performedOn" in problems[1]
    assert len(await occurrences(alice, org)) == 2


async def test_the_cli_refuses_an_organisation_it_cannot_name_in_one_clear_line(
    alice: GraphQLClient, mongo_uri: str, db_name: str, tmp_path: Path
) -> None:
    org = await factories.organization(alice)
    env = _cli_env(mongo_uri, db_name)
    good = tmp_path / "tickets.csv"
    good.write_text(f"controlKey,performedOn\n{QUARTERLY},2024-01-05\n")

    garbled = await _cli(env, str(good), "--organization", "not-an-id")
    assert garbled.returncode == 2
    assert "not an organisation id" in garbled.stderr
    assert garbled.stdout == ""

    # A well-formed id of no organisation: refused like a bad file, not a traceback.
    missing = await _cli(env, str(good), "--organization", "5f0000000000000000000000")
    assert missing.returncode in (1, 2)
    assert missing.stdout == ""
    assert "Traceback" not in missing.stderr, missing.stderr[-400:]
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr[-400:]
    assert "not found" in missing.stderr
    assert await occurrences(alice, org) == []


# The sampling profile ------------------------------------------------------------------


async def test_owners_and_assessors_set_the_sampling_profile_over_ours(
    alice: GraphQLClient, bob: GraphQLClient
) -> None:
    org = await factories.organization(alice)
    await factories.member(alice, org, "user:bob", "ASSESSOR")
    listed = (await alice(PROFILE, {"id": org}))["data"]["organization"]["samplingProfile"]
    assert len(listed) == len(DEFAULT_PROFILE)
    assert as_dict(listed) == DEFAULT_PROFILE

    for who in (alice, bob):
        done = await set_profile(who, org, {"QUARTERLY": 4, "DAILY": 60, "ANNUAL": 1})
        assert done["errors"] == []
        expected = {**DEFAULT_PROFILE, "QUARTERLY": 4, "DAILY": 60}
        assert as_dict(done["samplingProfile"]) == expected
        assert await profile(alice, org) == expected
        assert await profile(bob, org) == expected

        # The whole profile each time: what is not sent again is ours again.
        weekly = await set_profile(who, org, {"WEEKLY": 10})
        assert as_dict(weekly["samplingProfile"]) == {**DEFAULT_PROFILE, "WEEKLY": 10}
        reset = await set_profile(who, org, {})
        assert as_dict(reset["samplingProfile"]) == DEFAULT_PROFILE
        assert await profile(alice, org) == DEFAULT_PROFILE


async def test_contributors_and_viewers_cannot_set_the_sampling_profile(
    alice: GraphQLClient, bob: GraphQLClient, client: httpx.AsyncClient
) -> None:
    org = await factories.organization(alice)
    await set_profile(alice, org, {"MONTHLY": 6})
    await factories.member(alice, org, "user:bob", "CONTRIBUTOR")
    await factories.member(alice, org, "user:carol", "VIEWER")
    carol = GraphQLClient(client, await user_key("user:carol"))
    for who in (bob, carol):
        done = await set_profile(who, org, {"QUARTERLY": 4})
        assert done["samplingProfile"] is None
        assert refusal(done) == ["FORBIDDEN"]
        # They still read it, unchanged.
        assert await profile(who, org) == {**DEFAULT_PROFILE, "MONTHLY": 6}


async def test_a_sample_size_out_of_bounds_is_invalid_and_changes_nothing(
    alice: GraphQLClient,
) -> None:
    org = await factories.organization(alice)
    await set_profile(alice, org, {"MONTHLY": 3})
    for size in sorted({0, -1, MAX_SAMPLE_SIZE + 1, 251}):
        done = await set_profile(alice, org, {"ANNUAL": 2, "WEEKLY": size})
        assert done["samplingProfile"] is None
        assert [(e["code"], e["field"]) for e in done["errors"]] == [
            ("INVALID", ["input", "sizes", "1", "sampleSize"])
        ], size
    assert await profile(alice, org) == {**DEFAULT_PROFILE, "MONTHLY": 3}
    # The bounds themselves are accepted.
    edges = await set_profile(alice, org, {"ANNUAL": 1, "CONTINUOUS": MAX_SAMPLE_SIZE})
    assert edges["errors"] == []
    assert as_dict(edges["samplingProfile"]) == {**DEFAULT_PROFILE, "CONTINUOUS": MAX_SAMPLE_SIZE}
