"""API key secrets: ``rk_`` plus 32 random bytes, stored only as a hash.

The first characters after the prefix are a lookup id stored in clear (and
indexed), so verifying a key is one indexed read plus a constant-time
comparison of SHA-256 digests. A 256-bit random secret needs no salt or slow
hash: it cannot be guessed, only stolen, and the hash makes a stolen database
useless for calling the API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "rk_"
LOOKUP_LENGTH = 12


@dataclass(frozen=True, slots=True)
class NewKey:
    secret: str
    lookup: str
    digest: str


def generate() -> NewKey:
    secret = PREFIX + secrets.token_urlsafe(32)
    return NewKey(secret=secret, lookup=lookup_of(secret), digest=digest_of(secret))


def lookup_of(secret: str) -> str:
    return secret[len(PREFIX) : len(PREFIX) + LOOKUP_LENGTH]


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX) and len(token) >= len(PREFIX) + LOOKUP_LENGTH + 8


def matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(secret), digest)
