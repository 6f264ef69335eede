"""GraphQL objects filled from the domain objects they show, field by field by name.

Most object types show a domain model's attributes under the same names;
``copy_of`` fills those, so a type lists each field once (in its class) rather
than again in a constructor call. Fields with a resolver are computed, not
copied; private fields and renamed ones are passed explicitly.
"""

from __future__ import annotations

from typing import Any, TypeVar

from strawberry.types.base import get_object_definition

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
