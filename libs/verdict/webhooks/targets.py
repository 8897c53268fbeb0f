"""Where a webhook may be delivered: any public http(s) address.

Receivers are customers' URLs, so there is no allow-list of hosts; but a delivery must
not reach into the server's own network. Loopback, private, link-local, multicast,
reserved and unspecified addresses are refused unless the host is listed in
VERDICT_ALLOWED_HOSTS. Names are checked twice: when a subscription is saved (an IP
literal) and when a delivery connects (every address the name resolves to, by the
connector's resolver, so a name cannot be re-pointed at 127.0.0.1 later).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from verdict.errors import BadRequest
from verdict.urlguard import check_url_allowed


def is_internal(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def listed(url: str, allowed_hosts: Collection[str]) -> bool:
    try:
        check_url_allowed(url, allowed_hosts)
    except BadRequest:
        return False
    return True


def check_target(url: str, allowed_hosts: Collection[str]) -> str:
    """The URL, stripped, if it may receive deliveries; BadRequest otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadRequest("a webhook URL must be an http or https URL with a host")
    if "@" in parts.netloc:
        raise BadRequest("webhook URLs with credentials (user@host) are not allowed")
    host = parts.hostname
    internal = is_internal(host) or host.lower().rstrip(".") in ("localhost",)
    if internal and not listed(url, allowed_hosts):
        raise BadRequest(
            f"webhook URL host {host} is a loopback, private or link-local address; "
            "list it in VERDICT_ALLOWED_HOSTS to allow it"
        )
    return url


class PublicResolver(AbstractResolver):
    """Resolves like aiohttp's default, minus internal addresses of unlisted hosts."""

    def __init__(self, allowed_hosts: Collection[str]) -> None:
        self._inner = ThreadedResolver()
        self._allowed = list(allowed_hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if listed(f"http://{host}:{port}/", self._allowed):
            return found
        public = [r for r in found if not is_internal(str(r["host"]))]
        if not public:
            raise OSError(f"{host} resolves only to internal addresses; refused")
        return public

    async def close(self) -> None:
        await self._inner.close()
