"""JSON Schemas of the catalog documents, published for authors in ``frameworks/schema/``.

Editors validate YAML against them as authors type; the loader still runs the
full validation (cross-references included) on every load.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.catalog.models import Framework, Questionnaire

# A framework may be one file, or split in two: ``framework.yaml`` (categories, series,
# criteria) and ``controls.yaml`` (policy families and the control library), which the
# loader merges. Each form has its schema.
_LIBRARY = ("policy_families", "controls")


def json_schema(model: type[Framework] | type[Questionnaire]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _criteria_part() -> dict[str, Any]:
    schema = json_schema(Framework)
    schema["title"] = "Framework criteria (framework.yaml; controls in controls.yaml)"
    for name in _LIBRARY:
        schema["properties"].pop(name)
    schema["required"] = [r for r in schema["required"] if r not in _LIBRARY]
    return schema


def _controls_part() -> dict[str, Any]:
    whole = json_schema(Framework)
    return {
        "$schema": whole["$schema"],
        "$defs": whole["$defs"],
        "title": "Framework control library (controls.yaml, merged into framework.yaml)",
        "type": "object",
        "additionalProperties": False,
        "properties": {name: whole["properties"][name] for name in _LIBRARY},
        "required": ["controls"],
    }


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "framework.schema.json": lambda: json_schema(Framework),
    "framework-criteria.schema.json": _criteria_part,
    "framework-controls.schema.json": _controls_part,
    "questionnaire.schema.json": lambda: json_schema(Questionnaire),
}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True) + "\n"


def write_json_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = directory / name
        path.write_text(render(name))
        written.append(path)
    return written
