"""Opaque global ids (``Node.id``) and keyset cursors.

A global id is ``base64url("<Type>:<ObjectId hex>")``. Anything that does not
decode to the expected type reads as missing, never as an error that tells a
caller whether an id exists.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime, time
from typing import Any

import strawberry
from bson import ObjectId
from bson.errors import InvalidId

from service.errors import InvalidInput
from service.ids import encode_id


def global_id(type_name: str, object_id: ObjectId | None) -> strawberry.ID:
    """The ``Node.id`` of a saved document (saved documents always have an ``_id``)."""
    if object_id is None:
        raise ValueError(f"an unsaved {type_name} has no global id")
    return strawberry.ID(encode_id(type_name, object_id))


def decode_any(global_id: str) -> tuple[str, ObjectId] | None:
    if not global_id or len(global_id) > 128:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, hex_id = raw.partition(":")
        return type_name, ObjectId(hex_id)
    except (binascii.Error, UnicodeDecodeError, InvalidId, ValueError, TypeError):
        return None


def decode_id(type_name: str, global_id: str) -> ObjectId | None:
    decoded = decode_any(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def encode_cursor(*values: Any) -> str:
    parts = [str(v) if isinstance(v, ObjectId) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


def id_cursor(after: str | None) -> ObjectId | None:
    """The ``_id`` in a cursor of a list ordered by ``_id``; INVALID for any other cursor."""
    if after is None:
        return None
    values = decode_cursor(after)
    try:
        if values and len(values) == 1:
            return ObjectId(values[0])
    except (InvalidId, TypeError):
        pass
    raise InvalidInput("after is not a cursor of this list", ("after",))


def dated_cursor(after: str | None) -> tuple[datetime, ObjectId] | None:
    """The (day, ``_id``) in a cursor of a list ordered by day then ``_id``; INVALID for
    any other cursor."""
    if after is None:
        return None
    values = decode_cursor(after)
    try:
        if values and len(values) == 2 and isinstance(values[0], str):
            day = date.fromisoformat(values[0][:10])
            return datetime.combine(day, time(), tzinfo=UTC), ObjectId(values[1])
    except (InvalidId, TypeError, ValueError):
        pass
    raise InvalidInput("after is not a cursor of this list", ("after",))
