"""Answers and reports stored packed: what goes in comes out, and older plain ones still read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.api.ids import decode_id
from service.storage.documents import AssessmentRecord
from service.storage.packing import pack, unpack
from tests import factories
from tests.conftest import GraphQLClient
from tests.test_assessments import READ, create, raw_assessment, save

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: "\0" not in k), inner)
    ),
    max_leaves=30,
)


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks


@given(VALUES)
def test_a_packed_value_unpacks_to_itself(value: Any) -> None:
    assert unpack(pack(value)) == value


def test_a_plain_value_reads_as_it_is() -> None:
    plain = [{"question_key": "log.central", "value": "yes"}]
    assert unpack(plain) is plain


async def test_answers_and_report_are_stored_packed(alice: GraphQLClient) -> None:
    assessment = await create(alice, await factories.organization(alice))
    saved = await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no"}])
    raw = await raw_assessment(assessment)
    assert isinstance(raw["answers"], bytes) and isinstance(raw["report"], bytes)
    [answer] = unpack(raw["answers"])
    assert (answer["question_key"], answer["value"]) == ("iam.reviews", "no")
    assert answer["answered_at"].tzinfo is not None
    assert unpack(raw["report"])["readiness"] == saved["assessment"]["report"]["readiness"]


async def test_an_assessment_stored_plain_reads_the_same_and_loses_nothing(
    alice: GraphQLClient,
) -> None:
    """An assessment written before packing (plain arrays) reads as before, and its next
    save keeps every earlier answer and packs it."""
    assessment = await create(alice, await factories.organization(alice))
    first = await save(
        alice,
        assessment,
        [
            {"questionKey": "iam.reviews", "value": "no", "note": "quarterly, not yet"},
            {"questionKey": "log.central", "value": "3"},
        ],
    )
    assert first["errors"] == []
    before = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    raw = await raw_assessment(assessment)
    await AssessmentRecord.get_pymongo_collection().update_one(
        {"_id": decode_id("Assessment", assessment["id"])},
        {"$set": {"answers": unpack(raw["answers"]), "report": unpack(raw["report"])}},
    )
    assert isinstance((await raw_assessment(assessment))["answers"], list)
    assert (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"] == before
    saved = await save(
        alice,
        assessment,
        [{"questionKey": "iam.reviews", "value": "yes"}],
        version=before["version"],
    )
    assert saved["errors"] == []
    answers = {a["questionKey"]: a["value"] for a in saved["assessment"]["answers"]}
    assert answers == {"iam.reviews": "yes", "log.central": "3"}
    assert isinstance((await raw_assessment(assessment))["answers"], bytes)


def test_decoded_reports_keep_the_most_recently_used() -> None:
    from service.assessment.report_codec import DecodedReports
    from service.scoring.model import Report

    cache = DecodedReports()
    reports = [Report.__new__(Report) for _ in range(DecodedReports.MAX_ENTRIES + 1)]
    for index, report in enumerate(reports[:-1]):
        cache.put(("a", index, "basis"), report)
    assert cache.get(("a", 0, "basis")) is reports[0]  # now the most recently used
    cache.put(("a", "new", "basis"), reports[-1])
    assert cache.get(("a", 1, "basis")) is None  # the least recently used went
    assert cache.get(("a", 0, "basis")) is reports[0]
    assert cache.get(("a", 0, "other basis")) is None


async def test_a_stored_report_is_read_back_once_per_version(
    alice: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads of an unchanged assessment share one decoded report; a save's own report is
    what the next read gets, and after it the new version is what is read."""
    from service.assessment import reading

    decoded: list[int] = []
    original = reading.from_document

    def counted(*args: Any, **kwargs: Any) -> Any:
        decoded.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reading, "from_document", counted)
    assessment = await create(alice, await factories.organization(alice))
    first = await save(alice, assessment, [{"questionKey": "iam.reviews", "value": "no"}])
    reads = [(await alice(READ, {"id": assessment["id"]}))["data"]["assessment"] for _ in "ab"]
    assert reads[0] == reads[1] and reads[0]["version"] == first["assessment"]["version"]
    assert decoded == []  # the save's report served both reads
    version = first["assessment"]["version"]
    saved = await save(
        alice, assessment, [{"questionKey": "iam.reviews", "value": "yes"}], version=version
    )
    after = (await alice(READ, {"id": assessment["id"]}))["data"]["assessment"]
    assert after["version"] == saved["assessment"]["version"] == version + 1
    assert after["report"]["readiness"] == saved["assessment"]["report"]["readiness"]
    assert after["report"]["readiness"] != reads[0]["report"]["readiness"]
