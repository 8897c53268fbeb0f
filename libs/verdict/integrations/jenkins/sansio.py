"""Pure Jenkins request builders and response decoders (no I/O), gidgethub style.

Callers build a URL + headers here, let an adapter move the bytes, and hand
(status, headers, body) back here to get typed data or a typed exception.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from verdict.errors import BadRequest
from verdict.integrations.jenkins.exceptions import (
    JenkinsError,
    JenkinsNotFound,
    JenkinsUnauthorized,
)
from verdict.integrations.jenkins.models import Artifact, BuildInfo, TestReport
from verdict.integrations.jenkins.testreport import TEST_REPORT_TREE, parse_test_report

USER_AGENT = "verdict-jenkins"

# `tree=` keeps build JSON small: Jenkins otherwise serialises every action of
# every plugin. Child builds live in `subBuilds` (multijob), `runs` (matrix) and
# `actions[].triggeredBuilds` (parameterized-trigger's BuildInfoExporterAction).
# Pipeline `build` steps export nothing: those children come from the console.
# Unknown names in a tree are ignored by Jenkins, so one tree fits every job type.
BUILD_TREE = (
    "_class,number,url,result,building,duration,timestamp,displayName,fullDisplayName,"
    "artifacts[fileName,relativePath],"
    "actions[_class,causes[shortDescription,upstreamProject,upstreamBuild],"
    "parameters[name,value],lastBuiltRevision[SHA1,branch[name]],"
    "triggeredBuilds[number,url,result,fullDisplayName]],"
    "subBuilds[jobName,buildNumber,url,result,phaseName],"
    "runs[number,url,result]"
)

_ERROR_SNIPPET = 200


def job_path(job_name: str) -> str:
    """`folder/sub/job` → `job/folder/job/sub/job/job`, each segment URL-quoted.

    A segment with `=` after the first is a matrix configuration (`nodes=linux`,
    `a=1,b=2`): Jenkins serves it directly under its parent, without `job/`.
    """
    segments = [s for s in job_name.strip().split("/") if s]
    if not segments:
        raise BadRequest("Jenkins job name is empty")
    if any(s in (".", "..") for s in segments):
        raise BadRequest(f"Jenkins job name {job_name!r} contains '.' or '..' segments")
    parts = []
    for i, seg in enumerate(segments):
        if i > 0 and "=" in seg:
            parts.append(quote(seg, safe="=,"))
        else:
            parts.append("job/" + quote(seg, safe=""))
    return "/".join(parts)


def job_name_from_url(url: str) -> str | None:
    """The job name (`folder/job`, `matrix/axis=x`) a build or job URL points at."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    names: list[str] = []
    i = 0
    while i < len(segments):
        if segments[i] == "job" and i + 1 < len(segments):
            names.append(segments[i + 1])
            i += 2
            continue
        # A matrix cell sits right after its parent job, before the build number.
        if names and "=" in segments[i]:
            names.append(segments[i])
        i += 1
    return "/".join(names) or None


def build_url(base: str, job_name: str, number: int) -> str:
    """The build's root URL, with a trailing slash as Jenkins writes them."""
    if number < 0:
        raise BadRequest(f"Jenkins build number must be >= 0, got {number}")
    return f"{base.rstrip('/')}/{job_path(job_name)}/{number}/"


def build_info_url(base: str, job_name: str, number: int, tree: str = BUILD_TREE) -> str:
    return f"{build_url(base, job_name, number)}api/json?tree={quote(tree, safe=',[]_')}"


def test_report_url(base: str, job_name: str, number: int, tree: str = TEST_REPORT_TREE) -> str:
    url = build_url(base, job_name, number)
    return f"{url}testReport/api/json?tree={quote(tree, safe=',[]_')}"


def console_url(base: str, job_name: str, number: int) -> str:
    return f"{build_url(base, job_name, number)}consoleText"


def artifact_url(base: str, job_name: str, number: int, relative_path: str) -> str:
    path = "/".join(quote(p, safe="") for p in relative_path.split("/") if p)
    return f"{build_url(base, job_name, number)}artifact/{path}"


def create_headers(
    user: str | None = None, token: str | None = None, *, accept: str = "application/json"
) -> dict[str, str]:
    """Request headers; Basic auth with user + API token when both are given."""
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if user and token:
        raw = f"{user}:{token}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
    return headers


def raise_for_status(status: int, body: bytes = b"", *, url: str = "") -> None:
    """Raise the typed error for a non-2xx answer; return quietly for 2xx."""
    if 200 <= status < 300:
        return
    where = f" for {url}" if url else ""
    if status in (401, 403):
        raise JenkinsUnauthorized(
            f"Jenkins refused access ({status}){where}: check the Jenkins user and API token",
            jenkins_status=status,
        )
    if status == 404:
        raise JenkinsNotFound(f"Jenkins has no such job or build{where}", jenkins_status=status)
    if 300 <= status < 400:
        # Redirects are not followed: one could point the server anywhere.
        raise JenkinsError(
            f"Jenkins redirected ({status}){where}; set the Jenkins URL to the final address",
            jenkins_status=status,
        )
    snippet = body[:_ERROR_SNIPPET].decode("utf-8", "replace").strip()
    raise JenkinsError(f"Jenkins answered {status}{where}: {snippet}", jenkins_status=status)


def decode_json(status: int, headers: Mapping[str, str], body: bytes, *, url: str = "") -> Any:
    """JSON of a 2xx answer, or a typed error."""
    raise_for_status(status, body, url=url)
    try:
        return json.loads(body)
    except ValueError:
        # Often an SSO login page served with 200 to an unauthenticated client.
        ctype = headers.get("Content-Type", headers.get("content-type", "?"))
        raise JenkinsError(
            f"Jenkins sent {ctype} instead of JSON for {url or 'the request'}; "
            "is the Jenkins URL right and are the credentials accepted?",
            jenkins_status=status,
        ) from None


def decode_build_info(
    status: int, headers: Mapping[str, str], body: bytes, *, url: str = ""
) -> BuildInfo:
    data = decode_json(status, headers, body, url=url)
    if not isinstance(data, dict):
        raise JenkinsError(f"Jenkins build JSON is not an object for {url}")
    return parse_build_info(data)


def decode_test_report(
    status: int, headers: Mapping[str, str], body: bytes, *, url: str = ""
) -> TestReport | None:
    """The parsed report, or None when the build has none (Jenkins answers 404)."""
    if status == 404:
        return None
    data = decode_json(status, headers, body, url=url)
    if not isinstance(data, dict):
        raise JenkinsError(f"Jenkins testReport JSON is not an object for {url}")
    return parse_test_report(data)


def parse_build_info(data: dict[str, Any]) -> BuildInfo:
    """The typed view of a build JSON; tolerant of the `{}` placeholder actions."""
    parameters: dict[str, Any] = {}
    causes: list[str] = []
    revision = None
    branch = None
    for action in _dicts(data.get("actions")):
        for param in _dicts(action.get("parameters")):
            if isinstance(param.get("name"), str):
                parameters[param["name"]] = param.get("value")
        for cause in _dicts(action.get("causes")):
            if cause.get("shortDescription"):
                causes.append(str(cause["shortDescription"]))
        last = action.get("lastBuiltRevision")
        if revision is None and isinstance(last, dict) and last.get("SHA1"):
            revision = str(last["SHA1"])
            names = [b.get("name") for b in _dicts(last.get("branch"))]
            branch = next((_short_branch(n) for n in names if isinstance(n, str) and n), None)
    artifacts = tuple(
        Artifact(relative_path=str(a["relativePath"]), file_name=str(a.get("fileName", "")))
        for a in _dicts(data.get("artifacts"))
        if a.get("relativePath")
    )
    return BuildInfo(
        number=_int(data.get("number")),
        url=str(data.get("url") or ""),
        result=data.get("result") if isinstance(data.get("result"), str) else None,
        building=bool(data.get("building", False)),
        duration_ms=_int(data.get("duration")),
        timestamp_ms=_int(data.get("timestamp")),
        display_name=str(data.get("fullDisplayName") or data.get("displayName") or ""),
        parameters=parameters,
        causes=tuple(causes),
        revision=revision,
        branch=branch,
        artifacts=artifacts,
        raw=data,
    )


def _short_branch(name: str) -> str:
    """`origin/main`, `refs/remotes/origin/main` or `refs/heads/main` → `main`."""
    for prefix in ("refs/remotes/origin/", "refs/heads/", "origin/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
