"""The API's global ids, for the few places below the API that publish them (webhooks).

A global id is ``base64url("<Type>:<ObjectId hex>")``; ``service.api.ids`` decodes them.
"""

from __future__ import annotations

import base64

from bson import ObjectId


def encode_id(type_name: str, object_id: ObjectId) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode().rstrip("=")
