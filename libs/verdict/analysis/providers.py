"""Which AI provider and model a request ends up with, checked before a job exists."""

from __future__ import annotations

from verdict.analysis.engine import provider_defaults
from verdict.contracts.requests import BaseAnalysisRequest, split_repo_ref
from verdict.settings import Settings
from verdict.triage.providers import resolve_provider
from verdict.triage.workspace import validate_repo_name
from verdict.urlguard import check_url_allowed


def check_ai_config(request: BaseAnalysisRequest, settings: Settings) -> tuple[str, str]:
    """The (provider, model) for the main analysis. Unknown providers, blank models,
    invalid peers and invalid additional repo names are a 400 now, not a failed job later."""
    defaults = provider_defaults(settings)
    main = resolve_provider(request.ai_provider, request.ai_model, defaults)
    for peer in request.peer_ai_configs or []:
        resolve_provider(peer.ai_provider, peer.ai_model, defaults)
    taken: set[str] = set()
    for repo in request.additional_repos or []:
        validate_repo_name(repo.name, taken)  # adds the name to `taken`
    model = "" if main.provider == "builtin" else main.model
    return main.provider, model


def check_request_urls(request: BaseAnalysisRequest, settings: Settings) -> None:
    """Every URL the server would fetch for this request must name an allowed host (400)."""
    allowed = settings.effective_allowed_hosts()
    urls = [request.jira_url, request.tests_repo_url]
    urls += [repo.url for repo in request.additional_repos or []]
    for url in urls:
        if url:
            check_url_allowed(split_repo_ref(url)[0], allowed)
