"""Where a webhook may be delivered: any public http(s) address.

Receivers are customers' URLs, so there is no allow-list of hosts; but a delivery must
not reach into the server's own network. Loopback, private, link-local, multicast,
reserved and unspecified addresses are refused unless the host is listed in
VERDICT_ALLOWED_HOSTS. A URL is canonicalized when a subscription is saved (IPv4 in
any inet_aton spelling becomes dotted-quad, IPv6 compressed; urlguard.is_internal sees
IPv4 inside IPv6 transition prefixes), and names are checked against `localhost`
and the hosts file. When a delivery connects it is checked again: an IP literal by the
same rule (aiohttp resolves none), a name on every address it resolves to, by the
connector's resolver, so a name cannot be re-pointed at 127.0.0.1 later.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from pathlib import Path

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from verdict.errors import BadRequest
from verdict.urlguard import canonical_url, check_url_allowed, is_internal, parse_ip

__all__ = ["HOSTS_FILE", "PublicResolver", "check_target", "is_internal", "listed"]

HOSTS_FILE = Path("/etc/hosts")


def listed(url: str, allowed_hosts: Collection[str]) -> bool:
    try:
        check_url_allowed(url, allowed_hosts)
    except BadRequest:
        return False
    return True


def hosts_file_addresses(name: str, hosts_file: Path = HOSTS_FILE) -> list[str]:
    """The addresses a hosts file gives `name` (the resolver reads it before DNS)."""
    try:
        text = hosts_file.read_text(errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in (f.lower().rstrip(".") for f in fields[1:]):
            found.append(fields[0])
    return found


def _points_inside(host: str, hosts_file: Path) -> bool:
    if parse_ip(host) is not None:
        return is_internal(host)
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    return any(is_internal(a) for a in hosts_file_addresses(host, hosts_file))


def check_target(url: str, allowed_hosts: Collection[str], hosts_file: Path = HOSTS_FILE) -> str:
    """The URL in canonical form if it may receive deliveries; BadRequest otherwise."""
    try:
        url, host, _port = canonical_url(url)
    except BadRequest as exc:
        raise BadRequest(f"webhook URL: {exc.detail}") from None
    if _points_inside(host, hosts_file) and not listed(url, allowed_hosts):
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
