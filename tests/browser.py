"""Debian's headless Chromium for tests that open a rendered page in a real browser."""

from __future__ import annotations

import shutil
import subprocess


def chromium() -> str:
    """The chromium binary, installed from Debian's packages when missing."""
    found = shutil.which("chromium")
    if found is None:
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True
        )
        found = shutil.which("chromium")
    assert found, "chromium could not be installed"
    return found
