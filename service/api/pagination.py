"""Relay connection plumbing shared by every list: page size caps and page info."""

from __future__ import annotations

import strawberry

from service.errors import LimitExceeded

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise LimitExceeded(f"first must be between 0 and {MAX_PAGE_SIZE}", ("first",))
    return first
