"""Writing only what changed gives the same document as writing it whole."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from service.storage.diff import changed_paths

KEYS = st.sampled_from(["a", "b", "c", "gaps", "17", "x.y", "$v"])
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


def apply(document: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """What MongoDB's ``$set`` of dotted paths does (list elements by index)."""
    result = copy.deepcopy(document)
    for path, value in paths.items():
        *parents, last = path.split(".")
        node: Any = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return result


@settings(max_examples=300, deadline=None)
@given(before=VALUES, after=VALUES)
def test_the_changed_paths_turn_before_into_after(before: Any, after: Any) -> None:
    stored = {"report": before}
    paths = changed_paths(before, after, "report")
    assert apply(stored, paths) == {"report": after}
    # Paths never overlap: no path is a prefix of another.
    for path in paths:
        assert not any(other.startswith(path + ".") for other in paths)


def test_a_change_of_one_row_writes_that_row_only() -> None:
    before = {"readiness": 40.0, "controls": [["A", 1], ["B", 0], ["C", 1]], "gaps": [1, 2]}
    after = {"readiness": 45.0, "controls": [["A", 1], ["B", 1], ["C", 1]], "gaps": [1]}
    assert changed_paths(before, after, "report") == {
        "report.readiness": 45.0,
        "report.controls.1": ["B", 1],
        "report.gaps": [1],
    }
    assert changed_paths(before, before, "report") == {}
