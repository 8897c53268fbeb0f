"""Report Portal API v1, without I/O: request URLs and bodies, response decoding, errors.

- launches: `GET /api/v1/{project}/launch?filter.eq.name=…&filter.has.compositeAttribute=k:v
  &page.sort=startTime,DESC` → `{content: [{id, name, number, attributes, …}], page: {…}}`;
- test items: `GET /api/v1/{project}/item?launchId=…&filter.eq.status=FAILED
  &filter.eq.type=STEP&page.page=N&page.size=300` (300 is Report Portal's page maximum);
- defect subtypes: `GET /api/v1/{project}/settings` → `{subTypes: {PRODUCT_BUG: [{locator}]}}`;
- `PUT /api/v1/{project}/item` with `{issues: [{testItemId, issue: {issueType, comment}}]}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from verdict.errors import UpstreamError

MAX_PAGE = 300
# The built-in defect type of each top-level type (every project has these).
DEFAULT_LOCATORS = {
    "PRODUCT_BUG": "pb001",
    "AUTOMATION_BUG": "ab001",
    "SYSTEM_ISSUE": "si001",
    "TO_INVESTIGATE": "ti001",
    "NO_DEFECT": "nd001",
}

Request = tuple[str, str, dict[str, str], bytes]


class ReportPortalError(UpstreamError):
    """Report Portal answered with an error or could not be reached."""

    error = "reportportal_error"


class ReportPortalUnauthorized(ReportPortalError):
    """Report Portal rejected the API token."""

    error = "reportportal_unauthorized"


@dataclass(frozen=True, slots=True)
class Launch:
    id: int
    name: str
    number: int = 0


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str
    code_ref: str = ""
    issue_type: str = ""


def headers(token: str, *, has_body: bool = False) -> dict[str, str]:
    out = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if has_body:
        out["Content-Type"] = "application/json"
    return out


def _url(base_url: str, project: str, path: str, query: dict[str, Any] | None = None) -> str:
    url = f"{base_url.rstrip('/')}/api/v1/{quote(project, safe='')}{path}"
    return f"{url}?{urlencode(query)}" if query else url


def launches(
    token: str,
    base_url: str,
    project: str,
    *,
    name: str = "",
    attribute: str = "",
    description: str = "",
) -> Request:
    query: dict[str, Any] = {"page.sort": "startTime,DESC", "page.size": 1}
    if name:
        query["filter.eq.name"] = name
    if attribute:
        query["filter.has.compositeAttribute"] = attribute
    if description:
        query["filter.cnt.description"] = description
    return "GET", _url(base_url, project, "/launch", query), headers(token), b""


def launch(token: str, base_url: str, project: str, launch_id: int) -> Request:
    return "GET", _url(base_url, project, f"/launch/{launch_id}"), headers(token), b""


def failed_items(token: str, base_url: str, project: str, launch_id: int, page: int) -> Request:
    query = {
        "launchId": launch_id,
        "filter.eq.launchId": launch_id,
        "filter.eq.status": "FAILED",
        "filter.eq.type": "STEP",
        "page.page": page,
        "page.size": MAX_PAGE,
        "page.sort": "id,ASC",
    }
    return "GET", _url(base_url, project, "/item", query), headers(token), b""


def settings(token: str, base_url: str, project: str) -> Request:
    return "GET", _url(base_url, project, "/settings"), headers(token), b""


def update_issues(
    token: str, base_url: str, project: str, issues: list[tuple[int, str, str]]
) -> Request:
    if len(issues) > MAX_PAGE:
        raise ValueError(f"at most {MAX_PAGE} items per update")
    payload = {
        "issues": [
            {
                "testItemId": item_id,
                "issue": {
                    "issueType": locator,
                    "comment": comment,
                    "autoAnalyzed": False,
                    "ignoreAnalyzer": False,
                },
            }
            for item_id, locator, comment in issues
        ]
    }
    body = json.dumps(payload).encode()
    return "PUT", _url(base_url, project, "/item"), headers(token, has_body=True), body


def decipher(status: int, body: bytes) -> Any:
    try:
        data = json.loads(body) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if 200 <= status < 300:
        return data
    message = ""
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("error_description") or "")
    message = message or body[:200].decode("utf-8", "replace").strip() or "no details"
    if status in (401, 403):
        raise ReportPortalUnauthorized(f"Report Portal rejected the token ({status}): {message}")
    raise ReportPortalError(f"Report Portal answered {status}: {message}")


def decode_launch(data: Any) -> Launch | None:
    if isinstance(data, dict) and "content" in data:
        content = data.get("content") or []
        data = content[0] if content else None
    if not isinstance(data, dict) or "id" not in data:
        return None
    return Launch(int(data["id"]), str(data.get("name") or ""), int(data.get("number") or 0))


def decode_items(data: Any) -> tuple[list[Item], bool]:
    """One page of items, and whether more pages follow."""
    data = data if isinstance(data, dict) else {}
    items = []
    for raw in data.get("content") or []:
        if isinstance(raw, dict) and "id" in raw:
            issue = raw.get("issue") if isinstance(raw.get("issue"), dict) else {}
            items.append(
                Item(
                    int(raw["id"]),
                    str(raw.get("name") or ""),
                    str(raw.get("codeRef") or ""),
                    str((issue or {}).get("issueType") or ""),
                )
            )
    page = data.get("page") if isinstance(data.get("page"), dict) else {}
    number, total = int(page.get("number") or 1), int(page.get("totalPages") or 1)
    return items, bool(items) and number < total


def decode_locators(data: Any) -> dict[str, str]:
    """The first (default) defect subtype locator of each top-level defect type."""
    found = dict(DEFAULT_LOCATORS)
    sub_types = data.get("subTypes") if isinstance(data, dict) else None
    if isinstance(sub_types, dict):
        for type_ref, subtypes in sub_types.items():
            if isinstance(subtypes, list) and subtypes and isinstance(subtypes[0], dict):
                locator = subtypes[0].get("locator")
                if locator:
                    found[str(type_ref)] = str(locator)
    return found
