"""The run's identity: which job, build, branch and commit a report belongs to.

Every field can be given on the command line; what is not given is read from the
environment variables the CI system sets (GitHub Actions, GitLab CI, Buildkite,
CircleCI, Azure Pipelines, Jenkins: detected in that order). The field names are the
request fields of `POST /analyze-failures`: job_name, build_number, run_id, branch,
commit, pull_request, run_url, ci, labels.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

Env = Mapping[str, str]
_EVENT_MAX_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass
class RunIdentity:
    job_name: str | None = None
    build_number: int | None = None
    run_id: str | None = None
    branch: str | None = None
    commit: str | None = None
    pull_request: int | None = None
    run_url: str | None = None
    ci: str | None = None
    labels: dict[str, str] = dataclasses.field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The request fields that have a value (empty ones are not sent)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None and value != "" and value != {}:
                out[field.name] = value
        return out

    def over(self, base: RunIdentity) -> RunIdentity:
        """This identity's values, with `base` filling what this one lacks (labels merged)."""
        merged = {
            f.name: getattr(self, f.name)
            if getattr(self, f.name) is not None
            else getattr(base, f.name)
            for f in dataclasses.fields(self)
            if f.name != "labels"
        }
        return RunIdentity(**merged, labels={**base.labels, **self.labels})


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _join(*parts: str | None) -> str | None:
    present = [p.strip() for p in parts if p and p.strip()]
    return "/".join(present) or None


def repository_path(url: str | None) -> str | None:
    """`owner/repo` of a clone URL (https, ssh or scp form); a plain path stays as it is."""
    url = (url or "").strip()
    if not url:
        return None
    match = re.match(r"^(?:[a-z+]+://[^/]+/|[^@/:]+@[^:]+:)(?P<path>.+?)(?:\.git)?/?$", url)
    return match.group("path") if match else url


def _labels(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def _strip_ref(ref: str | None, prefix: str = "refs/heads/") -> str | None:
    ref = _text(ref)
    return ref[len(prefix) :] if ref and ref.startswith(prefix) else ref


def _github_event(env: Env) -> dict[str, Any]:
    """The webhook payload GitHub Actions writes to $GITHUB_EVENT_PATH (PR number, head sha)."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_EVENT_MAX_BYTES + 1)
        event = json.loads(raw) if len(raw) <= _EVENT_MAX_BYTES else {}
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def github_actions(env: Env) -> RunIdentity:
    event = _github_event(env)
    pull = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    assert isinstance(pull, dict)
    head = pull.get("head") if isinstance(pull.get("head"), dict) else {}
    assert isinstance(head, dict)
    ref_pull = re.match(r"^refs/pull/(\d+)/", env.get("GITHUB_REF", ""))
    number = pull.get("number") if isinstance(pull.get("number"), int) else None
    if number is None and ref_pull:
        number = int(ref_pull.group(1))
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    run_url = f"{server.rstrip('/')}/{repo}/actions/runs/{run}" if server and repo and run else None
    attempt = _int(env.get("GITHUB_RUN_ATTEMPT"))
    if run_url and attempt and attempt > 1:
        run_url += f"/attempts/{attempt}"
    return RunIdentity(
        job_name=_join(repo, env.get("GITHUB_WORKFLOW"), env.get("GITHUB_JOB")),
        build_number=_int(env.get("GITHUB_RUN_NUMBER")),
        run_id=_text(run),
        branch=_text(env.get("GITHUB_HEAD_REF")) or _text(env.get("GITHUB_REF_NAME")),
        # On a pull request GITHUB_SHA is GitHub's merge commit; the PR's head is the change.
        commit=_text(head.get("sha") if isinstance(head.get("sha"), str) else None)
        or _text(env.get("GITHUB_SHA")),
        pull_request=number,
        run_url=run_url,
        ci="github-actions",
        labels=_labels(repository=_text(repo)),
    )


def gitlab(env: Env) -> RunIdentity:
    project = _text(env.get("CI_PROJECT_PATH"))
    return RunIdentity(
        job_name=_join(project, env.get("CI_JOB_NAME")),
        build_number=_int(env.get("CI_PIPELINE_IID")),
        run_id=_text(env.get("CI_PIPELINE_ID")),
        branch=_text(env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"))
        or _text(env.get("CI_COMMIT_BRANCH"))
        or _text(env.get("CI_COMMIT_REF_NAME")),
        commit=_text(env.get("CI_COMMIT_SHA")),
        pull_request=_int(env.get("CI_MERGE_REQUEST_IID")),
        run_url=_text(env.get("CI_JOB_URL")) or _text(env.get("CI_PIPELINE_URL")),
        ci="gitlab",
        labels=_labels(repository=project),
    )


def buildkite(env: Env) -> RunIdentity:
    build_url, job = _text(env.get("BUILDKITE_BUILD_URL")), _text(env.get("BUILDKITE_JOB_ID"))
    pull = _text(env.get("BUILDKITE_PULL_REQUEST"))
    return RunIdentity(
        job_name=_join(env.get("BUILDKITE_ORGANIZATION_SLUG"), env.get("BUILDKITE_PIPELINE_SLUG")),
        build_number=_int(env.get("BUILDKITE_BUILD_NUMBER")),
        run_id=_text(env.get("BUILDKITE_BUILD_ID")),
        branch=_text(env.get("BUILDKITE_BRANCH")),
        commit=_text(env.get("BUILDKITE_COMMIT")),
        pull_request=_int(pull) if pull != "false" else None,
        run_url=f"{build_url}#{job}" if build_url and job else build_url,
        ci="buildkite",
        labels=_labels(repository=repository_path(env.get("BUILDKITE_REPO"))),
    )


def circleci(env: Env) -> RunIdentity:
    owner, repo = env.get("CIRCLE_PROJECT_USERNAME"), env.get("CIRCLE_PROJECT_REPONAME")
    pull = _int(env.get("CIRCLE_PR_NUMBER"))
    if pull is None:
        pull = _int((env.get("CIRCLE_PULL_REQUEST") or "").rstrip("/").rpartition("/")[2])
    return RunIdentity(
        job_name=_join(owner, repo, env.get("CIRCLE_JOB")),
        build_number=_int(env.get("CIRCLE_BUILD_NUM")),
        run_id=_text(env.get("CIRCLE_WORKFLOW_ID")),
        branch=_text(env.get("CIRCLE_BRANCH")),
        commit=_text(env.get("CIRCLE_SHA1")),
        pull_request=pull,
        run_url=_text(env.get("CIRCLE_BUILD_URL")),
        ci="circleci",
        labels=_labels(repository=_join(owner, repo)),
    )


def azure(env: Env) -> RunIdentity:
    collection, project = env.get("SYSTEM_COLLECTIONURI"), env.get("SYSTEM_TEAMPROJECT")
    build_id = _text(env.get("BUILD_BUILDID"))
    run_url = None
    if collection and project and build_id:
        run_url = f"{collection.rstrip('/')}/{quote(project)}/_build/results?buildId={build_id}"
    return RunIdentity(
        job_name=_join(project, env.get("BUILD_DEFINITIONNAME")),
        build_number=_int(build_id),
        # Azure's "build number" is a formatted name such as 20240501.3: the free-form id.
        run_id=_text(env.get("BUILD_BUILDNUMBER")),
        branch=_strip_ref(env.get("SYSTEM_PULLREQUEST_SOURCEBRANCH"))
        or _strip_ref(env.get("BUILD_SOURCEBRANCH")),
        commit=_text(env.get("SYSTEM_PULLREQUEST_SOURCECOMMITID"))
        or _text(env.get("BUILD_SOURCEVERSION")),
        pull_request=_int(env.get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"))
        or _int(env.get("SYSTEM_PULLREQUEST_PULLREQUESTID")),
        run_url=run_url,
        ci="azure",
        labels=_labels(repository=_text(env.get("BUILD_REPOSITORY_NAME"))),
    )


def jenkins(env: Env) -> RunIdentity:
    git_branch = _text(env.get("GIT_BRANCH"))
    if git_branch and git_branch.startswith("origin/"):
        git_branch = git_branch[len("origin/") :]
    return RunIdentity(
        job_name=_text(env.get("JOB_NAME")),
        build_number=_int(env.get("BUILD_NUMBER")),
        run_id=_text(env.get("BUILD_TAG")),
        # A multibranch pull request build: CHANGE_BRANCH is the PR's source branch.
        branch=_text(env.get("CHANGE_BRANCH")) or _text(env.get("BRANCH_NAME")) or git_branch,
        commit=_text(env.get("GIT_COMMIT")),
        pull_request=_int(env.get("CHANGE_ID")),
        run_url=_text(env.get("BUILD_URL")),
        ci="jenkins",
        labels=_labels(repository=repository_path(env.get("GIT_URL"))),
    )


DETECTORS: dict[str, tuple[Callable[[Env], bool], Callable[[Env], RunIdentity]]] = {
    "github-actions": (lambda env: env.get("GITHUB_ACTIONS") == "true", github_actions),
    "gitlab": (lambda env: env.get("GITLAB_CI") == "true", gitlab),
    "buildkite": (lambda env: env.get("BUILDKITE") == "true", buildkite),
    "circleci": (lambda env: env.get("CIRCLECI") == "true", circleci),
    "azure": (lambda env: env.get("TF_BUILD", "").lower() == "true", azure),
    "jenkins": (lambda env: bool(env.get("JENKINS_URL") and env.get("BUILD_NUMBER")), jenkins),
}


def detect(env: Env, ci: str | None = None) -> RunIdentity:
    """The identity the environment gives: of CI system `ci`, or of the first one detected.

    `ci="other"` (or an unknown system) reads nothing, and no CI found is an empty identity.
    """
    if ci is not None:
        entry = DETECTORS.get(ci)
        return entry[1](env) if entry else RunIdentity(ci=ci)
    for is_here, read in DETECTORS.values():
        if is_here(env):
            return read(env)
    return RunIdentity()
