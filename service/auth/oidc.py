"""Verifying OIDC bearer JWTs with joserfc against the issuer's JWKS.

Only RS256 and ES256 are accepted, and the algorithm must fit the key the
``kid`` names: ``alg: none`` and HMAC signed with a public key are refused
before any signature check. ``iss``, ``aud``, ``exp`` and ``sub`` are
required; ``exp`` and ``nbf`` allow 60 seconds of clock skew. Keys come from
``OIDC_JWKS_PATH`` (read once) or ``OIDC_JWKS_URL`` (cached; an unknown
``kid`` triggers a refresh at most once a minute, so a flood of forged kids
cannot turn into a flood of requests to the issuer).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
LEEWAY_SECONDS = 60
REFRESH_INTERVAL_SECONDS = 60.0
# While the issuer's keys cannot be fetched and none are cached, requests fail at once
# for this long after a failed attempt instead of each waiting on the issuer again.
RETRY_AFTER_FAILURE_SECONDS = 5.0
MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token is not acceptable; the reason is logged, never shown to the caller."""


class KeysUnavailable(OSError):
    """The issuer's keys could not be fetched a moment ago; not tried again yet."""


def _header(token: str) -> dict[str, Any]:
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidToken("unreadable header") from error
    if not isinstance(header, dict):
        raise InvalidToken("header is not an object")
    return header


class JwksSource:
    """The issuer's signing keys, cached."""

    def __init__(self, url: str | None = None, path: Path | None = None) -> None:
        if not url and not path:
            raise ValueError("set OIDC_JWKS_URL or OIDC_JWKS_PATH")
        self.url = url
        self.path = path
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._failed_at = -RETRY_AFTER_FAILURE_SECONDS
        self._lock = asyncio.Lock()

    async def _load(self) -> KeySet:
        if self.path is not None:
            data = json.loads(await asyncio.to_thread(self.path.read_text))
        else:
            assert self.url is not None  # noqa: S101 - checked in __init__
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                data = response.json()
        return KeySet.import_key_set(data)

    async def keys(self, kid: str | None) -> KeySet:
        async with self._lock:
            now = time.monotonic()
            if self._keys is None and now - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
                raise KeysUnavailable("signing keys unavailable; retrying shortly")
            known = self._keys is not None and any(k.kid == kid for k in self._keys)
            stale = now - self._fetched_at > REFRESH_INTERVAL_SECONDS
            if self._keys is None or (not known and stale and self.url is not None):
                try:
                    self._keys = await self._load()
                except BaseException:
                    self._failed_at = time.monotonic()
                    raise
                finally:
                    self._fetched_at = time.monotonic()
            return self._keys


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, source: JwksSource) -> None:
        self.source = source
        self.registry = JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or ``InvalidToken``."""
        if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise InvalidToken("not a compact JWS")
        header = _header(token)
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        try:
            keys = await self.source.keys(kid if isinstance(kid, str) else None)
        except (httpx.HTTPError, ValueError, OSError, JoseError) as error:
            raise InvalidToken(f"signing keys unavailable: {type(error).__name__}") from error
        candidates = [
            k for k in keys if (kid is None or k.kid == kid) and k.key_type == ALGORITHMS[algorithm]
        ]
        if not candidates:
            raise InvalidToken("no signing key of the right type for this kid")
        try:
            decoded = jwt.decode(token, candidates[0], algorithms=[algorithm])
            self.registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise InvalidToken(type(error).__name__) from error
        subject = decoded.claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("missing subject")
        return decoded.claims
