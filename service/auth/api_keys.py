"""Recognising an API key among bearer tokens.

Keys are minted and hashed where they are stored (``storage.api_key_secrets``:
the lookup id and digest are the stored form); authentication only needs to tell
a key from a JWT before asking the repository, and the digest as a cache key.
"""

from __future__ import annotations

from service.storage.api_key_secrets import LOOKUP_LENGTH, PREFIX, digest_of

__all__ = ["digest_of", "looks_like_key"]


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX) and len(token) >= len(PREFIX) + LOOKUP_LENGTH + 8
