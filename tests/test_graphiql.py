"""GraphiQL works offline: its page and every asset come from the service itself.

The page must reference no external URL, every asset it names must be served
without a token, and a headless Chromium that cannot resolve any host but the
loopback one must still render the editor (the CDN page stayed at "Loading…").
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from service.app import create_app
from service.settings import Settings
from tests.browser import chromium
from tests.conftest import production
from tests.servers import development_server

REFERENCE = re.compile(r"""(?:src|href)="([^"]*)\"""")
TYPES = {".js": "text/javascript", ".css": "text/css"}


def references(html: str) -> list[str]:
    return [url for url in REFERENCE.findall(html) if not url.startswith("data:")]


async def test_page_references_only_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), "the page names an external URL"
    assert "'self'" in page.headers["content-security-policy"]
    urls = references(page.text)
    assert len(urls) >= 6
    for url in urls:
        assert url.startswith("/graphiql/static/"), url
        served = await client.get(url)  # no token: the browser sends none
        assert served.status_code == 200, url
        expected = TYPES[Path(url).suffix]
        assert served.headers["content-type"].startswith(expected), (url, served.headers)
        assert served.headers["x-content-type-options"] == "nosniff"
        assert len(served.content) > 100
        again = await client.get(url, headers={"If-None-Match": served.headers["etag"]})
        assert again.status_code == 304


async def test_only_listed_assets_are_served(client: httpx.AsyncClient) -> None:
    for path in (
        "/graphiql/static/graphiql.html.py",
        "/graphiql/static/..%2Fgraphiql.py",
        "/graphiql/static/../graphiql.py",
        "/graphiql/static/",
    ):
        assert (await client.get(path)).status_code == 404, path
    notice = await client.get("/graphiql/static/NOTICE.md")
    assert notice.status_code == 200
    assert "MIT" in notice.text


async def test_production_serves_neither_page_nor_assets(
    settings: Settings, tmp_path: Path
) -> None:
    app: Starlette = create_app(production(settings, tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        assert (await http.get("/graphiql/static/graphiql.min.js")).status_code == 404
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 401
        assert "graphiql" not in page.text.lower()


@pytest.fixture
def server(
    app: Starlette, mongo_uri: str, db_name: str, mini_frameworks: Path, tmp_path: Path
) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, on the test's database (``app`` set it up)."""
    data = tmp_path / "server-data"
    with development_server(mongo_uri, db_name, mini_frameworks, data) as base:
        yield base


def test_graphiql_renders_offline_in_headless_chromium(server: str, tmp_path: Path) -> None:
    browser = chromium()
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            # Offline: no name but 127.0.0.1 resolves, so anything not served here fails.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--no-proxy-server",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,800",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{server}/graphql",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert "graphiql-container" in dom, dom[:2000]
    assert "graphiql-editor" in dom
    assert "CodeMirror" in dom
    assert "Loading…" not in dom
