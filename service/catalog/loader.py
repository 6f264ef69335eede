"""Loading catalog documents from ``frameworks/`` into MongoDB, idempotently.

Each sub-directory of ``frameworks/`` is one framework: ``framework.yaml``
(criteria), optionally ``controls.yaml`` (its control library, merged in),
and any ``questionnaire*.yaml``. A content hash over the parsed document
decides whether it changed: an unchanged document is left alone, a changed
one is published as the next version. Published versions are never edited.

Files are read with the same limits as uploads (``documents_io``: size, nesting,
node count, no aliases, 64-bit integers), and reading and checking them runs in a
worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.catalog.catalog import Catalog
from service.catalog.documents_io import read_document
from service.catalog.publishing import publish_framework, publish_questionnaire
from service.catalog.repository import CatalogRepository
from service.catalog.validation import CatalogError, parse_framework, parse_questionnaire


@dataclass
class LoadReport:
    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        return read_document(path.read_text(encoding="utf-8"), "YAML")
    except CatalogError as error:
        raise type(error)(
            [f"{path.name}: {p.removeprefix('(document): ')}" for p in error.problems]
        ) from None


def read_bundle(directory: Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    framework: dict[str, Any] | None = None
    framework_file = directory / "framework.yaml"
    if framework_file.exists():
        framework = read_yaml(framework_file)
        controls_file = directory / "controls.yaml"
        if controls_file.exists():
            framework.update(read_yaml(controls_file))
    questionnaires = [read_yaml(path) for path in sorted(directory.glob("questionnaire*.yaml"))]
    return framework, questionnaires


def read_catalog(root: Path) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    if not root.is_dir():
        return []
    return [
        read_bundle(directory)
        for directory in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "schema")
    ]


def check_catalog(bundles: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]) -> None:
    """Validate every document before anything is published, so a bad questionnaire
    never leaves its new framework version published without it; raises
    ``CatalogError`` listing every problem of every document."""
    problems: list[str] = []
    for framework_raw, questionnaires in bundles:
        framework = None
        if framework_raw is not None:
            try:
                framework = parse_framework(framework_raw)
            except CatalogError as error:
                key = framework_raw.get("key", "?")
                problems += [f"framework {key}: {p}" for p in error.problems]
        for questionnaire in questionnaires:
            if framework is None or questionnaire.get("framework") != framework.key:
                continue  # checked against the published framework when it is published
            try:
                parse_questionnaire(questionnaire, framework)
            except CatalogError as error:
                key = questionnaire.get("key", "?")
                problems += [f"questionnaire {key}: {p}" for p in error.problems]
    if problems:
        raise CatalogError(problems)


async def load_directory(root: Path, repository: CatalogRepository | None = None) -> LoadReport:
    repository = repository or CatalogRepository(Catalog())
    report = LoadReport()
    # Parsing and checking are blocking work: keep them off the event loop.
    bundles = await asyncio.to_thread(read_catalog, root)
    await asyncio.to_thread(check_catalog, bundles)
    for framework, questionnaires in bundles:
        if framework is not None:
            outcome = await publish_framework(framework)
            (report.published if outcome.new else report.unchanged).append(outcome.label)
        for questionnaire in questionnaires:
            outcome = await publish_questionnaire(questionnaire, repository)
            (report.published if outcome.new else report.unchanged).append(outcome.label)
    return report
