"""JSON Schemas of the catalog documents, published for authors in ``frameworks/schema/``.

Editors validate YAML against them as authors type; the loader still runs the
full validation (cross-references included) on every load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.catalog.models import Framework, Questionnaire

SCHEMAS: dict[str, type[Framework] | type[Questionnaire]] = {
    "framework.schema.json": Framework,
    "questionnaire.schema.json": Questionnaire,
}


def json_schema(model: type[Framework] | type[Questionnaire]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def render(model: type[Framework] | type[Questionnaire]) -> str:
    return json.dumps(json_schema(model), indent=2, sort_keys=True) + "\n"


def write_json_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(render(model))
        written.append(path)
    return written
