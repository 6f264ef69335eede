"""Root query fields of organisations and nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import strawberry
from bson import ObjectId
from bson.errors import InvalidId
from strawberry.dataloader import DataLoader

from service.api.context import Info
from service.api.ids import decode_any, decode_cursor, decode_id, encode_cursor
from service.api.pagination import Connection, connection, page_size
from service.api.types.access import ApiKey
from service.api.types.assessment import TYPE_NAME as ASSESSMENT
from service.api.types.assessment import AssessmentType
from service.api.types.catalog import Framework
from service.api.types.ledger import TYPE_NAME as CONTROL_OCCURRENCE
from service.api.types.ledger import ControlOccurrenceType
from service.api.types.node import Node
from service.api.types.organization import (
    TYPE_NAME as ORGANIZATION,
)
from service.api.types.organization import OrganizationType
from service.api.types.policy import TYPE_NAME as POLICY_DRAFT
from service.api.types.policy import PolicyDraftType
from service.api.types.questionnaire import Questionnaire
from service.errors import InvalidInput

_Found = TypeVar("_Found")
_Shown = TypeVar("_Shown")

_FIRST = "How many items to return: 0 to 100 (default 20)."
_AFTER = "Start after this cursor (a previous page's `endCursor`); from the start when null."
_ORGANIZATION_ID = (
    "One of the caller's organisations: its own imported document of that key, if any, is "
    "used instead of the global one. Ignored when it is not the caller's."
)
_VERSION = 'A published version number ("1", "2", ...); the latest when null.'

First = Annotated[int | None, strawberry.argument(description=_FIRST)]
After = Annotated[str | None, strawberry.argument(description=_AFTER)]
OrganizationId = Annotated[strawberry.ID | None, strawberry.argument(description=_ORGANIZATION_ID)]
Version = Annotated[str | None, strawberry.argument(description=_VERSION)]


def _organization_cursor(raw: str | None) -> tuple[str, ObjectId] | None:
    if raw is None:
        return None
    values = decode_cursor(raw)
    if values is not None and len(values) == 2 and isinstance(values[0], str):
        try:
            return values[0], ObjectId(values[1])
        except (InvalidId, TypeError):
            pass
    raise InvalidInput("after is not a cursor of this list", ("after",))


async def organizations(
    info: Info, first: First = None, after: After = None
) -> Connection[OrganizationType]:
    page = await info.context.organizations.page(page_size(first), _organization_cursor(after))
    return connection(
        page.items,
        page.has_next,
        lambda o: encode_cursor(o.name, o.id),
        OrganizationType.of,
        after=after,
        count=page.count,
    )


async def provisioning_keys(info: Info) -> list[ApiKey]:
    return [ApiKey.of(record) for record in await info.context.provisioning.all()]


async def organization(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The organisation's global id.")],
) -> OrganizationType | None:
    return await _by_id(ORGANIZATION, id, info.context.organization_loader, OrganizationType.of)


async def node(
    info: Info,
    id: Annotated[
        strawberry.ID,
        strawberry.argument(
            description="A global id of an Organization, Assessment, PolicyDraft or "
            "ControlOccurrence."
        ),
    ],
) -> Node | None:
    decoded = decode_any(id)
    if decoded is None:
        return None
    type_name, object_id = decoded
    if type_name == ORGANIZATION:
        record = await info.context.organization_loader.load(object_id)
        return OrganizationType.of(record) if record else None
    if type_name == ASSESSMENT:
        view = await info.context.assessment_loader.load(object_id)
        return AssessmentType.of(view) if view else None
    if type_name == POLICY_DRAFT:
        draft = await info.context.drafting.get(object_id)
        return PolicyDraftType.of(draft) if draft else None
    if type_name == CONTROL_OCCURRENCE:
        occurrence = await info.context.ledger.get(object_id)
        return ControlOccurrenceType.of(occurrence) if occurrence else None
    return None


async def _catalog_owner(info: Info, organization_id: strawberry.ID | None) -> ObjectId | None:
    """The organisation whose own catalog documents are visible too, if the caller is in it."""
    if organization_id is None:
        return None
    object_id = decode_id(ORGANIZATION, organization_id)
    if object_id is None or await info.context.access.readable_scope(object_id) is None:
        return None
    return object_id


async def frameworks(
    info: Info,
    organization_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="One of the caller's organisations, whose own imported frameworks are "
            "listed too; ignored when it is not the caller's."
        ),
    ] = None,
) -> list[Framework]:
    owner = await _catalog_owner(info, organization_id)
    return [Framework(version_record=v) for v in await info.context.catalog.frameworks(owner)]


async def framework(
    info: Info,
    key: Annotated[
        str, strawberry.argument(description="The framework's key (soc2 for the shipped one).")
    ],
    version: Version = None,
    organization_id: OrganizationId = None,
) -> Framework | None:
    owner = await _catalog_owner(info, organization_id)
    found = await info.context.catalog.framework(key, version, owner)
    return Framework(version_record=found) if found else None


async def questionnaire(
    info: Info,
    key: Annotated[
        str,
        strawberry.argument(
            description="The questionnaire's key (soc2-readiness for the shipped one)."
        ),
    ],
    version: Version = None,
    organization_id: OrganizationId = None,
) -> Questionnaire | None:
    owner = await _catalog_owner(info, organization_id)
    catalog = info.context.catalog
    found = await catalog.questionnaire(key, version, owner)
    if found is None:
        return None
    framework_version = await catalog.framework_by_id(found.framework_id)
    if framework_version is None:
        return None
    return Questionnaire(version_record=found, framework_record=framework_version)


async def assessment(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The assessment's global id.")],
) -> AssessmentType | None:
    return await _by_id(ASSESSMENT, id, info.context.assessment_loader, AssessmentType.of)


async def _by_id(
    type_name: str,
    global_id: str,
    loader: DataLoader[ObjectId, _Found | None],
    wrap: Callable[[_Found], _Shown],
) -> _Shown | None:
    """The object ``global_id`` names through the request's loader (tenant-scoped), or None
    when the id is of another type, missing, or another tenant's."""
    object_id = decode_id(type_name, global_id)
    if object_id is None:
        return None
    found = await loader.load(object_id)
    return wrap(found) if found is not None else None
