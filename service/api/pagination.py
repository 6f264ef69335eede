"""Relay connections shared by every list: ``Connection[T]``, page size caps and page info.

``Connection[Organization]`` is named ``OrganizationConnection`` in the schema
(and its edges ``OrganizationEdge``): Strawberry names a specialised generic by
prefixing the node type's GraphQL name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from service.errors import LimitExceeded

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def connection(
    items: Sequence[ItemT],
    has_next: bool,
    cursor: Callable[[ItemT], str],
    node: Callable[[ItemT], NodeT],
) -> Connection[NodeT]:
    """A page of ``items`` as a connection: each item's cursor and node, and the page info."""
    edges = [Edge(cursor=cursor(item), node=node(item)) for item in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise LimitExceeded(f"first must be between 0 and {MAX_PAGE_SIZE}", ("first",))
    return first
