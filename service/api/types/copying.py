"""GraphQL objects filled from the domain objects they show, field by field by name.

Most object types show a domain model's attributes under the same names;
``copy_of`` fills those, so a type lists each field once (in its class) rather
than again in a constructor call. Fields with a resolver are computed, not
copied; private fields and renamed ones are passed explicitly.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Self, TypeVar

import strawberry
from strawberry.types.base import get_object_definition

from service.api.ids import global_id

_T = TypeVar("_T")


_PLAIN: dict[type, tuple[str, ...]] = {}


def _plain_fields(cls: type) -> tuple[str, ...]:
    names = _PLAIN.get(cls)
    if names is None:
        definition = get_object_definition(cls, strict=True)
        fields = definition.fields
        names = _PLAIN[cls] = tuple(f.python_name for f in fields if f.base_resolver is None)
    return names


def copy_of(cls: type[_T], source: object, **values: Any) -> _T:
    """A ``cls`` whose plain fields are ``source``'s attributes of the same name, except
    those ``values`` gives."""
    copied = {name: getattr(source, name) for name in _plain_fields(cls) if name not in values}
    return cls(**copied, **values)


def node_of(cls: type[_T], type_name: str, record: Any, **values: Any) -> _T:
    """``copy_of`` for a type with a global ``id``: the record's ``_id`` under ``type_name``."""
    return copy_of(cls, record, id=global_id(type_name, record.id), **values)


class Copied:
    """A type whose ``of(source)`` is ``copy_of``: every field is the source's attribute."""

    @classmethod
    def of(cls, source: object) -> Self:
        return copy_of(cls, source)


def shown(path: str, graphql_type: object, description: str | None = None) -> Any:
    """A field that shows ``path`` of the object (``"record.version"``), typed ``graphql_type``.

    Assigned without an annotation (``version = shown("record.version", int)``), it keeps
    its place among the type's resolver fields, so the schema's field order is unchanged.
    """
    read = attrgetter(path)

    def resolve(root: Any) -> Any:
        return read(root)

    return strawberry.field(resolver=resolve, graphql_type=graphql_type, description=description)
