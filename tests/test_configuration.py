"""Every setting of the code is documented in docs/configuration.md, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from service.settings import Settings

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_every_setting_has_a_row_and_every_row_a_setting() -> None:
    rows = set(re.findall(r"^\| `([A-Z_]+)` \|", DOC.read_text(), flags=re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - rows == set(), "settings missing from docs/configuration.md"
    assert rows - fields == set(), "documented settings the code does not have"
