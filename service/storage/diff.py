"""``$set`` paths that turn one stored value into another, writing only what changed.

A save changes a few answers and a few rows of the report; the rest of the ~100 KB
document stays as it is. ``changed_paths(before, after)`` gives the dotted paths (list
elements by index) whose values differ, descending into dictionaries, and into lists of
the same length, down to ``depth`` levels; a list whose length changed, or where most
elements changed, is written whole. Applied to ``before`` by a guarded update (the
version guard makes ``before`` exactly what is stored), the paths give ``after``.
"""

from __future__ import annotations

from typing import Any

# Past this share of changed elements a list is written whole: one path, fewer bytes.
WHOLE_LIST_SHARE = 0.5


def changed_paths(before: Any, after: Any, prefix: str, depth: int = 2) -> dict[str, Any]:
    """The ``$set`` document (path → value) that makes ``before`` into ``after`` at
    ``prefix``; empty when they are equal."""
    if before == after:
        return {}
    if depth > 0 and isinstance(before, dict) and isinstance(after, dict):
        return _dict_paths(before, after, prefix, depth)
    if depth > 0 and isinstance(before, list) and isinstance(after, list):
        return _list_paths(before, after, prefix)
    return {prefix: after}


def _dict_paths(
    before: dict[Any, Any], after: dict[Any, Any], prefix: str, depth: int
) -> dict[str, Any]:
    if set(before) - set(after) or any(not _safe(key) for key in after):
        return {prefix: after}  # a removed key (or one a path cannot name): whole
    paths: dict[str, Any] = {}
    for key, value in after.items():
        if key not in before:
            paths[f"{prefix}.{key}"] = value
        else:
            paths.update(changed_paths(before[key], value, f"{prefix}.{key}", depth - 1))
    return paths


def _list_paths(before: list[Any], after: list[Any], prefix: str) -> dict[str, Any]:
    if len(before) != len(after):
        return {prefix: after}
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    if len(changed) > WHOLE_LIST_SHARE * len(after):
        return {prefix: after}
    return {f"{prefix}.{i}": after[i] for i in changed}


def _safe(key: object) -> bool:
    """Whether a dictionary key can be a segment of a dotted path."""
    return (
        isinstance(key, str)
        and key != ""
        and "." not in key
        and not key.startswith("$")
        and not key.isdigit()
    )
