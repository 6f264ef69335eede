"""An assessment's answers and report, stored packed: zlib-compressed BSON in one field each.

An assessment is read and written whole: every save reads all its answers to compute the
report, and writes the answers and the report it gave. Stored as plain arrays they made a
~100 KB document (35 KB of answers, 64 KB of report), and a save of one answer moves
scores across the report, so even a write of only the changed paths was about 32 KB.
Packed, the same assessment is about 21 KB (answers 5.5 KB, report 14.5 KB): fewer bytes
on every read and write, in the journal and the oplog, and on the embedded server, which
diffs every updated document against its previous version field by field, a save costs a
fraction of what it did (see bench/RESULTS.md).

Nothing queries inside answers or reports: lists and aggregations read the assessment's
summary (``AssessmentSummary``), whose headline fields stay plain. Packing level 1 costs
about 0.5 ms for a full report and unpacking 0.2 ms. A field stored plain (an assessment
written before packing) is read as it is and packed at its next write.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import bson
from bson.codec_options import CodecOptions

PACKED_FIELDS = ("answers", "report")
LEVEL = 1
_KEY = "v"
# As the service's client decodes (``tz_aware``): a date comes back as it went in.
_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


def pack(value: Any) -> bson.Binary:
    return bson.Binary(zlib.compress(bson.encode({_KEY: value}), LEVEL))


def unpack(stored: Any) -> Any:
    """The value of a packed field; a plain one (stored before packing) as it is."""
    if isinstance(stored, bytes):
        return bson.decode(zlib.decompress(stored), codec_options=_OPTIONS)[_KEY]
    return stored


def packed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with the packed ones packed (for an insert or a ``$set``)."""
    return {
        key: pack(value) if key in PACKED_FIELDS and not isinstance(value, bytes) else value
        for key, value in fields.items()
    }


def unpacked(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row with its packed fields unpacked, in place."""
    for key in PACKED_FIELDS:
        if key in row:
            row[key] = unpack(row[key])
    return row
