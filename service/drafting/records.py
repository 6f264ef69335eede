"""The stored records of policy drafts that the API may read, named in the domain layer."""

from __future__ import annotations

from service.storage.drafting_documents import PolicyDraftRecord, PolicyDraftRevision

__all__ = ["PolicyDraftRecord", "PolicyDraftRevision"]
