"""Turning a bearer token into a ``Principal``.

API keys (``rk_...``) are checked against their stored hash; verified keys
are cached for a few seconds so that a burst of requests costs one lookup,
while a revoked key stops working within that short interval (at once in the
pod that revoked it). ``session`` also says until when a token is valid, so a
WebSocket can be closed the moment its JWT would be refused over HTTP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from service.auth import api_keys
from service.auth.oidc import LEEWAY_SECONDS, InvalidToken, JwksSource, TokenVerifier
from service.principal import Principal, PrincipalKind
from service.settings import Settings
from service.storage.documents import ApiKey
from service.storage.repositories import ApiKeyRepository
from service.telemetry import get_logger

log = get_logger("service.auth")


@dataclass(frozen=True, slots=True)
class Session:
    """A verified token's principal and the wall-clock time (epoch seconds) after which the
    token is refused, or None for an API key, which is valid until it is revoked."""

    principal: Principal
    expires_at: float | None = None


class Authenticator:
    CACHE_SECONDS = 10.0
    CACHE_SIZE = 4096

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = ApiKeyRepository()
        self._cache: dict[str, tuple[float, Principal]] = {}
        self.verifier: TokenVerifier | None = None
        if settings.oidc_enabled and (settings.oidc_jwks_url or settings.oidc_jwks_path):
            assert settings.oidc_issuer is not None  # noqa: S101 - oidc_enabled checked it
            assert settings.oidc_audience is not None  # noqa: S101
            self.verifier = TokenVerifier(
                settings.oidc_issuer,
                settings.oidc_audience,
                JwksSource(settings.oidc_jwks_url, settings.oidc_jwks_path),
            )

    async def authenticate(self, token: str) -> Principal | None:
        session = await self.session(token)
        return session.principal if session is not None else None

    async def session(self, token: str) -> Session | None:
        if api_keys.looks_like_key(token):
            principal = await self._api_key(token)
            return Session(principal) if principal is not None else None
        if self.verifier is not None:
            try:
                claims = await self.verifier.verify(token)
            except InvalidToken as error:
                log.info("bearer token refused", reason=str(error))
                return None
            subject = str(claims["sub"])
            principal = Principal(
                subject=subject,
                kind=PrincipalKind.USER,
                platform_admin=subject in self.settings.platform_admins,
            )
            # The verifier accepts a token until LEEWAY_SECONDS past its exp (clock skew).
            return Session(principal, float(claims["exp"]) + LEEWAY_SECONDS)
        return None

    async def _api_key(self, secret: str) -> Principal | None:
        digest = api_keys.digest_of(secret)
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        record = await self.keys.find_active(secret)
        if record is not None and record.local_admin and self.settings.is_production:
            # The development admin key never acts in production, even if its revocation
            # at production start failed.
            log.warning("local admin key refused in production", key_id=str(record.id))
            record = None
        if record is None:
            self._cache.pop(digest, None)
            return None
        await self.keys.touch(record)
        principal = self.principal_of(record)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[digest] = (time.monotonic() + self.CACHE_SECONDS, principal)
        return principal

    def principal_of(self, record: ApiKey) -> Principal:
        return Principal(
            subject=record.subject,
            kind=PrincipalKind.API_KEY,
            platform_admin=record.platform_admin or record.subject in self.settings.platform_admins,
            organization_id=record.organization_id,
            role=record.role,
            key_id=record.id,
        )

    def forget(self) -> None:
        self._cache.clear()
