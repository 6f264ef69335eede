"""The base of every repository: each query starts from the organisations in scope.

A repository holds a ``Scope``, the organisations its queries may reach: one
organisation, the caller's organisations (cross-organisation reads such as
``AssessmentRepository.of_access``), or for the catalog the global documents
(``organization_id`` None) and one organisation's own. Every filter is built by
``_filter``, which writes the organisation condition; subclasses pass only the
other conditions to the helpers here (``_find``, ``_rows``, ``_find_one``,
``_row``, ``_count``, ``_update``, ``_aggregate``, ``_insert_one``) and to
the builders of the steps ``storage.writes.write`` applies (``_insert``,
``_guarded_update``, ``_guarded_delete``). They never name ``organization_id``
and never touch a collection; ``tests/test_storage_scoping.py`` fails when a
query is built anywhere but here.

A few reads come before any organisation is known: a key found by its lookup id
while authenticating, a principal's memberships and token usage by subject.
They start from an entry key instead (``by=``), and only the keys listed in
``ENTRY_KEYS`` are accepted.

Driver errors never leave storage: every public coroutine of a repository turns
a ``PyMongoError`` into ``DatabaseUnavailable`` (see ``__init_subclass__``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from beanie import Document
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from service.principal import PERMISSIONS, Permission, Principal, Role
from service.storage.documents import (
    ApiKey,
    AssessmentRecord,
    AssessmentSummary,
    FrameworkRecord,
    Membership,
    Organization,
    QuestionnaireRecord,
    ReportLink,
    document_of,
)
from service.storage.drafting_documents import PolicyDraftRecord, PrincipalLlmUsage
from service.storage.embedding_documents import IdempotencyRecord, OutboxEvent, WebhookDelivery
from service.storage.failures import translated
from service.storage.writes import GuardedDelete, GuardedUpdate, Insert

DUPLICATE_KEY = 11000
T = TypeVar("T")
D = TypeVar("D", bound=Document)
OrganizationId = ObjectId | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    # Counts everything the page's filter matches, whatever the cursor (one round trip),
    # when a caller asks for it: ``totalCount``.
    count: Callable[[], Awaitable[int]] | None = None


@dataclass(frozen=True, slots=True)
class TenantScope:
    """Proof that ``principal`` may act in ``organization_id`` with ``role``; only
    ``tenancy.Access.scope`` hands one out, after checking the membership."""

    organization_id: ObjectId
    role: Role
    principal: Principal

    def allows(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


class Memberships(Protocol):
    """What repositories read of ``tenancy.Access``: the caller and its organisations."""

    principal: Principal

    async def roles(self) -> Mapping[ObjectId, Role]: ...

    def forget(self, subject: str | None = None) -> None: ...


class _Every:
    """The whole scope (the default of ``within``)."""


EVERY = _Every()
Within = OrganizationId | Sequence[OrganizationId] | _Every


@dataclass(frozen=True, slots=True)
class Scope:
    """The organisations a repository's queries reach (None: global catalog documents)."""

    organizations: tuple[OrganizationId, ...]
    # The same, for membership tests in constant time (a principal may reach thousands).
    _members: frozenset[object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_members", frozenset(self.organizations))

    @classmethod
    def of(cls, *organization_ids: OrganizationId) -> Scope:
        return cls(tuple(dict.fromkeys(organization_ids)))

    def __contains__(self, organization_id: object) -> bool:
        return organization_id in self._members

    def condition(self, within: Within = EVERY) -> Any:
        """The organisation condition: the whole scope, or ``within`` (one organisation or
        a part of the scope), which must lie inside it."""
        if isinstance(within, _Every):
            ids = self.organizations
        else:
            ids = tuple(within) if isinstance(within, Sequence) else (within,)
            if any(i not in self._members for i in ids):
                raise PermissionError("organisation outside the repository's scope")
        return ids[0] if len(ids) == 1 else {"$in": list(ids)}


# The only ways into a tenant collection that do not start from an organisation.
ENTRY_KEYS: dict[type[Document], frozenset[str]] = {
    # Authentication (lookup id), the key itself once found, and the payer chain of keys
    # created by keys (own id); the development admin keys by their flag.
    # Platform admins list and revoke provisioning keys by their flag and id.
    ApiKey: frozenset({"lookup", "_id", "local_admin", "provisioning"}),
    # The caller's own memberships: what ``tenancy.Access`` derives every scope from; and
    # the start-up backfill of the organisation names memberships carry (by a missing one).
    Membership: frozenset({"subject", "organization_name"}),
    # A principal's token budget, which spans its organisations.
    PrincipalLlmUsage: frozenset({"subject"}),
    # Drafts whose generating pod stopped (its lease lapsed), before their organisation
    # is known; each is then finished within its organisation.
    PolicyDraftRecord: frozenset({"generating"}),
    # The start-up backfill of assessment summaries (assessments stored before them).
    AssessmentRecord: frozenset({"_id"}),
    AssessmentSummary: frozenset({"_id"}),
    # A retried mutation's first response, by the digest of (principal, Idempotency-Key).
    IdempotencyRecord: frozenset({"_id"}),
    # A shared report link, by the digest of the token its URL carries.
    ReportLink: frozenset({"digest"}),
    # The webhook worker, before it knows whose rows are due: changes due to be fanned out,
    # and deliveries due to be sent (each then read and written in its organisation).
    OutboxEvent: frozenset({"due_at"}),
    WebhookDelivery: frozenset({"status"}),
    # A published catalog version by the id a scoped record pinned (versions never change).
    FrameworkRecord: frozenset({"_id"}),
    QuestionnaireRecord: frozenset({"_id"}),
}


def tenant_field(document: type[Document]) -> str | None:
    """The field holding a document's organisation (an organisation's own ``_id``)."""
    if document is Organization:
        return "_id"
    return "organization_id" if "organization_id" in document.model_fields else None


def _is_lookup(value: object) -> bool:
    return isinstance(value, ObjectId) or (isinstance(value, dict) and set(value) == {"$in"})


def _collection(document: type[Document]) -> Any:
    return document.get_pymongo_collection()


class Repository:
    """Base of every repository: the scope, the scoped filter, and the query helpers."""

    def __init__(self, reach: Scope | Sequence[OrganizationId] = ()) -> None:
        self.reach = reach if isinstance(reach, Scope) else Scope.of(*reach)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Translate driver errors in every public coroutine a subclass defines."""
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if name.startswith("_"):
                continue
            if isinstance(member, staticmethod | classmethod):
                function = member.__func__
                if inspect.iscoroutinefunction(function):
                    setattr(cls, name, type(member)(translated(function)))
            elif inspect.iscoroutinefunction(member):
                setattr(cls, name, translated(member))

    # -- filters -------------------------------------------------------------------

    def _filter(
        self,
        document: type[Document],
        /,
        *,
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A filter on ``document``: the organisation condition, then ``extra``. With
        ``by`` (key, value), one of the document's ``ENTRY_KEYS`` instead."""
        if by is not None:
            key, value = by
            if key not in ENTRY_KEYS.get(document, frozenset()):
                raise PermissionError(f"{document.__name__} is not reached by {key}")
            return {key: value, **extra}
        field = tenant_field(document)
        if field is None:
            raise PermissionError(f"{document.__name__} holds no organisation")
        if field in extra:
            raise ValueError("the organisation condition is the scope's")
        condition = self.reach.condition(within)
        if "_id" in extra and _is_lookup(extra["_id"]):
            # Known ids come first: the embedded server's planner follows field order, and
            # an id finds its document rather than scanning the organisation's.
            identity = extra.pop("_id")
            return {"_id": identity, field: condition, **extra}
        return {field: condition, **extra}

    def _owned(self, document: type[Document], row: Mapping[str, Any], by: str | None) -> None:
        """Refuse to write a document outside the scope."""
        if by is not None:
            if by not in ENTRY_KEYS.get(document, frozenset()) or by not in row:
                raise PermissionError(f"{document.__name__} is not reached by {by}")
            return
        field = tenant_field(document)
        if field is None or row.get(field) not in self.reach:
            raise PermissionError(f"{document.__name__} outside the repository's scope")

    # -- reads ---------------------------------------------------------------------

    async def _rows(
        self,
        document: type[Document],
        /,
        *,
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        projection: Mapping[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
        batch_size: int = 0,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """Stored rows, as the driver returns them (projected ones are not documents). The
        reads below take the same keywords and pass them on. ``batch_size`` bounds what
        one reply decodes at once (0: the server's default)."""
        cursor = _collection(document).find(
            self._filter(document, within=within, by=by, **extra),
            projection=projection,
            sort=sort,
            limit=limit,
            batch_size=batch_size,
        )
        rows: list[dict[str, Any]] = await cursor.to_list()
        return rows

    async def _row(self, document: type[Document], /, **query: Any) -> dict[str, Any] | None:
        """The first of ``_rows(document, **query)``, or None."""
        rows = await self._rows(document, limit=1, **query)
        return rows[0] if rows else None

    async def _find(self, document: type[D], /, **query: Any) -> list[D]:
        """``_rows(document, **query)`` as documents (so never projected)."""
        return [document.model_validate(row) for row in await self._rows(document, **query)]

    async def _find_one(self, document: type[D], /, **query: Any) -> D | None:
        """``_row(document, **query)`` as a document."""
        row = await self._row(document, **query)
        return document.model_validate(row) if row is not None else None

    async def _count(
        self,
        document: type[Document],
        /,
        *,
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        **extra: Any,
    ) -> int:
        found: int = await _collection(document).count_documents(
            self._filter(document, within=within, by=by, **extra)
        )
        return found

    async def _total(self, document: type[Document]) -> int:
        """The collection's size as the server estimates it (from metadata, no scan)."""
        total: int = await _collection(document).estimated_document_count()
        return total

    async def _aggregate(
        self,
        document: type[Document],
        stages: Sequence[Mapping[str, Any]],
        /,
        *,
        within: Within = EVERY,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """``stages`` after a ``$match`` on the scope (and ``extra``)."""
        pipeline = [{"$match": self._filter(document, within=within, **extra)}, *stages]
        rows: list[dict[str, Any]] = await (
            await _collection(document).aggregate(pipeline)
        ).to_list()
        return rows

    # -- writes that stand alone (no audit event) -----------------------------------

    async def _update(
        self,
        document: type[Document],
        update: Mapping[str, Any],
        /,
        *,
        many: bool = False,
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        **extra: Any,
    ) -> int:
        """Update the first matching document, or every one with ``many``; the number
        matched (0 or 1 without ``many``)."""
        collection = _collection(document)
        apply = collection.update_many if many else collection.update_one
        result = await apply(self._filter(document, within=within, by=by, **extra), update)
        matched: int = result.matched_count
        return matched

    async def _delete(
        self,
        document: type[Document],
        /,
        *,
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        **extra: Any,
    ) -> int:
        """Delete every matching document; how many went."""
        result = await _collection(document).delete_many(
            self._filter(document, within=within, by=by, **extra)
        )
        deleted: int = result.deleted_count
        return deleted

    async def _insert_one(
        self, document: type[Document], row: Mapping[str, Any], /, *, by: str | None = None
    ) -> bool:
        """Insert ``row``; False when it collides with a unique index."""
        self._owned(document, row, by)
        try:
            await _collection(document).insert_one(dict(row))
        except DuplicateKeyError:
            return False
        return True

    async def _insert_new(self, document: type[Document], rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert those of ``rows`` whose ids are not stored yet; how many were new."""
        for row in rows:
            self._owned(document, row, None)
        if not rows:
            return 0
        try:
            result = await _collection(document).insert_many([dict(r) for r in rows], ordered=False)
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise
            inserted: int = error.details.get("nInserted", 0)
            return inserted
        return len(result.inserted_ids)

    async def _lease(
        self,
        document: type[Document],
        update: Mapping[str, Any],
        /,
        *,
        sort: Sequence[tuple[str, int]],
        within: Within = EVERY,
        by: tuple[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any] | None:
        """Update the first matching document in ``sort`` order and return it as updated,
        in one atomic step (a lease: no two callers take the same document)."""
        row: dict[str, Any] | None = await _collection(document).find_one_and_update(
            self._filter(document, within=within, by=by, **extra),
            update,
            sort=list(sort),
            return_document=ReturnDocument.AFTER,
        )
        return row

    # -- steps of ``storage.writes.write`` ------------------------------------------

    def _insert(
        self,
        document: type[Document],
        record: Document | Mapping[str, Any],
        /,
        *,
        by: str | None = None,
    ) -> Insert:
        row = document_of(record) if isinstance(record, Document) else dict(record)
        self._owned(document, row, by)
        return Insert(document, row)

    def _guarded_update(
        self,
        document: type[Document],
        update: dict[str, Any],
        /,
        *,
        within: Within = EVERY,
        **guard: Any,
    ) -> GuardedUpdate:
        return GuardedUpdate(document, self._filter(document, within=within, **guard), update)

    def _guarded_delete(
        self, document: type[Document], /, *, within: Within = EVERY, **guard: Any
    ) -> GuardedDelete:
        return GuardedDelete(document, self._filter(document, within=within, **guard))

    @staticmethod
    def _one(organization_id: ObjectId) -> Repository:
        """A repository over one organisation, for a caller holding a ``TenantScope`` of it
        or creating it (no scope holds a new organisation yet)."""
        return Repository(Scope.of(organization_id))
