"""OIDC bearer JWTs: RS256 and ES256 accepted, every forgery refused the same way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from starlette.applications import Starlette

from service.app import create_app
from service.auth.oidc import InvalidToken, JwksSource, TokenVerifier
from service.settings import Settings

ISSUER = "https://issuer.test/"
AUDIENCE = "readiness-api"
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})


def public_jwks(*keys: Any) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)


def token(key: Any = RSA, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user:oidc",
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": key.kid}, body, key, algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def jwks_path(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(public_jwks(RSA, EC)))
    return path


@pytest.fixture
async def oidc_app(
    mongo_uri: str, db_name: str, jwks_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=db_name,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_path=jwks_path,
        platform_admins="user:admin",
    )
    app: Starlette = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def call(http: httpx.AsyncClient, bearer: str) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={
            "query": 'mutation { createOrganization(input: {name: "Via OIDC"}) { organization { name } errors { code } } }'
        },
        headers={"Authorization": f"Bearer {bearer}"},
    )


# Signed when the test runs: a token made at collection expires before a long suite gets here.
@pytest.mark.parametrize("sign", [token, lambda: token(EC, "ES256")], ids=["RS256", "ES256"])
async def test_valid_tokens_are_accepted(
    oidc_app: httpx.AsyncClient, sign: Callable[[], str]
) -> None:
    response = await call(oidc_app, sign())
    assert response.status_code == 200
    assert response.json()["data"]["createOrganization"]["organization"] == {"name": "Via OIDC"}


def _none_alg() -> str:
    header = b64(json.dumps({"alg": "none", "kid": "rsa-1"}).encode())
    claims = b64(
        json.dumps(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}
        ).encode()
    )
    return f"{header}.{claims}."


def _hmac_with_public_key() -> str:
    header = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    claims = b64(
        json.dumps(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}
        ).encode()
    )
    secret = json.dumps(RSA.as_dict(private=False)).encode()
    signature = b64(hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


def _tampered() -> str:
    header, claims, signature = token().split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["sub"] = "user:admin"
    return f"{header}.{b64(json.dumps(forged).encode())}.{signature}"


# Made when each test runs (the times in them are relative to it), by name.
FORGERIES: dict[str, Callable[[], str]] = {
    "expired beyond leeway": lambda: token(exp=int(time.time()) - 120),
    "not yet valid beyond leeway": lambda: token(nbf=int(time.time()) + 600),
    "wrong issuer": lambda: token(iss="https://evil.test/"),
    "wrong audience": lambda: token(aud="someone-else"),
    "no subject": lambda: token(sub=None),
    "no expiry": lambda: token(exp=None),
    "alg none": _none_alg,
    "hmac with the public key": _hmac_with_public_key,
    "signed by another key": lambda: token(OTHER),
    "claims tampered": _tampered,
    "RS256 header on an EC key": lambda: (
        b64(json.dumps({"alg": "RS256", "kid": "ec-1"}).encode())
        + "."
        + token(EC, "ES256").split(".", 1)[1]
    ),
    "garbage": lambda: "a.b.c",
}


@pytest.mark.parametrize("forge", list(FORGERIES.values()), ids=list(FORGERIES))
async def test_forgeries_are_refused_alike(
    oidc_app: httpx.AsyncClient, forge: Callable[[], str]
) -> None:
    response = await call(oidc_app, forge())
    assert response.status_code == 401
    assert response.json() == {
        "data": None,
        "errors": [
            {"message": "authentication required", "extensions": {"code": "UNAUTHENTICATED"}}
        ],
    }


async def test_clock_skew_within_a_minute_is_tolerated(oidc_app: httpx.AsyncClient) -> None:
    response = await call(oidc_app, token(exp=int(time.time()) - 30, nbf=int(time.time()) + 30))
    assert response.status_code == 200


class _JwksHandler(BaseHTTPRequestHandler):
    hits = 0
    body = b""

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, type[_JwksHandler]]]:
    handler = type(
        "Handler", (_JwksHandler,), {"hits": 0, "body": json.dumps(public_jwks(RSA)).encode()}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", handler
    finally:
        server.shutdown()
        server.server_close()


async def test_jwks_url_is_cached_and_unknown_kids_refresh_at_most_once_a_minute(
    jwks_server: tuple[str, type[_JwksHandler]],
) -> None:
    url, handler = jwks_server
    verifier = TokenVerifier(ISSUER, AUDIENCE, JwksSource(url=url))
    assert (await verifier.verify(token()))["sub"] == "user:oidc"
    await verifier.verify(token())
    assert handler.hits == 1
    rotated = ECKey.generate_key("P-256", parameters={"kid": "ec-new"})
    for _ in range(5):
        with pytest.raises(InvalidToken):
            await verifier.verify(token(rotated, "ES256"))
    assert handler.hits == 1  # fetched less than a minute ago: no refresh storm
    handler.body = json.dumps(public_jwks(RSA, rotated)).encode()
    verifier.source._fetched_at -= 61
    assert (await verifier.verify(token(rotated, "ES256")))["sub"] == "user:oidc"
    assert handler.hits == 2


async def test_an_unreachable_jwks_url_is_not_asked_again_on_every_request(
    jwks_server: tuple[str, type[_JwksHandler]],
) -> None:
    url, handler = jwks_server
    source = JwksSource(url=url.replace("/jwks.json", "/missing.json"))
    handler.body = b"not json"
    verifier = TokenVerifier(ISSUER, AUDIENCE, source)
    for _ in range(5):
        with pytest.raises(InvalidToken):
            await verifier.verify(token())
    assert handler.hits == 1  # one failed fetch; the next requests fail at once
    handler.body = json.dumps(public_jwks(RSA)).encode()
    source._failed_at -= 6  # the retry delay has passed
    assert (await verifier.verify(token()))["sub"] == "user:oidc"
    assert handler.hits == 2


def test_production_without_mongodb_uri_refuses_to_start() -> None:
    settings = Settings(
        environment="production",
        oidc_issuer="https://issuer.example",
        oidc_audience="readiness",
        oidc_jwks_url="https://issuer.example/jwks",
        mongodb_uri=None,
    )
    with pytest.raises(RuntimeError, match="ENVIRONMENT=production requires MONGODB_URI"):
        create_app(settings)


def test_production_without_oidc_refuses_to_start(mongo_uri: str) -> None:
    with pytest.raises(RuntimeError, match="ENVIRONMENT=production requires OIDC_ISSUER"):
        create_app(Settings(environment="production", mongodb_uri=mongo_uri))
