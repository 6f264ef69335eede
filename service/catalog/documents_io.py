"""Reading catalog documents (YAML or JSON), defensively, before any validation.

Every limit is checked before or while parsing, never after: a document over
``MAX_UPLOAD_BYTES`` is refused unread; nesting deeper than ``MAX_NESTING``
is refused as soon as the parser reaches it (a JSON pre-scan counts brackets
outside strings; YAML events are read lazily and the read stops at the first
level too deep), so a 40 KB nesting bomb costs microseconds, not the minutes
PyYAML's simple-key bookkeeping would spend on it; a YAML document of more
than ``MAX_YAML_NODES`` nodes is refused before any object is built. YAML aliases
are refused (an alias bomb expands exponentially once serialised). An integer
outside the 64-bit range (what MongoDB stores) is never built: it becomes a
problem at its path, which also keeps Python's 4,300-digit ``int()`` limit
from surfacing as a crash. Anything that is not a mapping is refused too.

This is synchronous, bounded work: callers on the event loop run it in the
worker pool (``service.offload``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal

import yaml

from service.catalog.validation import CatalogError, CatalogLimitExceeded, format_path

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_NESTING = 32
# Building Python objects from YAML costs far more per node than parsing (about 20 s for
# a 900 KB document of 500,000 tiny nodes); the shipped SOC 2 questionnaire has ~7,000.
MAX_YAML_NODES = 50_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Longest integer scalar worth converting: 19 digits, a sign, and room for YAML's
# ``0x``/``0o`` prefixes and ``_`` separators; anything longer is out of range anyway.
MAX_INTEGER_TEXT = 40

# libyaml when present (about 30 times faster); the checks below work with either.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
# A JSON string (possibly unterminated: it then runs to the end) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)


class _OutOfRange:
    """Stands in for an integer that was not converted; reported with its path."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return f"integer outside the 64-bit range ({len(self.text)} characters)"


def _bounded_int(text: str, convert: Any) -> int | _OutOfRange:
    if len(text) > MAX_INTEGER_TEXT:
        return _OutOfRange(text)
    number: int = convert()
    return number if INT64_MIN <= number <= INT64_MAX else _OutOfRange(text)


class _BoundedYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe YAML loading whose integers are range-checked before conversion."""

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int | _OutOfRange:
        return _bounded_int(str(node.value), lambda: self.construct_yaml_int(node))


_BoundedYamlLoader.add_constructor(
    "tag:yaml.org,2002:int", _BoundedYamlLoader.construct_bounded_int
)


def _too_deep(where: str) -> CatalogLimitExceeded:
    return CatalogLimitExceeded([f"(document): nested deeper than {MAX_NESTING} levels{where}"])


def _yaml_events(text: str) -> Iterator[yaml.Event]:
    try:
        yield from yaml.parse(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as error:
        # libyaml stops at its own nesting limit (1,000) while looking ahead for a key.
        if "maximum nesting depth" in str(error.problem):
            mark = error.problem_mark
            raise _too_deep(f" (line {mark.line + 1})" if mark else "") from None
        raise


def _check_yaml_shape(text: str) -> None:
    depth = nodes = 0
    for event in _yaml_events(text):
        if isinstance(event, yaml.AliasEvent):
            raise CatalogError(["(document): YAML aliases are not accepted"])
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise CatalogLimitExceeded([f"(document): more than {MAX_YAML_NODES} YAML nodes"])
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise _too_deep(
                    f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
                )
        elif isinstance(event, _CLOSING):
            depth -= 1


def _check_json_shape(text: str) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(f" (character {token.start()})")
        elif bracket in ("]", "}"):
            depth -= 1


def _json_int(text: str) -> int | _OutOfRange:
    return _bounded_int(text, lambda: int(text))


def _out_of_range(value: object, path: tuple[str | int, ...] = ()) -> Iterator[str]:
    # Recursion is safe: nesting was bounded before parsing.
    if isinstance(value, _OutOfRange):
        yield f"{format_path(path)}: {value}"
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, _OutOfRange):
                yield f"{format_path(path)}: key {key}"
            yield from _out_of_range(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _out_of_range(item, (*path, index))


def _parse(text: str, format: Literal["YAML", "JSON"]) -> object:
    if format == "JSON":
        _check_json_shape(text)
        return json.loads(text, parse_int=_json_int)
    _check_yaml_shape(text)
    return yaml.load(text, Loader=_BoundedYamlLoader)  # noqa: S506 - a safe loader


def _where(error: Exception) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0] or type(error).__name__
    if mark is None:
        return f": {problem}"
    return f" at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def read_document(text: str, format: Literal["YAML", "JSON"]) -> dict[str, Any]:
    """The document as a mapping; raises ``CatalogError`` (``CatalogLimitExceeded`` for
    size and nesting) with path-style problems."""
    if len(text) > MAX_UPLOAD_BYTES or len(text.encode()) > MAX_UPLOAD_BYTES:
        raise CatalogLimitExceeded([f"(document): larger than {MAX_UPLOAD_BYTES} bytes"])
    try:
        loaded = _parse(text, format)
    except CatalogError:
        raise
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        raise CatalogError([f"(document): not valid {format}{_where(error)}"]) from None
    if problems := list(_out_of_range(loaded)):
        raise CatalogError(problems)
    if not isinstance(loaded, dict):
        raise CatalogError(["(document): must be a mapping of fields"])
    return loaded
