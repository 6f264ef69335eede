"""Relay connections shared by every list: ``Connection[T]``, page size caps and page info.

``Connection[Organization]`` is named ``OrganizationConnection`` in the schema
(and its edges ``OrganizationEdge``): Strawberry names a specialised generic by
prefixing the node type's GraphQL name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from service.errors import LimitExceeded

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@strawberry.type(description="Where a page sits in its list (the Relay connection spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor: pass it as `after` for the next page."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (true for a page read after a cursor)."
    )
    start_cursor: str | None = strawberry.field(description="The first item's cursor.")


@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Where this item is: pass it as `after`.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, keyset-paged: `first` items `after` a cursor.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items with cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")
    count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="The page's items.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="How many items the list holds, counted with the same filter as the "
        "page (one count when asked for)."
    )
    async def total_count(self) -> int:
        if self.count is None:
            return len(self.edges)
        return await self.count()


def connection(
    items: Sequence[ItemT],
    has_next: bool,
    cursor: Callable[[ItemT], str],
    node: Callable[[ItemT], NodeT],
    *,
    after: str | None = None,
    count: Callable[[], Awaitable[int]] | None = None,
) -> Connection[NodeT]:
    """A page of ``items`` as a connection: each item's cursor and node, the page info,
    and how to count the whole list (``count``; the page's own length without it)."""
    edges = [Edge(cursor=cursor(item), node=node(item)) for item in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
        ),
        count=count,
    )


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise LimitExceeded(f"first must be between 0 and {MAX_PAGE_SIZE}", ("first",))
    return first
