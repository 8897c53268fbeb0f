"""What a report's forms post to (`/ui/results/{job_id}/…`): each parses its form, calls
the one service operation its REST twin calls, with the same identity, and answers JSON
to the page's fetch() or a redirect back to the card for a plain form. The scope table
(services/gateway/security.py) gives these paths the scopes of their REST twins."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.identity import current_identity
from services.gateway.keys import deps_of
from services.gateway.pages import forms
from services.gateway.pages.render import render
from services.gateway.pages.status import job_id_of
from verdict.contracts.collaboration import AddCommentRequest, OverrideClassificationRequest
from verdict.contracts.requests import BaseAnalysisRequest
from verdict.contracts.tracker import CreateIssueRequest, PreviewIssueRequest
from verdict.errors import ValidationFailed
from verdict.services import analysis, collaboration, reports, trackers

routes = web.RouteTableDef()


def _scope(form: dict[str, str]) -> dict[str, Any]:
    return {
        "test_name": forms.text(form, "test_name"),
        "child_job_name": forms.text(form, "child_job_name"),
        "child_build_number": forms.number(form, "child_build_number"),
    }


def _report(job_id: object, anchor: str = "") -> str:
    return f"/results/{job_id}" + (f"#{anchor}" if anchor else "")


@routes.post("/ui/results/{job_id}/reviewed")
async def reviewed(request: web.Request) -> web.Response:
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    analysis_id = forms.number(form, "analysis_id")
    value = forms.text(form, "reviewed", "true").lower() in ("true", "1", "on", "yes")
    identity = await current_identity(request)
    done = await reports.set_group_reviewed(deps_of(request), identity, job_id, analysis_id, value)
    notice = "Marked reviewed." if value else "Marked not reviewed."
    return forms.answer(request, done, location=_report(job_id, f"g{analysis_id}"), notice=notice)


@routes.post("/ui/results/{job_id}/comments")
async def comment(request: web.Request) -> web.Response:
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    body = AddCommentRequest.model_validate({**_scope(form), "comment": form.get("comment", "")})
    identity = await current_identity(request)
    comment_id = await collaboration.add_comment(deps_of(request), identity, job_id, body)
    data = {"id": comment_id, "username": identity.username, "comment": body.comment}
    return forms.answer(request, data, location=_report(job_id), notice="Comment added.")


@routes.post("/ui/results/{job_id}/override")
async def override(request: web.Request) -> web.Response:
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    body = OverrideClassificationRequest.model_validate(
        {**_scope(form), "classification": forms.text(form, "classification")}
    )
    identity = await current_identity(request)
    done = await collaboration.override_classification(deps_of(request), identity, job_id, body)
    data = {**done, "username": identity.username}
    notice = f"Classification set to {body.classification}."
    return forms.answer(request, data, location=_report(job_id), notice=notice)


def _tracker(form: dict[str, str]) -> str:
    tracker = forms.text(form, "tracker")
    if tracker not in ("github", "jira"):
        raise ValidationFailed("form.tracker: github or jira")
    return tracker


def _credentials(form: dict[str, str]) -> dict[str, str]:
    names = ("github_repo_url", "github_token", "jira_token", "jira_email", "jira_project_key")
    return {name: forms.text(form, name) for name in names if forms.text(form, name)}


@routes.post("/ui/results/{job_id}/preview")
async def preview(request: web.Request) -> web.Response:
    """Step 1 of filing a bug: the generated title and body, in a form to edit."""
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    tracker = _tracker(form)
    body = PreviewIssueRequest.model_validate(
        {**_scope(form), **_credentials(form), "include_links": True}
    )
    identity = await current_identity(request)
    operation = trackers.preview_github_issue if tracker == "github" else trackers.preview_jira_bug
    found = await operation(deps_of(request), identity, job_id, body)
    return await render(
        request,
        "issue.html",
        {
            "job_id": job_id,
            "tracker": tracker,
            "scope": _scope(form),
            "credentials": _credentials(form),
            "preview": found if isinstance(found, dict) else {},
        },
    )


@routes.post("/ui/results/{job_id}/create")
async def create(request: web.Request) -> web.Response:
    """Step 2: file the edited issue; the report links it in a comment."""
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    tracker = _tracker(form)
    body = CreateIssueRequest.model_validate(
        {
            **_scope(form),
            **_credentials(form),
            "title": form.get("title", ""),
            "body": form.get("body", ""),
            "jira_security_level": forms.text(form, "jira_security_level"),
        }
    )
    identity = await current_identity(request)
    operation = trackers.create_github_issue if tracker == "github" else trackers.create_jira_bug
    created = await operation(deps_of(request), identity, job_id, body)
    data = created if isinstance(created, dict) else {}
    return forms.answer(
        request, data, location=_report(job_id), notice=f"Filed: {data.get('url', '')}"
    )


@routes.post("/ui/results/{job_id}/push-reportportal")
async def push_reportportal(request: web.Request) -> web.Response:
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    child = forms.text(form, "child_job_name")
    pushed = await trackers.push_reportportal(
        deps_of(request),
        job_id,
        child_job_name=child,
        child_build_number=forms.number(form, "child_build_number") if child else None,
        launch_id=None,
    )
    data = pushed if isinstance(pushed, dict) else {}
    errors = "; ".join(str(e) for e in data.get("errors", []))
    notice = f"Report Portal: {data.get('pushed', 0)} items updated" + (
        f"; errors: {errors}" if errors else ""
    )
    return forms.answer(request, data, location=_report(job_id), notice=notice)


@routes.post("/ui/results/{job_id}/re-analyze")
async def re_analyze(request: web.Request) -> web.Response:
    job_id = job_id_of(dict(request.match_info))
    form = await forms.fields(request)
    overrides = BaseAnalysisRequest.model_validate(
        {k: forms.text(form, k) for k in ("ai_provider", "ai_model") if forms.text(form, k)}
    )
    new_id = await analysis.re_analyze(deps_of(request), job_id, overrides)
    location = f"/status/{new_id}"
    return forms.answer(request, {"job_id": str(new_id), "location": location}, location=location)
