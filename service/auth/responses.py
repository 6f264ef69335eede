"""The one shape of a request-level error: GraphQL's, whatever path or layer refuses.

Clients parse every answer of ``/graphql`` (and ``/reports``) as GraphQL, so
a refusal before GraphQL runs (authentication, size, rate) carries the same
``{"data": null, "errors": [{"message", "extensions": {"code"}}]}`` body.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send


def graphql_error(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    """One GraphQL error with its ``extensions.code``."""
    return {"message": message, "extensions": {"code": code, **extensions}}


def error_document(code: str, message: str) -> dict[str, Any]:
    return {"data": None, "errors": [graphql_error(code, message)]}


def error_body(code: str, message: str) -> bytes:
    return json.dumps(error_document(code, message)).encode()


async def send_json_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer a plain ASGI request with the error document (before any app runs)."""
    body = error_body(code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
