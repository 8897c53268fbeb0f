"""Allow-list check for URLs a request may point the server at (no SSRF).

A request can name a Jenkins, Jira, GitHub or repository URL; the server then
connects there from inside its own network. Only hosts an operator listed in
VERDICT_ALLOWED_HOSTS (plus the ones it configured) are accepted. No DNS is
done here: the check is on the name, so list names, not what they resolve to.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from urllib.parse import urlsplit

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
    for entry in allowed_hosts:
        pattern, entry_port = _split_entry(entry)
        if entry_port is not None and entry_port != port:
            continue
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return url
    raise BadRequest(
        f"URL host {_bracket(host)}:{port} is not allowed; add it to {SETTING} if the server "
        "may connect there"
    )


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
    host = _normalize_host(parts.hostname or "")
    return host, port if port is not None else _DEFAULT_PORTS[scheme]


def _normalize_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if not host:
        raise BadRequest("URL has no host")
    try:
        return str(ipaddress.ip_address(host))  # canonical form: [::0001] == [::1]
    except ValueError:
        pass
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
