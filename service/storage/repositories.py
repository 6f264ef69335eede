"""Repositories: every database query of the service, starting from a scope.

Organisation reads start from the caller's ``Access``; everything inside an
organisation starts from a ``TenantScope``. Reads use projections where a
whole document is not needed, writes use update operators.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from beanie import Document, PydanticObjectId, SortDirection
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.auth import api_keys
from service.errors import InvalidState
from service.principal import PrincipalKind, Role
from service.storage.documents import (
    AnswerRevision,
    ApiKey,
    AssessmentRecord,
    AuditEvent,
    LlmUsage,
    Membership,
    Organization,
    PolicyDraftRecord,
    PolicyDraftRevision,
    PrincipalLlmUsage,
)
from service.storage.tenancy import Access, TenantScope

if TYPE_CHECKING:
    pass


def now() -> datetime:
    # BSON dates hold milliseconds; truncating here keeps values equal after a round trip.
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool


def document_of(record: Document) -> dict[str, Any]:
    """A Beanie document as the BSON-ready dict it is stored as."""
    document: dict[str, Any] = record.model_dump(by_alias=True, exclude={"revision_id"})
    return document


class OrganizationRepository:
    """Organisations the caller belongs to."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def create(self, name: str) -> Organization:
        from service.storage.writes import Insert, audit_event, write  # noqa: PLC0415

        principal = self.access.principal
        organization = Organization(
            id=PydanticObjectId(), name=name, created_at=now(), created_by=principal.subject
        )
        owner = Membership(
            id=PydanticObjectId(),
            organization_id=organization.id,
            subject=principal.subject,
            role=Role.OWNER,
            created_at=now(),
        )
        # One ordered write: the organisation, its first OWNER, and the audit event.
        await write(
            [
                Insert(Organization, document_of(organization)),
                Insert(Membership, document_of(owner)),
            ],
            audit_event(
                principal, "createOrganization", "Organization", organization.id, organization.id
            ),
        )
        self.access.forget()
        return organization

    async def get(self, organization_id: ObjectId) -> Organization | None:
        found = await self.get_many([organization_id])
        return found[0]

    async def get_many(self, ids: Sequence[ObjectId]) -> list[Organization | None]:
        """Organisations by id, aligned with ``ids``; others' read as None."""
        roles = await self.access.roles()
        wanted = [i for i in ids if i in roles]
        if not wanted:
            return [None for _ in ids]
        found: dict[ObjectId | None, Organization] = {
            org.id: org for org in await Organization.find({"_id": {"$in": wanted}}).to_list()
        }
        return [found.get(i) for i in ids]

    async def page(self, first: int, after: tuple[str, ObjectId] | None) -> Page[Organization]:
        """A keyset page ordered by (name, _id)."""
        ids = list((await self.access.roles()).keys())
        query: dict[str, object] = {"_id": {"$in": ids}}
        if after is not None:
            name, last_id = after
            query = {
                "$and": [
                    query,
                    {"$or": [{"name": {"$gt": name}}, {"name": name, "_id": {"$gt": last_id}}]},
                ]
            }
        items = (
            await Organization.find(query)
            .sort([("name", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)])
            .limit(first + 1)
            .to_list()
        )
        return Page(items=items[:first], has_next=len(items) > first)

    async def rename(self, scope: TenantScope, name: str) -> Organization | None:
        from service.storage.writes import GuardedUpdate, GuardFailed, audit_event, write  # noqa: PLC0415

        event = audit_event(
            scope.principal,
            "renameOrganization",
            "Organization",
            scope.organization_id,
            scope.organization_id,
        )
        try:
            await write(
                [
                    GuardedUpdate(
                        Organization, {"_id": scope.organization_id}, {"$set": {"name": name}}
                    )
                ],
                event,
            )
        except GuardFailed:
            return None
        return await Organization.get(scope.organization_id)


class ApiKeyRepository:
    """API keys: created hashed, found by their lookup id, never read back in clear."""

    # Writing last-used on every request would turn every read into a write.
    TOUCH_INTERVAL = timedelta(minutes=1)

    async def create(
        self,
        *,
        name: str,
        subject: str,
        created_by: str,
        organization_id: ObjectId | None = None,
        role: Role | None = None,
        platform_admin: bool = False,
        local_admin: bool = False,
    ) -> tuple[ApiKey, str]:
        for _ in range(3):
            new = api_keys.generate()
            record = ApiKey(
                name=name,
                lookup=new.lookup,
                digest=new.digest,
                subject=subject,
                organization_id=organization_id,
                role=role,
                platform_admin=platform_admin,
                created_at=now(),
                created_by=created_by,
                local_admin=local_admin,
            )
            try:
                await record.insert()
            except DuplicateKeyError:
                continue
            return record, new.secret
        raise RuntimeError("could not allocate a unique API key lookup id")

    async def find_active(self, secret: str) -> ApiKey | None:
        record = await ApiKey.find_one(
            ApiKey.lookup == api_keys.lookup_of(secret),
            ApiKey.revoked_at == None,  # noqa: E711
        )
        if record is None or not api_keys.matches(secret, record.digest):
            return None
        return record

    async def touch(self, record: ApiKey) -> None:
        moment = now()
        if record.last_used_at is None or moment - record.last_used_at > self.TOUCH_INTERVAL:
            await ApiKey.find_one(ApiKey.id == record.id).update({"$set": {"last_used_at": moment}})
            record.last_used_at = moment

    async def revoke_local_admin_keys(self) -> int:
        """Revoke every local admin key (the one ``readiness serve`` prints in development);
        the number revoked. Run at every production start, so a development key never
        outlives the switch to production on the same database."""
        revoked = await ApiKey.get_pymongo_collection().update_many(
            {"local_admin": True, "revoked_at": None}, {"$set": {"revoked_at": now()}}
        )
        return revoked.modified_count


# Lists of assessments need no answers, no history and only the report's headline.
# Lists name what they keep (an inclusion projection): a heavy field added later stays out,
# and servers copy the few kept fields instead of stripping large arrays from each document.
_HEAVY = {"answers", "answer_history", "report"}
_SUMMARY = {
    **{
        (info.alias or name): 1
        for name, info in AssessmentRecord.model_fields.items()
        if name not in _HEAVY and name != "revision_id"
    },
    **{
        f"report.{key}": 1
        for key in (
            "readiness",
            "completeness",
            "answered",
            "total",
            "earliest_observation_start",
            "earliest_report_date",
            "categories",
        )
    },
}


_TRUSTED = ("answers", "report")


def _record(row: dict[str, Any]) -> AssessmentRecord:
    """An assessment from a stored row. The scalar fields are validated; the two large
    free-form fields (typed ``Any`` inside, so validation would only copy them, a few
    milliseconds per read of a full assessment) are checked for shape and attached as read."""
    # Revisions kept inline by older versions are read only by ``history``. Full reads
    # take no projection: an exclusion projection cost the embedded server more than
    # the bytes it saved, and new documents carry no history.
    row.pop("answer_history", None)
    heavy = {key: row.pop(key) for key in _TRUSTED if key in row}
    record: AssessmentRecord = AssessmentRecord.model_validate(row)
    answers = heavy.get("answers", [])
    report = heavy.get("report", {})
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise TypeError("stored answers are not a list of documents")
    if not isinstance(report, dict):
        raise TypeError("stored report is not a document")
    record.answers = answers
    record.report = report
    return record


class AssessmentRepository:
    """Assessments of the organisations in scope; every query carries their ids."""

    def __init__(self, organization_ids: Sequence[ObjectId]) -> None:
        self._orgs = list(organization_ids)

    @classmethod
    def of_scope(cls, scope: TenantScope) -> AssessmentRepository:
        return cls([scope.organization_id])

    @classmethod
    async def of_access(cls, access: Access) -> AssessmentRepository:
        return cls(list((await access.roles()).keys()))

    def _filter(self, **extra: Any) -> dict[str, Any]:
        # The tenant scope is always there; an ``_id`` comes first, so even a planner that
        # follows field order (the embedded server's does) looks the document up by its id
        # rather than scanning the organisation's assessments.
        return {**extra, "organization_id": {"$in": self._orgs}}

    @staticmethod
    def _collection() -> Any:
        return AssessmentRecord.get_pymongo_collection()

    async def insert(self, record: AssessmentRecord, event: dict[str, Any]) -> AssessmentRecord:
        from service.storage.writes import Insert, write  # noqa: PLC0415 - writes imports this module

        if record.organization_id not in self._orgs:
            raise PermissionError("assessment outside the repository's scope")
        record.id = record.id or PydanticObjectId()
        event["target_id"] = str(record.id)
        await write([Insert(AssessmentRecord, document_of(record))], event)
        return record

    async def get(self, assessment_id: ObjectId) -> AssessmentRecord | None:
        found = await self._collection().find_one(self._filter(_id=assessment_id))
        return _record(found) if found else None

    async def get_many(self, ids: Sequence[ObjectId]) -> list[AssessmentRecord | None]:
        """Full assessments by id in one query, aligned with ``ids``."""
        rows = await self._collection().find(self._filter(_id={"$in": list(ids)})).to_list()
        found = {row["_id"]: _record(row) for row in rows}
        return [found.get(i) for i in ids]

    async def previous(self, record: AssessmentRecord) -> AssessmentRecord | None:
        """The same organisation's assessment of the same framework created just before."""
        if record.organization_id not in self._orgs:
            return None
        found = await self._collection().find_one(
            {
                "organization_id": record.organization_id,
                "framework_key": record.framework_key,
                "_id": {"$lt": record.id},
            },
            sort=[("organization_id", 1), ("_id", -1)],
        )
        return _record(found) if found else None

    async def history(
        self, assessment_id: ObjectId, question_key: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Earlier answers, newest first: the revisions collection, then any revisions an
        older version of the service kept inside the assessment document."""
        record = await self._collection().find_one(
            self._filter(_id=assessment_id), projection={"organization_id": 1, "answer_history": 1}
        )
        if record is None:
            return []
        query: dict[str, Any] = {
            "organization_id": record["organization_id"],
            "assessment_id": assessment_id,
        }
        if question_key is not None:
            query["question_key"] = question_key
        revisions = (
            await AnswerRevision.get_pymongo_collection()
            .find(
                query,
                projection={"_id": 0, "organization_id": 0, "assessment_id": 0},
                sort=[
                    ("organization_id", 1),
                    ("assessment_id", 1),
                    ("replaced_in_version", -1),
                ],
                limit=limit,
            )
            .to_list()
        )
        legacy = [
            h
            for h in reversed(record.get("answer_history", []))
            if question_key is None or h.get("question_key") == question_key
        ]
        return (revisions + legacy)[:limit]

    async def update(
        self,
        assessment_id: ObjectId,
        expected_version: int,
        fields: dict[str, Any],
        history: list[dict[str, Any]] | None = None,
        *,
        allowed_statuses: Sequence[str] | None = None,
        event: dict[str, Any] | None = None,
        organization_id: ObjectId | None = None,
    ) -> bool:
        """One write guarded by the version, then the replaced answers (``history``, as
        revisions of ``organization_id``'s assessment) and the audit event, in one ordered
        batch; False when the guard did not match, in which case nothing was written."""
        from service.storage.writes import (  # noqa: PLC0415 - writes imports this module
            GuardedUpdate,
            GuardFailed,
            Insert,
            write,
        )

        query = self._filter(_id=assessment_id, version=expected_version)
        if allowed_statuses is not None:
            query["status"] = {"$in": list(allowed_statuses)}
        update: dict[str, Any] = {"$set": {**fields, "version": expected_version + 1}}
        # Revisions follow the guarded update in the same ordered batch: written only
        # when the update was, and outside the assessment so its size stays bounded.
        if history and organization_id not in self._orgs:
            raise PermissionError("revisions outside the repository's scope")
        revisions = [
            Insert(
                AnswerRevision,
                {
                    **h,
                    "organization_id": organization_id,
                    "assessment_id": assessment_id,
                    "replaced_in_version": expected_version + 1,
                },
            )
            for h in history or []
        ]
        try:
            await write([GuardedUpdate(AssessmentRecord, query, update), *revisions], event)
        except GuardFailed:
            return False
        return True

    async def page(self, first: int, after: ObjectId | None) -> Page[AssessmentRecord]:
        """Newest first, keyset on _id."""
        query = self._filter()
        if after is not None:
            query["_id"] = {"$lt": after}
        rows = (
            await self._collection()
            .find(
                query,
                projection=_SUMMARY,
                sort=[("organization_id", 1), ("_id", -1)],
                limit=first + 1,
            )
            .to_list()
        )
        items = [_record(row) for row in rows[:first]]
        return Page(items=items, has_next=len(rows) > first)

    async def latest_by_organization(self) -> dict[ObjectId, dict[str, Any]]:
        """The most recently updated assessment's summary per organisation, in one query."""
        pipeline = [
            {"$match": self._filter()},
            {"$sort": {"organization_id": 1, "updated_at": -1}},
            {
                "$group": {
                    "_id": "$organization_id",
                    "assessment_id": {"$first": "$_id"},
                    "readiness": {"$first": "$readiness"},
                    "completeness": {"$first": "$completeness"},
                    "updated_at": {"$first": "$updated_at"},
                }
            },
        ]
        rows = await (await self._collection().aggregate(pipeline)).to_list()
        return {row["_id"]: row for row in rows}


OWNER_LOCK_SECONDS = 10.0
OWNER_LOCK_WAIT_SECONDS = 5.0


class MembershipRepository:
    """Members of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        self.scope = scope

    async def list(self) -> list[Membership]:
        return (
            await Membership.find(Membership.organization_id == self.scope.organization_id)
            .sort([("subject", SortDirection.ASCENDING)])
            .to_list()
        )

    async def get(self, subject: str) -> Membership | None:
        return await Membership.find_one(
            Membership.organization_id == self.scope.organization_id, Membership.subject == subject
        )

    async def owners(self) -> int:
        return await Membership.find(
            Membership.organization_id == self.scope.organization_id, Membership.role == Role.OWNER
        ).count()

    @asynccontextmanager
    async def owner_changes(self) -> AsyncIterator[None]:
        """Hold the organisation's lock for changes that take the OWNER role from someone.

        They run one at a time, so two of them cannot each count the other as the OWNER
        who remains. The lock is a lease on the organisation document: a holder that dies
        frees it after ``OWNER_LOCK_SECONDS``. Raises ``InvalidState`` when another change
        holds it for longer than ``OWNER_LOCK_WAIT_SECONDS``."""
        collection = Organization.get_pymongo_collection()
        token = ObjectId()
        waited_until = time.monotonic() + OWNER_LOCK_WAIT_SECONDS
        while True:
            moment = now()
            taken = await collection.update_one(
                {
                    "_id": self.scope.organization_id,
                    "$or": [{"owners_lock": None}, {"owners_lock_until": {"$lt": moment}}],
                },
                {
                    "$set": {
                        "owners_lock": token,
                        "owners_lock_until": moment + timedelta(seconds=OWNER_LOCK_SECONDS),
                    }
                },
            )
            if taken.matched_count:
                break
            if time.monotonic() > waited_until:
                raise InvalidState("the organisation's members are being changed; retry")
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await collection.update_one(
                {"_id": self.scope.organization_id, "owners_lock": token},
                {"$set": {"owners_lock": None, "owners_lock_until": None}},
            )

    async def add(self, subject: str, role: Role, event: dict[str, Any]) -> Membership | None:
        """Add a member; None when ``subject`` is one already (the unique index decides,
        so two concurrent adds cannot both land)."""
        from service.storage.writes import Duplicate, Insert, write  # noqa: PLC0415

        member = Membership(
            id=PydanticObjectId(),
            organization_id=self.scope.organization_id,
            subject=subject,
            role=role,
            created_at=now(),
        )
        try:
            await write([Insert(Membership, document_of(member))], event)
        except Duplicate:
            return None
        return member

    async def set_role(self, member: Membership, role: Role, event: dict[str, Any]) -> bool:
        """Change a role read just before; False when it changed or the member was removed
        meanwhile, in which case nothing was written (the guard never creates a member)."""
        from service.storage.writes import (  # noqa: PLC0415 - writes imports this module
            GuardedUpdate,
            GuardFailed,
            write,
        )

        guard = {
            "_id": member.id,
            "organization_id": self.scope.organization_id,
            "role": member.role,
        }
        try:
            await write([GuardedUpdate(Membership, guard, {"$set": {"role": role}})], event)
        except GuardFailed:
            return False
        return True

    async def remove(self, member: Membership, event: dict[str, Any]) -> bool:
        """Remove a member with the role read just before; False when it was removed or its
        role changed meanwhile, in which case nothing was written."""
        from service.storage.writes import GuardedDelete, GuardFailed, write  # noqa: PLC0415

        guard = {
            "_id": member.id,
            "organization_id": self.scope.organization_id,
            "role": member.role,
        }
        try:
            await write([GuardedDelete(Membership, guard)], event)
        except GuardFailed:
            return False
        return True


# Drafts an assessment's listing returns: the latest ones.
LATEST_DRAFTS = 100


class DraftRepository:
    """Policy drafts, their revisions, and the LLM token budgets of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        self.scope = scope

    @staticmethod
    async def visible(access: Access, draft_id: ObjectId) -> PolicyDraftRecord | None:
        """A draft of any organisation ``access`` belongs to; None for another tenant's."""
        roles = await access.roles()
        return await PolicyDraftRecord.find_one(
            {"_id": draft_id, "organization_id": {"$in": list(roles)}}
        )

    async def organization(self) -> Organization | None:
        return await Organization.get(self.scope.organization_id)

    async def for_assessment(
        self, assessment_id: ObjectId, latest: int = LATEST_DRAFTS
    ) -> list[PolicyDraftRecord]:
        """The assessment's ``latest`` drafts, oldest first (each drafting call adds one per
        policy family, so the full list has no bound)."""
        rows = (
            await PolicyDraftRecord.find(
                {"organization_id": self.scope.organization_id, "assessment_id": assessment_id}
            )
            .sort([("_id", SortDirection.DESCENDING)])
            .limit(latest)
            .to_list()
        )
        return rows[::-1]

    async def insert(self, records: Sequence[PolicyDraftRecord], event: dict[str, Any]) -> None:
        from service.storage.writes import Insert, write  # noqa: PLC0415

        if any(r.organization_id != self.scope.organization_id for r in records):
            raise PermissionError("draft outside the repository's scope")
        await write([Insert(PolicyDraftRecord, document_of(r)) for r in records], event)

    async def finish(self, draft_id: ObjectId, fields: dict[str, Any]) -> None:
        await PolicyDraftRecord.get_pymongo_collection().update_one(
            {"_id": draft_id, "organization_id": self.scope.organization_id}, {"$set": fields}
        )

    async def review(
        self,
        record: PolicyDraftRecord,
        fields: dict[str, Any],
        revision: PolicyDraftRevision,
        event: dict[str, Any],
    ) -> bool:
        """Apply a review to the version read and keep the replaced body as a revision, in
        one ordered batch with the audit event; False when the draft changed meanwhile."""
        from service.storage.writes import (  # noqa: PLC0415 - writes imports this module
            GuardedUpdate,
            GuardFailed,
            Insert,
            write,
        )

        if revision.organization_id != self.scope.organization_id:
            raise PermissionError("revision outside the repository's scope")
        guard = {
            "_id": record.id,
            "organization_id": self.scope.organization_id,
            "version": record.version,
        }
        try:
            await write(
                [
                    GuardedUpdate(PolicyDraftRecord, guard, {"$set": fields}),
                    Insert(PolicyDraftRevision, document_of(revision)),
                ],
                event,
            )
        except GuardFailed:
            return False
        return True

    async def revisions(
        self, record: PolicyDraftRecord, first: int, before: int | None = None
    ) -> Page[PolicyDraftRevision]:
        """Revisions of ``record`` numbered below ``before``, newest first. Revisions kept
        inside the draft document by earlier versions come after the others (they are the
        oldest) and are numbered 1, 2, ... in the order they were written."""
        query: dict[str, Any] = {
            "organization_id": self.scope.organization_id,
            "draft_id": record.id,
        }
        if before is not None:
            query["number"] = {"$lt": before}
        rows = (
            await PolicyDraftRevision.find(query)
            .sort(
                [
                    ("organization_id", SortDirection.ASCENDING),
                    ("draft_id", SortDirection.ASCENDING),
                    ("number", SortDirection.DESCENDING),
                ]
            )
            .limit(first + 1)
            .to_list()
        )
        if len(rows) <= first and record.revisions:
            legacy = [
                PolicyDraftRevision(
                    organization_id=record.organization_id,
                    draft_id=PydanticObjectId(record.id),
                    number=number,
                    body=str(kept["body"]),
                    status=str(kept["status"]),
                    replaced_at=kept["replaced_at"],
                    replaced_by=str(kept["replaced_by"]),
                )
                for number, kept in enumerate(record.revisions, start=1)
            ]
            rows += [r for r in reversed(legacy) if before is None or r.number < before][
                : first + 1 - len(rows)
            ]
        return Page(items=rows[:first], has_next=len(rows) > first)

    # -- token budgets ---------------------------------------------------------------

    async def payer(self) -> str:
        """Whose per-principal budget a draft spends: the caller, or for an API key the
        person who created it (following keys that created keys), so that keys minted in
        new organisations bring no fresh budget."""
        principal = self.scope.principal
        subject = principal.subject
        if principal.kind is not PrincipalKind.API_KEY:
            return subject
        for _hop in range(MAX_KEY_CHAIN):
            if not subject.startswith("apikey:") or not ObjectId.is_valid(subject[7:]):
                return subject
            key = await ApiKey.get_pymongo_collection().find_one(
                {"_id": ObjectId(subject[7:])}, {"created_by": 1}
            )
            if key is None:
                return subject
            subject = str(key["created_by"])
        return subject

    async def tokens_used(self, day: str, payer: str) -> tuple[int, int]:
        """Tokens spent or reserved today by the organisation and by ``payer``."""
        organization = await LlmUsage.get_pymongo_collection().find_one(
            {"organization_id": self.scope.organization_id, "day": day}, {"tokens": 1}
        )
        principal = await PrincipalLlmUsage.get_pymongo_collection().find_one(
            {"subject": payer, "day": day}, {"tokens": 1}
        )
        return (
            int(organization["tokens"]) if organization else 0,
            int(principal["tokens"]) if principal else 0,
        )

    def _usage_rows(self, day: str, payer: str) -> list[tuple[Any, dict[str, Any]]]:
        return [
            (
                LlmUsage.get_pymongo_collection(),
                {"organization_id": self.scope.organization_id, "day": day},
            ),
            (PrincipalLlmUsage.get_pymongo_collection(), {"subject": payer, "day": day}),
        ]

    async def reserve(self, day: str, payer: str, tokens: int, budgets: tuple[int, int]) -> bool:
        """Set ``tokens`` aside from the organisation's budget and the payer's, each only if
        its total stays within the budget (``budgets``: organisation, payer). Each is one
        conditional update, so concurrent reservations cannot together pass a budget; when
        the second is refused the first is given back."""
        taken: list[tuple[Any, dict[str, Any]]] = []
        for (collection, key), budget in zip(self._usage_rows(day, payer), budgets, strict=True):
            if not await _take(collection, key, tokens, budget):
                for done_collection, done_key in taken:
                    await done_collection.update_one(done_key, {"$inc": {"tokens": -tokens}})
                return False
            taken.append((collection, key))
        return True

    async def adjust(self, day: str, payer: str, tokens: int) -> None:
        """True reservations up (or down) to the tokens actually used."""
        if tokens:
            for collection, key in self._usage_rows(day, payer):
                await collection.update_one(key, {"$inc": {"tokens": tokens}})


MAX_KEY_CHAIN = 5


async def _take(collection: Any, key: dict[str, Any], tokens: int, budget: int) -> bool:
    """Add ``tokens`` to the usage row ``key`` if it stays within ``budget``.

    The conditional ``$inc`` is atomic. The day's row is created by a plain insert (never
    by an upsert of the guarded update, which would grant a reservation past the budget);
    when another reservation inserted it first, the guarded update decides."""
    if tokens > budget:
        return False
    guarded = {**key, "tokens": {"$lte": budget - tokens}}
    if (await collection.update_one(guarded, {"$inc": {"tokens": tokens}})).matched_count:
        return True
    try:
        await collection.insert_one({**key, "tokens": tokens})
    except DuplicateKeyError:
        result = await collection.update_one(guarded, {"$inc": {"tokens": tokens}})
        return bool(result.matched_count)
    return True


class AuditRepository:
    """An organisation's audit events, newest first. There is no update or delete here."""

    def __init__(self, scope: TenantScope) -> None:
        self.scope = scope

    async def page(self, first: int, after: ObjectId | None) -> Page[AuditEvent]:
        query: dict[str, Any] = {"organization_id": self.scope.organization_id}
        if after is not None:
            query["_id"] = {"$lt": after}
        rows = (
            await AuditEvent.find(query)
            .sort([("organization_id", SortDirection.ASCENDING), ("_id", SortDirection.DESCENDING)])
            .limit(first + 1)
            .to_list()
        )
        return Page(items=rows[:first], has_next=len(rows) > first)


class OrganizationKeys:
    """API keys of one organisation."""

    def __init__(self, scope: TenantScope) -> None:
        self.scope = scope

    async def list(self) -> list[ApiKey]:
        return (
            await ApiKey.find(ApiKey.organization_id == self.scope.organization_id)
            .sort([("_id", SortDirection.DESCENDING)])
            .to_list()
        )

    async def create(self, name: str, role: Role, event: dict[str, Any]) -> tuple[ApiKey, str]:
        from service.storage.writes import Insert, write  # noqa: PLC0415

        new = api_keys.generate()
        key_id = PydanticObjectId()
        record = ApiKey(
            id=key_id,
            name=name,
            lookup=new.lookup,
            digest=new.digest,
            subject=f"apikey:{key_id}",
            organization_id=self.scope.organization_id,
            role=role,
            created_at=now(),
            created_by=self.scope.principal.subject,
        )
        event["target_id"] = str(key_id)
        await write([Insert(ApiKey, document_of(record))], event)
        return record, new.secret

    async def revoke(self, key_id: ObjectId, event: dict[str, Any]) -> ApiKey | None:
        from service.storage.writes import (  # noqa: PLC0415 - writes imports this module
            GuardedUpdate,
            GuardFailed,
            write,
        )

        existing = await ApiKey.find_one(
            ApiKey.id == key_id, ApiKey.organization_id == self.scope.organization_id
        )
        if existing is None or existing.revoked_at is not None:
            return None
        guard = {"_id": key_id, "organization_id": self.scope.organization_id, "revoked_at": None}
        try:
            await write([GuardedUpdate(ApiKey, guard, {"$set": {"revoked_at": now()}})], event)
        except GuardFailed:
            return None
        return await ApiKey.find_one(
            ApiKey.id == key_id, ApiKey.organization_id == self.scope.organization_id
        )
