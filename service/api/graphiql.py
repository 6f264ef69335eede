"""GraphiQL served from the package, so the IDE works without internet.

Strawberry's own page loads React and GraphiQL from a CDN; ours references only
``/graphiql/static/``, where this module serves the bundles vendored in
``static/graphiql`` (GraphiQL 3 and React 18 UMD builds, MIT: see NOTICE.md there).
Like the page, the assets exist only outside production, and they lie outside the
authenticated prefixes, so a browser loads them without a token. The page's
Content-Security-Policy allows this origin only, so an external load could not
slip back in unnoticed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

ASSET_PREFIX = "/graphiql/static"
JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
# The only files served: a fixed list, so no path from a request reaches the file system.
ASSETS = {
    "react.production.min.js": JAVASCRIPT,
    "react-dom.production.min.js": JAVASCRIPT,
    "graphiql.min.js": JAVASCRIPT,
    "graphiql.min.css": CSS,
    "plugin-explorer.umd.js": JAVASCRIPT,
    "plugin-explorer.css": CSS,
    "graphiql-page.js": JAVASCRIPT,
    "graphiql-page.css": CSS,
    "NOTICE.md": "text/markdown; charset=utf-8",
}
# GraphiQL and its CodeMirror editors set inline styles; fonts and the favicon are data URIs.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _read(name: str) -> bytes:
    return resources.files("service.api").joinpath("static", "graphiql", name).read_bytes()


@cache
def _asset(name: str) -> tuple[bytes, str]:
    body = _read(name)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def page() -> HTMLResponse:
    """GraphiQL's HTML page, pointing at the local assets only."""
    return HTMLResponse(
        _read("graphiql.html"),
        headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"},
    )


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        return Response("not found", status_code=404, media_type="text/plain")
    body, etag = _asset(name)
    # Revalidated on every load (the names carry no version), answered with 304 when unchanged.
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=content_type, headers=headers)


def routes() -> list[BaseRoute]:
    """The asset route, for an app that serves GraphiQL (never in production)."""
    return [Route(ASSET_PREFIX + "/{name}", asset, methods=["GET", "HEAD"])]
