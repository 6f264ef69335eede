"""Fixtures shared by the security tests.

Most attacks need only the small sample catalog, so it is this package's default;
a module that attacks the shipped SOC 2 catalog overrides ``frameworks_dir``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def frameworks_dir(mini_frameworks: Path) -> Path:
    return mini_frameworks
