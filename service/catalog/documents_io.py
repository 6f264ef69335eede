"""Reading catalog documents that users upload (YAML or JSON), defensively.

Uploaded text is size-capped, YAML anchors and aliases are refused (an alias
bomb expands exponentially once serialised), and anything that is not a
mapping is refused with a path-style problem like every other.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

from service.catalog.validation import CatalogError

MAX_UPLOAD_BYTES = 1024 * 1024


def read_document(text: str, format: Literal["YAML", "JSON"]) -> dict[str, Any]:
    if len(text.encode()) > MAX_UPLOAD_BYTES:
        raise CatalogError([f"(document): larger than {MAX_UPLOAD_BYTES} bytes"])
    try:
        if format == "JSON":
            loaded = json.loads(text)
        else:
            for event in yaml.parse(text, Loader=yaml.SafeLoader):
                if isinstance(event, yaml.AliasEvent):
                    raise CatalogError(["(document): YAML aliases are not accepted"])
            loaded = yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError, RecursionError) as error:
        raise CatalogError(
            [f"(document): not valid {format}: {str(error).splitlines()[0]}"]
        ) from None
    if not isinstance(loaded, dict):
        raise CatalogError(["(document): must be a mapping of fields"])
    return loaded
