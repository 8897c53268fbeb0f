"""Allow-list check for URLs a request may point the server at (no SSRF).

A request can name a Jenkins, Jira, GitHub or repository URL; the server then
connects there from inside its own network. Only hosts an operator listed in
VERDICT_ALLOWED_HOSTS (plus the ones it configured) are accepted. `check_url_allowed`
checks the name and does no DNS; `connect_addresses` is for the moment of connecting:
it resolves an allowed name and keeps only the addresses it may reach (see there), so a
caller can pin the connection to them (git's http.curloptResolve does).

`is_internal` is the one definition of "inside our network", IPv4 embedded in IPv6
(mapped, translated, NAT64, 6to4, IPv4-compatible) included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit, urlunsplit

from verdict.errors import BadRequest

SETTING = "VERDICT_ALLOWED_HOSTS"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url_allowed(url: str, allowed_hosts: Collection[str]) -> str:
    """Return `url` (stripped) if its scheme and host:port are allowed; else BadRequest.

    Entries are `host`, `host:port`, `*.domain` or `*.domain:port` (IPv6 as `[::1]`).
    An entry without a port allows any port on that host.
    """
    url = url.strip()
    host, port = _parse(url)
    if _match(host, port, allowed_hosts):
        return url
    raise BadRequest(
        f"URL host {_bracket(host)}:{port} is not allowed; add it to {SETTING} if the server "
        "may connect there"
    )


def canonical_url(url: str) -> tuple[str, str, int]:
    """(url, host, port) with the host in canonical form (lower case, no root dot,
    IPv4 dotted-quad, IPv6 compressed, IDNA), or BadRequest as for check_url_allowed."""
    url = url.strip()
    host, port = _parse(url)
    parts = urlsplit(url)
    netloc = _bracket(host) + (f":{parts.port}" if parts.port is not None else "")
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return rebuilt, host, port


def _match(host: str, port: int, allowed_hosts: Collection[str]) -> str | None:
    """ "exact", "wildcard", or None: how the allow-list admits host:port."""
    found: str | None = None
    for entry in allowed_hosts:
        pattern, entry_port = _split_entry(entry)
        if entry_port is not None and entry_port != port:
            continue
        if host == pattern:
            return "exact"
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            found = "wildcard"
    return found


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # RFC 2765 "IPv4-translated"
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated "IPv4-compatible"


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to an IPv4 host, if it carries one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _TRANSLATED or (ip in _COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_ip(address: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast or unspecified, also
    when wrapped in IPv6; False for a name (names are checked once resolved)."""
    ip = parse_ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return True
        inner = embedded_ipv4(ip)
        if inner is not None:
            ip = inner
    return not ip.is_global or ip.is_multicast


def _never_reachable(ip: IPAddress) -> bool:
    """Where no allowed name may lead: link-local (cloud metadata lives at
    169.254.169.254), unspecified, multicast and reserved addresses."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = embedded_ipv4(ip) or ip
    return ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip.is_reserved


Resolve = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (hosts file and DNS)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def connect_addresses(
    url: str, allowed_hosts: Collection[str], resolve: Resolve = system_resolve
) -> tuple[str, int, list[str]]:
    """(host, port, addresses) to connect to for an allowed URL, or BadRequest.

    An IP literal is its own address (the allow-list named it). A name is resolved now,
    at connect time, and each address is kept only if it is public, or if the name is
    listed exactly (not through a `*.` wildcard) or configured and the address is a
    loopback or private one of the operator's network. Link-local, unspecified,
    multicast and reserved addresses are never kept. No address left: refused.
    """
    check_url_allowed(url, allowed_hosts)
    host, port = _parse(url.strip())
    if parse_ip(host) is not None:
        return host, port, [host]
    exact = _match(host, port, allowed_hosts) == "exact"
    try:
        found = await resolve(host, port)
    except OSError as exc:
        raise BadRequest(f"URL host {host} does not resolve: {exc}") from None
    kept = []
    for address in found:
        ip = parse_ip(address)
        if ip is None or _never_reachable(ip):
            continue
        if not is_internal(address) or exact:
            kept.append(str(ip))
    if not kept:
        raise BadRequest(
            f"URL host {host} resolves only to addresses the server may not connect to "
            f"({', '.join(found) or 'none'}); list the host itself, not a wildcard, in "
            f"{SETTING} to allow an address of your own network"
        )
    return host, port, kept


def default_allowed_hosts(*configured_urls: str | None) -> set[str]:
    """`host:port` entries for the URLs the operator configured (Jenkins, Jira, GitHub)."""
    hosts: set[str] = set()
    for url in configured_urls:
        if url and url.strip():
            host, port = _parse(url.strip())
            hosts.add(f"{_bracket(host)}:{port}")
    return hosts


def _parse(url: str) -> tuple[str, int]:
    # Backslashes and control characters are read differently by different URL
    # parsers ("http://a\\@b/"); one that would disagree with ours is refused.
    if any(c == "\\" or ord(c) < 0x21 or c == "\x7f" for c in url):
        raise BadRequest("URL contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadRequest(f"URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadRequest(f"URL scheme {scheme or '(none)'!r} is not allowed; use http or https")
    if "@" in parts.netloc:
        raise BadRequest(
            "URLs with credentials (user@host) are not allowed; pass them in their own fields"
        )
    written = parts.hostname or ""
    after_bracket = parts.netloc.rsplit("]", 1)[1] if "]" in parts.netloc else ""
    if after_bracket and not after_bracket.startswith(":"):
        # urlsplit reads "[::1].:8771" as ::1 port 8771; aiohttp refuses it.
        raise BadRequest(f"URL host in {parts.netloc!r} is malformed after its ']'")
    host = _normalize_host(written)
    if written.endswith(".") and parse_ip(host) is not None:
        # aiohttp refuses "127.0.0.2." (InvalidUrlClientError): say so now, not in a job.
        raise BadRequest(
            f"URL host {written!r} is an IP address with a trailing dot, which HTTP clients "
            f"refuse; write {_bracket(host)}"
        )
    return host, port if port is not None else _DEFAULT_PORTS[scheme]


# A host whose labels are all numbers (decimal, 0-octal, 0x-hex) is an IPv4 address to
# the system resolver (inet_aton): 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 all mean
# 127.0.0.1. Such a host is read the same way here, so a check sees what a connect uses.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


def _normalize_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if not host:
        raise BadRequest("URL has no host")
    try:
        return str(ipaddress.ip_address(host))  # canonical form: [::0001] == [::1]
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            raise BadRequest(f"URL host {host!r} is not a valid IPv4 address") from None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadRequest(f"URL host {host!r} is not a valid host name") from None
    if not all(c.isalnum() or c in "-." for c in ascii_host):
        raise BadRequest(f"URL host {host!r} is not a valid host name")
    return ascii_host


def _split_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    port: int | None = None
    if entry.startswith("["):  # [v6] or [v6]:port
        addr, _, rest = entry[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        return _entry_host(addr), port
    name, sep, maybe_port = entry.rpartition(":")
    if sep and maybe_port.isdigit() and ":" not in name:
        entry, port = name, int(maybe_port)
    return _entry_host(entry), port


def _entry_host(host: str) -> str:
    wildcard = host.startswith("*.")
    try:
        name = _normalize_host(host[2:] if wildcard else host)
    except BadRequest:
        return "\0"  # a broken entry matches nothing rather than failing every request
    return "*." + name if wildcard else name


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
