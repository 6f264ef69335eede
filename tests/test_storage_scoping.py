"""Tenant scoping is structural: no query on a collection is built outside the scoped base.

Every filter of tenant data starts from the organisation condition, which
``storage/repositories/base.py`` writes and nothing else does. This test walks
the source of ``service/`` and fails on any query of a Beanie document (or any
driver call on a collection) in another module; ``storage/writes.py`` applies
the steps the base builds, and ``storage/database.py`` binds the documents.
It also checks that only storage imports Beanie or PyMongo, and that the base
refuses what would bypass the scope.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from bson import ObjectId

from service.errors import DatabaseUnavailable
from service.storage.database import Database
from service.storage.documents import ApiKey, AssessmentRecord, Membership, Organization
from service.storage.repositories import ApiKeyRepository
from service.storage.repositories.base import Repository, Scope

SERVICE = Path(__file__).resolve().parent.parent / "service"
# Where the Beanie documents are declared (every collection's shape and indexes).
DOCUMENT_MODULES = ("documents", "drafting_documents", "embedding_documents")
DOCUMENTS = [SERVICE / "storage" / f"{module}.py" for module in DOCUMENT_MODULES]
ALLOWED = {
    "storage/repositories/base.py",  # the scoped filter and the query helpers
    "storage/writes.py",  # applies the steps the base builds, with their audit event
    "storage/database.py",  # binds the documents and creates their indexes
}

# Beanie's class-level queries (``Record.find(...)``, ``Record.get(id)``) and its cursors.
DOCUMENT_QUERIES = frozenset(
    {
        "find",
        "find_one",
        "find_many",
        "find_all",
        "get",
        "aggregate",
        "count",
        "distinct",
        "insert",
        "insert_one",
        "insert_many",
        "update",
        "update_one",
        "update_many",
        "update_all",
        "upsert",
        "delete",
        "delete_one",
        "delete_many",
        "delete_all",
        "replace_many",
        "bulk_write",
        "get_pymongo_collection",
        "get_motor_collection",
    }
)
# Calls that only a PyMongo collection (or a Beanie document reaching one) answers.
DRIVER_CALLS = frozenset(
    {
        "get_pymongo_collection",
        "get_motor_collection",
        "find_one",
        "count_documents",
        "estimated_document_count",
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "bulk_write",
        "aggregate",
        "aggregate_raw_batches",
        "find_raw_batches",
        "watch",
    }
)
# A Beanie document instance writing itself: ``record.insert()``, ``record.save()``.
INSTANCE_WRITES = frozenset({"insert", "save", "replace", "delete", "save_changes"})


def document_classes() -> frozenset[str]:
    """Every Beanie document declared in the storage document modules."""
    return frozenset(
        node.name
        for path in DOCUMENTS
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(base, ast.Name) and base.id == "Document" for base in node.bases)
    )


DOCUMENT_CLASSES = document_classes()


def violations(source: str, name: str = "<source>") -> list[str]:
    """Queries built in ``source``, each as ``name:line: what``."""
    tree = ast.parse(source)
    documents = set(DOCUMENT_CLASSES)
    found: list[str] = []
    for node in ast.walk(tree):
        # Documents imported under another name are documents too.
        if isinstance(node, ast.ImportFrom) and node.module in {
            f"service.storage.{module}" for module in DOCUMENT_MODULES
        }:
            documents |= {alias.asname for alias in node.names if alias.asname}
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                if module.split(".")[0] in {"beanie", "pymongo", "motor"}:
                    found.append(f"{name}:{node.lineno}: imports {module}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in documents:
            if method in DOCUMENT_QUERIES:
                found.append(f"{name}:{node.lineno}: {receiver.id}.{method}()")
        elif method in DRIVER_CALLS:
            found.append(f"{name}:{node.lineno}: .{method}()")
        elif method in INSTANCE_WRITES and not node.args and not node.keywords:
            found.append(f"{name}:{node.lineno}: .{method}() on a document")
    return found


def modules() -> list[Path]:
    return sorted(SERVICE.rglob("*.py"))


def test_the_document_list_comes_from_documents_py() -> None:
    assert {
        "Organization",
        "Membership",
        "ApiKey",
        "FrameworkRecord",
        "QuestionnaireRecord",
        "AssessmentRecord",
        "AnswerRevision",
        "AuditEvent",
        "PolicyDraftRecord",
        "PolicyDraftRevision",
        "LlmUsage",
        "PrincipalLlmUsage",
    } <= DOCUMENT_CLASSES


def test_no_query_is_built_outside_the_scoped_base() -> None:
    found: list[str] = []
    for path in modules():
        relative = path.relative_to(SERVICE).as_posix()
        if relative in ALLOWED:
            continue
        problems = violations(path.read_text(), relative)
        if relative.startswith("storage/"):
            # Storage may import the driver; it may not query around the base.
            problems = [p for p in problems if ": imports " not in p]
        found += problems
    assert found == [], "\n".join(found)


def test_the_walk_catches_an_inline_query() -> None:
    leak = """
from service.storage.documents import AssessmentRecord as Record, AuditEvent

async def leak(organization_id):
    rows = await Record.find({"organization_id": organization_id}).to_list()
    raw = await AuditEvent.get_pymongo_collection().find_one({})
    await Record.get(organization_id)
    return rows, raw
"""
    assert sorted(violations(leak, "leak.py")) == [
        "leak.py:5: Record.find()",
        "leak.py:6: .find_one()",
        "leak.py:6: AuditEvent.get_pymongo_collection()",
        "leak.py:7: Record.get()",
    ]


def test_the_walk_catches_a_driver_import_and_an_instance_write() -> None:
    leak = """
from pymongo.errors import PyMongoError
from beanie import SortDirection

async def publish(record):
    await record.insert()
"""
    assert violations(leak, "leak.py") == [
        "leak.py:2: imports pymongo.errors",
        "leak.py:3: imports beanie",
        "leak.py:6: .insert() on a document",
    ]


def test_the_walk_leaves_plain_python_alone() -> None:
    plain = """
def f(text, items, mapping):
    items.insert(0, text.find("x"))
    return mapping.get("key"), sorted(items), mapping.update({"a": 1})
"""
    assert violations(plain) == []


def test_the_organisation_condition_is_written_by_the_base_only() -> None:
    one, other = ObjectId(), ObjectId()
    repository = Repository([one])
    assert repository._filter(AssessmentRecord, status="DRAFT") == {
        "organization_id": one,
        "status": "DRAFT",
    }
    # A known id comes first, then the organisation.
    assert list(repository._filter(AssessmentRecord, _id=other, version=2)) == [
        "_id",
        "organization_id",
        "version",
    ]
    # An organisation's own document is scoped by its id.
    assert repository._filter(Organization) == {"_id": one}
    assert Repository([one, other])._filter(Membership) == {
        "organization_id": {"$in": [one, other]}
    }
    # Nothing reaches nothing.
    assert Repository()._filter(Membership) == {"organization_id": {"$in": []}}
    with pytest.raises(ValueError, match="scope"):
        repository._filter(AssessmentRecord, organization_id=other)
    with pytest.raises(PermissionError):
        repository._filter(AssessmentRecord, within=other)
    with pytest.raises(PermissionError):
        repository._filter(AssessmentRecord, by=("subject", "user:x"))
    with pytest.raises(PermissionError):
        repository._insert(Membership, {"organization_id": other, "subject": "user:x"})
    assert repository._filter(ApiKey, by=("lookup", "abc")) == {"lookup": "abc"}
    assert Scope.of(None, one).condition(None) is None


async def test_driver_errors_leave_storage_as_database_unavailable(
    mongo_uri: str, db_name: str
) -> None:
    nowhere = Database("mongodb://127.0.0.1:9/?directConnection=true", db_name, 200)
    try:
        with pytest.raises(DatabaseUnavailable):
            await nowhere.connect()
    finally:
        await nowhere.close()
    database = Database(mongo_uri, db_name)
    await database.connect()
    await database.close()
    # A closed client refuses every command: a PyMongoError inside each repository method.
    with pytest.raises(DatabaseUnavailable):
        await ApiKeyRepository().find_active("rk_" + "x" * 40)
    with pytest.raises(DatabaseUnavailable):
        await ApiKeyRepository().revoke_local_admin_keys()
