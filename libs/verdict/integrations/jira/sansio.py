"""Sans-I/O Jira: build requests and decode responses, no network here.

Two flavors speak different dialects of the same API:
- Cloud: REST v3, Basic auth with email + API token, ADF descriptions, search via
  `POST /rest/api/3/search/jql` paged by an opaque `nextPageToken` (the old
  `/rest/api/3/search` with `startAt` is removed on Cloud).
- Server / Data Center: REST v2, Bearer personal access token, plain (wiki) text
  descriptions, `POST /rest/api/2/search` paged by `startAt` / `total`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

from verdict.integrations.jira import adf
from verdict.integrations.jira.exceptions import (
    JiraBadRequest,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
)
from verdict.integrations.jira.models import (
    CreatedIssue,
    Issue,
    IssueDraft,
    Myself,
    Project,
    SearchPage,
    SecurityLevel,
)
from verdict.integrations.jira.wiki import to_wiki

DEFAULT_FIELDS: tuple[str, ...] = (
    "summary",
    "description",
    "status",
    "priority",
    "issuetype",
    "updated",
)
USER_AGENT = "verdict-jira"


class Flavor(StrEnum):
    CLOUD = "cloud"
    SERVER = "server"  # Server and Data Center speak the same v2 API


class Auth(NamedTuple):
    flavor: Flavor
    token: str
    email: str = ""

    def __repr__(self) -> str:  # never print a token in a log or a traceback
        return f"Auth(flavor={self.flavor.value!r}, email={self.email!r}, token='***')"


class Request(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


def auth_for(token: str, email: str = "", pat: str = "") -> Auth:
    """Pick the flavor from the credentials the contract accepts.

    The contract's `jira_email` is "Jira Cloud email paired with jira_token": an
    email means Cloud (Basic), a token alone or a PAT means Server/DC (Bearer).
    """
    if pat and not (email and token):
        return Auth(Flavor.SERVER, pat)
    if not token:
        raise ValueError("a Jira token is required")
    return Auth(Flavor.CLOUD, token, email) if email else Auth(Flavor.SERVER, token)


def api_root(flavor: Flavor) -> str:
    return "/rest/api/3" if flavor is Flavor.CLOUD else "/rest/api/2"


def headers(auth: Auth, *, has_body: bool = False) -> dict[str, str]:
    if auth.flavor is Flavor.CLOUD:
        if not auth.email:
            raise ValueError("Jira Cloud needs the account email beside the API token")
        raw = f"{auth.email}:{auth.token}".encode()
        authorization = "Basic " + base64.b64encode(raw).decode("ascii")
    else:
        authorization = f"Bearer {auth.token}"
    out = {
        "Authorization": authorization,
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if has_body:
        out["Content-Type"] = "application/json"
    return out


def browse_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{quote(key, safe='')}"


def _url(base_url: str, flavor: Flavor, path: str, query: Mapping[str, Any] | None = None) -> str:
    url = f"{base_url.rstrip('/')}{api_root(flavor)}{path}"
    return f"{url}?{urlencode(query)}" if query else url


def _get(auth: Auth, base_url: str, path: str, query: Mapping[str, Any] | None = None) -> Request:
    return Request("GET", _url(base_url, auth.flavor, path, query), headers(auth))


def _post(auth: Auth, base_url: str, path: str, payload: Mapping[str, Any]) -> Request:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Request("POST", _url(base_url, auth.flavor, path), headers(auth, has_body=True), body)


# --- requests ----------------------------------------------------------------------


def search(
    auth: Auth,
    base_url: str,
    jql: str,
    fields: Sequence[str] = DEFAULT_FIELDS,
    max_results: int = 50,
    page: str | int | None = None,
) -> Request:
    """One page of a JQL search. POST on both flavors: long JQL overflows a URL."""
    payload: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
    if auth.flavor is Flavor.CLOUD:
        if page is not None:
            payload["nextPageToken"] = str(page)
        return _post(auth, base_url, "/search/jql", payload)
    payload["startAt"] = int(page or 0)
    return _post(auth, base_url, "/search", payload)


def create_issue(auth: Auth, base_url: str, draft: IssueDraft) -> Request:
    description: Any
    if auth.flavor is Flavor.CLOUD:
        description = adf.from_text(draft.description)
    else:
        description = to_wiki(draft.description)
    fields: dict[str, Any] = {
        "project": {"key": draft.project_key},
        "summary": draft.summary[:255],  # Jira's hard limit on summary length
        "issuetype": {"name": draft.issue_type},
        "description": description,
    }
    if draft.priority:
        fields["priority"] = {"name": draft.priority}
    if draft.security_level_id:
        fields["security"] = {"id": str(draft.security_level_id)}
    if draft.labels:
        # Jira labels cannot hold spaces.
        fields["labels"] = [label.replace(" ", "-") for label in draft.labels]
    return _post(auth, base_url, "/issue", {"fields": fields})


def projects(auth: Auth, base_url: str, query: str = "", start_at: int = 0) -> Request:
    if auth.flavor is Flavor.CLOUD:
        params: dict[str, Any] = {"startAt": start_at, "maxResults": 50}
        if query:
            params["query"] = query
        return _get(auth, base_url, "/project/search", params)
    # v2 has no server-side filter; decode_projects filters locally.
    return _get(auth, base_url, "/project")


def security_levels(auth: Auth, base_url: str, project_key: str) -> Request:
    return _get(auth, base_url, f"/project/{quote(project_key, safe='')}/securitylevel")


def myself(auth: Auth, base_url: str) -> Request:
    return _get(auth, base_url, "/myself")


# --- responses ---------------------------------------------------------------------


def decipher(status: int, resp_headers: Mapping[str, str], body: bytes) -> Any:
    """Decode a response: the JSON data on 2xx, else raise the matching JiraError."""
    data = _json(body)
    if 200 <= status < 300:
        return data
    detail = _flatten_errors(data, body)
    kwargs: dict[str, Any] = {"jira_status": status}
    if status in (401, 403):
        raise JiraUnauthorized(f"Jira rejected the credentials ({status}): {detail}", **kwargs)
    if status == 404:
        raise JiraNotFound(f"Jira: not found: {detail}", **kwargs)
    if status == 429:
        raise JiraRateLimited(
            f"Jira rate limit: {detail}", retry_after=retry_after(resp_headers), **kwargs
        )
    if status == 503:
        raise JiraUnavailable(
            f"Jira unavailable (503): {detail}", retry_after=retry_after(resp_headers), **kwargs
        )
    if status >= 500:
        raise JiraServerError(f"Jira failed ({status}): {detail}", **kwargs)
    if status in (400, 422):
        raise JiraBadRequest(f"Jira rejected the request: {detail}", **kwargs)
    raise JiraError(f"Jira answered {status}: {detail}", **kwargs)


def _json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None


def _flatten_errors(data: Any, body: bytes) -> str:
    """Jira's {errorMessages: [...], errors: {field: msg}} as one readable line."""
    parts: list[str] = []
    if isinstance(data, Mapping):
        parts += [str(m) for m in data.get("errorMessages") or [] if m]
        errors = data.get("errors")
        if isinstance(errors, Mapping):
            parts += [f"{field}: {msg}" for field, msg in errors.items()]
        if not parts and data.get("message"):
            parts.append(str(data["message"]))
    if not parts:
        # Proxies and Cloud's 401 page answer HTML; a short prefix is enough to debug.
        text = body[:200].decode("utf-8", "replace").strip()
        parts.append(text or "no details")
    return "; ".join(parts)[:1000]


def retry_after(resp_headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    value = _header(resp_headers, "Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def _header(resp_headers: Mapping[str, str], name: str) -> str | None:
    # Adapters may hand a plain dict; HTTP header names are case-insensitive.
    lowered = name.lower()
    for key, value in resp_headers.items():
        if key.lower() == lowered:
            return value
    return None


def decode_search(flavor: Flavor, data: Any) -> SearchPage:
    data = data if isinstance(data, Mapping) else {}
    issues = [issue_from_json(i) for i in data.get("issues") or [] if isinstance(i, Mapping)]
    next_page: str | int | None = None
    if flavor is Flavor.CLOUD:
        # The last page may omit nextPageToken entirely or send isLast=true.
        token = data.get("nextPageToken")
        if token and not data.get("isLast", False):
            next_page = str(token)
    else:
        start = int(data.get("startAt") or 0)
        total = int(data.get("total") or 0)
        if issues and start + len(issues) < total:
            next_page = start + len(issues)
    return SearchPage(issues=issues, next_page=next_page)


def issue_from_json(data: Mapping[str, Any]) -> Issue:
    fields = data.get("fields") or {}
    status = fields.get("status") or {}
    return Issue(
        key=str(data.get("key", "")),
        id=str(data.get("id", "")),
        summary=str(fields.get("summary") or ""),
        description=adf.to_text(fields.get("description")),
        status=str(status.get("name") or ""),
        status_category=str((status.get("statusCategory") or {}).get("key") or ""),
        priority=str((fields.get("priority") or {}).get("name") or ""),
        issue_type=str((fields.get("issuetype") or {}).get("name") or ""),
        updated=parse_datetime(fields.get("updated")),
    )


def parse_datetime(value: Any) -> datetime | None:
    """Jira's `2024-05-01T10:20:30.000+0000` (both flavors)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


def decode_created(data: Any) -> CreatedIssue:
    data = data if isinstance(data, Mapping) else {}
    return CreatedIssue(
        id=str(data.get("id", "")), key=str(data.get("key", "")), self_url=str(data.get("self", ""))
    )


def decode_projects(flavor: Flavor, data: Any, query: str = "") -> tuple[list[Project], int | None]:
    """Projects on this page and the next startAt (Cloud pages; v2 is one list)."""
    next_start: int | None = None
    if flavor is Flavor.CLOUD and isinstance(data, Mapping):
        values = data.get("values") or []
        if not data.get("isLast", True) and values:
            next_start = int(data.get("startAt") or 0) + len(values)
    else:
        values = data if isinstance(data, list) else []
    found = [
        Project(key=str(p.get("key", "")), name=str(p.get("name", "")), id=str(p.get("id", "")))
        for p in values
        if isinstance(p, Mapping)
    ]
    if flavor is Flavor.SERVER and query:
        needle = query.casefold()
        found = [p for p in found if needle in p.key.casefold() or needle in p.name.casefold()]
    return found, next_start


def decode_security_levels(data: Any) -> list[SecurityLevel]:
    levels = data.get("levels") if isinstance(data, Mapping) else None
    return [
        SecurityLevel(
            id=str(lv.get("id", "")),
            name=str(lv.get("name", "")),
            description=str(lv.get("description") or ""),
        )
        for lv in levels or []
        if isinstance(lv, Mapping)
    ]


def decode_myself(flavor: Flavor, data: Any) -> Myself:
    data = data if isinstance(data, Mapping) else {}
    account = data.get("accountId") if flavor is Flavor.CLOUD else data.get("name")
    return Myself(
        display_name=str(data.get("displayName") or account or ""),
        account=str(account or ""),
        email=str(data.get("emailAddress") or ""),
    )
