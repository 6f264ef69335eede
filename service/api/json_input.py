"""Decoding client JSON (request bodies, variables, WebSocket messages) with bounds.

``json.loads`` recurses once per nesting level and Python refuses to turn
more than 4,300 digits into an int, so a body of 100,000 ``[`` or one
5,000-digit number raised RecursionError or ValueError deep inside the
server: a 500. Here nesting is measured before parsing (strings removed,
brackets counted, all in C-speed passes) and integers must fit the 64 bits
MongoDB stores; anything else is a ``json.JSONDecodeError`` that callers
already answer with 400.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate, repeat

MAX_DEPTH = 64
# MongoDB stores integers as 64-bit; a larger one could only fail later, and worse.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
MAX_INT_DIGITS = 19

# Escapes first, then whole strings: both patterns scan linearly, so brackets inside
# strings cannot count and a string of quotes and backslashes cannot make them backtrack.
_ESCAPES = re.compile(r"\\.", re.DOTALL)
_STRINGS = re.compile(r'"[^"]*"')
_OPENERS_RUN = re.compile(rf"[\[{{]{{{MAX_DEPTH + 1}}}")
_NOT_BRACKETS = {code: None for code in range(128) if chr(code) not in "[]{}"}
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _openers(text: str) -> int:
    return text.count("[") + text.count("{")


def too_deep(text: str) -> bool:
    """Whether arrays and objects nest more than ``MAX_DEPTH`` levels deep in a JSON text."""
    if _openers(text) <= MAX_DEPTH:  # the common case: counting in C, nothing more
        return False
    brackets = _STRINGS.sub("", _ESCAPES.sub("", text)).translate(_NOT_BRACKETS)
    if _openers(brackets) <= MAX_DEPTH:
        return False
    if _OPENERS_RUN.search(brackets):  # a plain bomb, found in C
        return True
    # About 0.1 s for a 1 MiB body of brackets: the same order as json.loads on it.
    return max(accumulate(map(_STEP.get, brackets, repeat(0)))) > MAX_DEPTH


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer out of range")
    value = int(digits)
    if not MIN_INT <= value <= MAX_INT:
        raise ValueError("integer out of range")
    return value


def loads(data: str | bytes) -> object:
    """The decoded JSON, or ``json.JSONDecodeError`` when it is malformed or out of bounds."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if too_deep(text):
        raise json.JSONDecodeError(f"JSON nested deeper than {MAX_DEPTH} levels", text, 0)
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as error:
        raise json.JSONDecodeError(f"JSON value out of range: {error}", text, 0) from error
