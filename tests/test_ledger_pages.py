"""Pages of the ledger, read in widening windows, are exactly the pages of the whole range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from service.principal import Principal, PrincipalKind, Role
from service.storage.documents import ControlOccurrence
from service.storage.repositories.base import TenantScope
from service.storage.repositories.occurrence import PAGE_WINDOWS_DAYS, OccurrenceRepository

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
# From a week ahead (a future-dated row) to past the last window (the whole range).
DAYS_BACK = st.integers(min_value=-7, max_value=PAGE_WINDOWS_DAYS[-1] + 400)
KEYS = ("IAM-01", "LOG-03")


def _row(organization: ObjectId, days_back: int, key: str) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "organization_id": organization,
        "control_key": key,
        "performed_on": TODAY - timedelta(days=days_back),
        "passed": True,
        "evidenced": False,
        "recorded_by": "user:test",
        "recorded_at": TODAY,
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ledger=st.lists(st.tuples(DAYS_BACK, st.sampled_from(KEYS)), max_size=40),
    first=st.integers(min_value=1, max_value=7),
    key=st.sampled_from((None, *KEYS)),
    since=st.one_of(st.none(), DAYS_BACK),
    until=st.one_of(st.none(), DAYS_BACK),
)
async def test_paging_by_windows_walks_the_whole_range_in_order(
    app: Starlette,
    *,
    ledger: list[tuple[int, str]],
    first: int,
    key: str | None,
    since: int | None,
    until: int | None,
) -> None:
    organization = ObjectId()
    rows = [_row(organization, days, control) for days, control in ledger]
    # Another organisation's rows, all of them recent: never on the page.
    stranger = [_row(ObjectId(), days % 30, control) for days, control in ledger]
    collection = ControlOccurrence.get_pymongo_collection()
    if rows:
        await collection.insert_many(rows + stranger)
    scope = TenantScope(
        organization, Role.OWNER, Principal(subject="user:test", kind=PrincipalKind.USER)
    )
    repository = OccurrenceRepository(scope)
    low = TODAY - timedelta(days=since) if since is not None else None
    high = TODAY - timedelta(days=until) if until is not None else None
    expected = sorted(
        (
            r
            for r in rows
            if (key is None or r["control_key"] == key)
            and (low is None or r["performed_on"] >= low)
            and (high is None or r["performed_on"] <= high)
        ),
        key=lambda r: (r["performed_on"], r["_id"]),
        reverse=True,
    )
    walked: list[ObjectId] = []
    after: tuple[datetime, ObjectId] | None = None
    while True:
        page = await repository.page(
            first=first, after=after, control_key=key, since=low, until=high
        )
        assert len(page.items) <= first
        walked += [item.id for item in page.items]
        assert page.count is not None and await page.count() == len(expected)
        if not page.has_next:
            break
        assert len(page.items) == first
        last = page.items[-1]
        after = (last.performed_on, last.id)
    assert walked == [r["_id"] for r in expected]
    await collection.delete_many({})
