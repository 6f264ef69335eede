"""API key secrets as they are stored: ``rk_`` plus 32 random bytes, kept only as a hash.

The first characters after the prefix are a lookup id stored in clear (and
indexed), so verifying a key is one indexed read plus a constant-time
comparison of SHA-256 digests. A 256-bit random secret needs no salt or slow
hash: it cannot be guessed, only stolen, and the hash makes a stolen database
useless for calling the API.

This is storage's: the stored form (lookup id and digest) is what the API key
repository indexes and compares, and minting a secret is part of inserting a
key (a lookup id that collides with a stored one is minted again).
``auth.api_keys`` recognises a bearer token as a key.
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


def matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(secret), digest)
