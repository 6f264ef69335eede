"""Every relative link in the README and the docs resolves inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(page: Path) -> None:
    targets = [t for t in LINK.findall(page.read_text()) if "://" not in t]
    for target in targets:
        resolved = (page.parent / target).resolve()
        assert resolved.exists(), f"{page.name} links to missing {target}"
        assert resolved.is_relative_to(ROOT), f"{page.name} links outside the repository"


def test_the_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in readme, f"README does not link docs/{doc.name}"


CODE_PATH = re.compile(r"`((?:service|tests|bench|schema|frameworks|helm)/[\w./-]+)`")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_named_files_exist(page: Path) -> None:
    """A path the docs name in backticks (``service/...``, ``tests/...``) is in the tree."""
    for named in CODE_PATH.findall(page.read_text()):
        path = named.rstrip("/.")
        assert (ROOT / path).exists(), f"{page.name} names missing {named}"
