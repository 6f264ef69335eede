"""The Relay ``Node`` interface, and the node types by name.

Object types refer to each other (an organisation lists its assessments, an
assessment names its organisation). The module lower in that pair imports
the other's class at run time from this registry instead of importing its
module, so type modules never import each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

_T = TypeVar("_T", bound=type)
_TYPES: dict[str, type] = {}


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global id: it names the type and the object; pass it to `node(id:)`."
    )


def registered(name: str) -> Callable[[_T], _T]:
    """Class decorator: make a node type findable by its GraphQL name."""

    def register(cls: _T) -> _T:
        _TYPES[name] = cls
        return cls

    return register


def node_class(name: str) -> Any:
    """The registered class of the node type ``name`` (its module is imported by the schema)."""
    return _TYPES[name]
