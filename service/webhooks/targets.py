"""Which URLs a webhook may call: checked when it is registered and again at each delivery.

In production a webhook must be ``https`` to a host whose every address is public:
private, loopback, link-local, multicast, reserved and unspecified addresses are
refused, both when the webhook is registered and when a delivery resolves the host
again (so a name that later points inside the network is refused then), and the
delivery connects to the address it checked (no second lookup to rebind). In
development ``http`` is accepted and loopback too, so a receiver on the developer's
machine works.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.errors import InvalidInput

MAX_URL_CHARS = 2_000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The webhook's host resolves to an address it may not call."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # with its query


def parse(url: str, production: bool, field: tuple[str, ...] = ("input", "url")) -> Target:
    """``url`` as a target, or INVALID on ``field``."""
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput(f"a webhook URL has at most {MAX_URL_CHARS} characters", field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("not a URL", field) from None
    schemes = ("https",) if production else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        raise InvalidInput(
            "a webhook URL must be https://host/..." if production else "not an http(s) URL",
            field,
        )
    if parts.username or parts.password:
        raise InvalidInput("a webhook URL may not carry credentials", field)
    if parts.fragment:
        raise InvalidInput("a webhook URL may not have a fragment", field)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput("not a URL", field)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        url=url,
        scheme=parts.scheme,
        host=parts.hostname.lower(),
        port=port or (443 if parts.scheme == "https" else 80),
        path=path,
    )


def allowed(address: Address, production: bool) -> bool:
    if address.is_loopback:
        return not production
    return address.is_global and not address.is_multicast


def literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(target: Target, production: bool) -> Address:
    """The address to connect to: every address the host resolves to must be allowed."""
    fixed = literal(target.host)
    if fixed is not None:
        addresses = [fixed]
    else:
        loop = asyncio.get_running_loop()
        try:
            found = await loop.getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except OSError as error:
            raise TargetRefused(f"the host does not resolve ({error.strerror})") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses:
        raise TargetRefused("the host does not resolve")
    refused = [a for a in addresses if not allowed(a, production)]
    if refused:
        raise TargetRefused(f"the host resolves to a non-public address ({refused[0]})")
    return addresses[0]


async def checked(url: str, production: bool) -> Target:
    """``url`` parsed and, in production, its host resolved and checked (INVALID on url)."""
    target = parse(url, production)
    fixed = literal(target.host)
    if fixed is not None and not allowed(fixed, production):
        raise InvalidInput("the webhook URL points at a non-public address", ("input", "url"))
    if production:
        try:
            await resolve(target, production)
        except TargetRefused as refusal:
            raise InvalidInput(str(refusal), ("input", "url")) from None
    return target
