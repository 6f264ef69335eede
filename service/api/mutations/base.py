"""The one shape of a mutation: decode ids, call a service, map ``DomainError`` to a payload.

Every mutation's resolver runs its work through ``mutate``, so a domain error
becomes ``errors: [UserError!]!`` in one place. Here, too, every error's
``field`` is made to name the input of the mutation that was called: domain
code reports paths such as ``organizationId`` (the organisation it checked),
which a mutation whose input has no such field (``saveAnswers`` takes an
``assessmentId``) would otherwise hand back to a client that never sent it.
A path that names no field of the input points at the input's first id field
(``["input", "assessmentId"]``), the thing the mutation acts on, or at nothing
when the input has no id; a path that does name one is kept as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache, wraps
from typing import Any, Protocol, get_type_hints

import strawberry
from bson import ObjectId
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField

from service.api.errors import UserError
from service.api.ids import decode_id
from service.api.types.assessment import TYPE_NAME as ASSESSMENT
from service.errors import DomainError, FieldPath, NotFound

_NAMES = NameConverter(auto_camel_case=True)


@cache
def input_fields(input_type: type) -> tuple[tuple[str, ...], str | None]:
    """The GraphQL names of an input type's fields, and its first id field if any."""
    definition = get_object_definition(input_type, strict=True)
    names = tuple(_NAMES.get_graphql_name(f) for f in definition.fields)
    subject = next((_NAMES.get_graphql_name(f) for f in definition.fields if _is_id(f.type)), None)
    return names, subject


def _is_id(field_type: object) -> bool:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    return field_type is strawberry.ID


def input_path(input_type: type, field: FieldPath | None) -> list[str] | None:
    """``field`` when it names a field of ``input_type`` (as ``["input", name, ...]`` or, as
    answer paths do, ``[name, ...]``); else the input's id field, or None if it has none."""
    if field is None:
        return None
    names, subject = input_fields(input_type)
    inner = field[1:] if field and field[0] == "input" else field
    if inner and inner[0] in names:
        return [str(part) for part in field]
    return ["input", subject] if subject else None


def payload_errors(input_type: type, error: DomainError) -> list[UserError]:
    return [
        UserError(code=p.code, field=input_path(input_type, p.field), message=p.message)
        for p in error.problems
    ]


Resolver = Callable[[Any, Any], Awaitable[Any]]


def payload_mutation(description: str) -> Callable[[Resolver], StrawberryField]:
    """The mutation ``resolve`` makes; a ``DomainError`` it raises becomes its payload's errors.

    The payload type is ``resolve``'s return annotation, built as ``Payload(errors=...)``;
    the GraphQL arguments are ``resolve``'s own (Strawberry follows ``__wrapped__``).
    """

    def decorate(resolve: Resolver) -> StrawberryField:
        failed = get_type_hints(resolve)["return"]

        @wraps(resolve)
        async def guarded(info: Any, input: Any) -> Any:
            try:
                return await resolve(info, input)
            except DomainError as error:
                return failed(errors=payload_errors(type(input), error))

        field: StrawberryField = strawberry.mutation(resolver=guarded, description=description)
        for argument in field.arguments:
            argument.description = argument.description or "What to change, and how."
        return field

    return decorate


def require_id(type_name: str, global_id: str, field: str, what: str) -> ObjectId:
    """The object id in ``global_id``, or NOT_FOUND on ``input.<field>``."""
    object_id = decode_id(type_name, global_id)
    if object_id is None:
        raise NotFound(f"{what} not found", ("input", field))
    return object_id


class AssessmentInput(Protocol):
    @property
    def assessment_id(self) -> strawberry.ID: ...


def assessment_id(input: AssessmentInput) -> ObjectId:
    """The assessment ``input.assessmentId`` names, or NOT_FOUND on that field."""
    return require_id(ASSESSMENT, input.assessment_id, "assessmentId", "assessment")
