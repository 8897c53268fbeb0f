"""Cross-site request forgery: every write a browser can make is same-origin and tokened.

Two layers:
- `same_origin` (every state-changing request): a request a browser sent from another
  origin (its `Origin`, or `Sec-Fetch-Site: cross-site`) that carries our cookies and no
  Bearer key is refused. API clients (the jji CLI, curl, pipelines) send no Origin and
  are not affected; a page of ours always sends its own.
- the pages' own writes (`/ui/…`, `/login`, `/logout`) also need a token: the HMAC of
  the browser's `verdict_csrf` cookie (random, HttpOnly, SameSite=Strict), sent as the
  form field `csrf_token` or the `X-CSRF-Token` header. A forged form has neither the
  cookie's value nor the key. These paths also need an Origin (or Referer) of ours.

The key is derived from VERDICT_ENCRYPTION_KEY (else VERDICT_ADMIN_KEY), so every
gateway replica accepts the tokens of the others; with neither set, it is random per
process (one replica, development).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.middlewares import Handler
from verdict.errors import Forbidden
from verdict.security.crypto import EncryptionKeyMissing, configured_key
from verdict.settings import Settings

CSRF_COOKIE = "verdict_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_KEY = web.AppKey("csrf_key", bytes)
NEW_CSRF_COOKIE = web.RequestKey("new_csrf_cookie", str)
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_AMBIENT = ("jji_session", "jji_username", CSRF_COOKIE)
# The pages' own writes: tokened as well as same-origin.
PAGE_WRITES = ("/ui/", "/login", "/logout")


def derive_key(settings: Settings) -> bytes:
    # The one shared key (VERDICT_ENCRYPTION_KEY or its file), as everything else uses.
    try:
        secret = configured_key(settings)
    except EncryptionKeyMissing:
        secret = ""
    if not secret:
        return secrets.token_bytes(32)
    return hmac.new(b"verdict-csrf-v1", secret.encode(), hashlib.sha256).digest()


def _sign(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def token_for(request: web.Request) -> str:
    """The token a page embeds; sets the cookie on this response when there is none."""
    value = request.cookies.get(CSRF_COOKIE, "")
    if len(value) < 32:
        value = request.get(NEW_CSRF_COOKIE) or secrets.token_urlsafe(32)
        request[NEW_CSRF_COOKIE] = value
    return _sign(request.app[CSRF_KEY], value)


def set_cookie_if_new(request: web.Request, response: web.StreamResponse) -> None:
    value = request.get(NEW_CSRF_COOKIE)
    if value:
        response.set_cookie(
            CSRF_COOKIE,
            value,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.app[SETTINGS].secure_cookies,
        )


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def is_our_origin(request: web.Request, origin: str) -> bool:
    origin = origin.strip().lower()
    if not origin or origin == "null":
        return False
    if urlsplit(origin).netloc == request.host.lower():
        return True  # behind a TLS proxy the scheme we see may differ; the host may not
    base = request.app[SETTINGS].public_base_url
    return bool(base) and origin == _origin_of(base)


def _cross_site(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None:
        return not is_our_origin(request, origin)
    return request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"


def _carries_cookies(request: web.Request) -> bool:
    return any(name in request.cookies for name in _AMBIENT)


def _bearer(request: web.Request) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _check_page_write(request: web.Request, sent: str) -> None:
    origin = request.headers.get("Origin") or _origin_of(request.headers.get("Referer", ""))
    if not is_our_origin(request, origin):
        raise Forbidden("cross-site request refused: this form must be sent from Verdict's pages")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = _sign(request.app[CSRF_KEY], cookie) if cookie else ""
    if not (expected and sent and hmac.compare_digest(expected, sent)):
        raise Forbidden("missing or stale form token: reload the page and try again")


async def _sent_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER, "")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached on the request: the handler reads it again
        value = form.get(CSRF_FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in _SAFE:
        if request.path.startswith(PAGE_WRITES):
            _check_page_write(request, await _sent_token(request))
        elif _cross_site(request) and _carries_cookies(request) and not _bearer(request):
            raise Forbidden("cross-site request refused: send an API key, not a browser's cookies")
    return await handler(request)
