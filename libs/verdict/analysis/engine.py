"""Classify signature groups: human overrides, then reuse, then one fresh answer per signature.

Every analysis path (direct failures, Jenkins builds and their children) calls
`TriageEngine.classify`. A signature is answered once per job however many
tests or child builds share it, and across builds it is answered from history
when a human classified it or an AI did recently with enough confidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from verdict.analysis.model import Group, GroupAnalysis
from verdict.logging import get_logger
from verdict.services.triage_model import current_model
from verdict.settings import Settings
from verdict.storage import reuse as reuse_repo
from verdict.storage import rules as rules_repo
from verdict.triage import builtin
from verdict.triage.peer import run_peer_debate
from verdict.triage.prompt import PromptGroup
from verdict.triage.providers import (
    AiAnswer,
    AiLimiter,
    Provider,
    ProviderConfig,
    ProviderDefaults,
    ProviderError,
    analyze_group,
    make_provider,
    resolve_provider,
)
from verdict.triage.retrain import ModelCache
from verdict.triage.review import needs_review, wants_ai
from verdict.triage.rules import build_ruleset
from verdict.triage.workspace import prepare_repo_context
from verdict.urlguard import check_url_allowed

log = get_logger(__name__)

GroupDone = Callable[[int, int], Awaitable[None]]


def provider_defaults(settings: Settings) -> ProviderDefaults:
    return ProviderDefaults(
        provider=settings.ai_provider,
        model=settings.ai_model,
        openai_base_url=settings.openai_base_url,
        openai_api_key=settings.openai_api_key.get_secret_value(),
        anthropic_base_url=settings.anthropic_base_url,
        anthropic_api_key=settings.anthropic_api_key.get_secret_value(),
        gemini_base_url=settings.gemini_base_url,
        gemini_api_key=settings.gemini_api_key.get_secret_value(),
        timeout_s=settings.ai_timeout_s,
        cli_timeout_minutes=settings.ai_cli_timeout_minutes,
        cli_user=settings.ai_cli_user,
        cli_home=settings.ai_cli_home,
        max_retries=settings.ai_max_retries,
        prices=settings.ai_prices,
    )


@dataclass
class _Plan:
    main: ProviderConfig
    peers: list[ProviderConfig]
    max_rounds: int
    raw_prompt: str
    force_fresh: bool
    tests_repo_url: str
    tests_repo_ref: str
    additional_repos: list[dict[str, str]]


def _plan(params: dict[str, Any], settings: Settings) -> _Plan:
    defaults = provider_defaults(settings)
    cli_timeout = params.get("ai_cli_timeout")
    main = resolve_provider(
        params.get("ai_provider"), params.get("ai_model"), defaults, cli_timeout_minutes=cli_timeout
    )
    peer_entries = params.get("peer_ai_configs")
    if peer_entries is None:
        peer_entries = settings.peer_ai_configs
    peers = [
        resolve_provider(p["ai_provider"], p["ai_model"], defaults, cli_timeout_minutes=cli_timeout)
        for p in peer_entries
    ]
    repos = params.get("additional_repos")
    return _Plan(
        main=main,
        peers=[p for p in peers if p.provider != "builtin"],
        max_rounds=int(params.get("peer_analysis_max_rounds") or settings.peer_analysis_max_rounds),
        raw_prompt=params.get("raw_prompt") or "",
        force_fresh=bool(params.get("force_fresh_analysis")),
        tests_repo_url=params.get("tests_repo_url") or settings.tests_repo_url,
        tests_repo_ref=params.get("tests_repo_ref") or "",
        additional_repos=list(repos or []),
    )


@dataclass
class TriageEngine:
    """One per worker process: the pool, one HTTP session and one AI limiter shared by all jobs."""

    pool: asyncpg.Pool[asyncpg.Record]
    settings: Settings
    http: aiohttp.ClientSession | None = None
    limiter: AiLimiter = field(default_factory=lambda: AiLimiter(4))
    # The newest model retrained on human overrides (services/triage_model.py).
    model_cache: ModelCache = field(default_factory=ModelCache)

    async def classify(
        self,
        job_id: uuid.UUID,
        groups: list[Group],
        params: dict[str, Any],
        *,
        console: str = "",
        on_group_done: GroupDone | None = None,
    ) -> None:
        plan = _plan(params, self.settings)
        by_signature: dict[str, list[Group]] = {}
        for group in groups:
            by_signature.setdefault(group.signature, []).append(group)
        signatures = list(by_signature)
        answers: dict[str, GroupAnalysis] = {}
        usage_rows: list[tuple[str, str, str, int, int, float, bool]] = []

        async with self.pool.acquire() as conn:
            if not plan.force_fresh:
                answers.update(
                    _from_humans(await reuse_repo.human_classifications(conn, signatures))
                )
                if plan.main.provider != "builtin":
                    remaining = [s for s in signatures if s not in answers]
                    reused = await reuse_repo.recent_ai_analyses(
                        conn,
                        remaining,
                        min_confidence=self.settings.reuse_min_confidence,
                        window_s=self.settings.reuse_window_days * 86400,
                        exclude_job=job_id,
                    )
                    for sig, row in reused.items():
                        answers[sig] = _from_history(row)
                        usage_rows.append(
                            (row["provider"], row["model"], "analysis", 0, 0, 0.0, True)
                        )
            model = await current_model(conn, self.model_cache)
            ruleset = build_ruleset(
                [rules_repo.as_rule_dict(r) for r in await rules_repo.list_rules(conn)]
            )

        todo = [s for s in signatures if s not in answers]
        done = len(answers)
        if on_group_done and done:
            await on_group_done(done, len(signatures))

        if todo:
            async with self._providers(plan) as (main, peers, repo_text, custom_prompt):

                async def answer(sig: str) -> None:
                    nonlocal done
                    first = by_signature[sig][0].representative
                    verdict = builtin.classify(
                        first.error_message,
                        first.stack_trace,
                        console,
                        first.test_name,
                        rules=ruleset,
                        model=model,
                    )
                    if main is None or not wants_ai(
                        self.settings.ai_mode, verdict.confidence, self.settings.review_below
                    ):
                        answers[sig] = _from_builtin(verdict)
                    else:
                        prompt = _prompt(
                            sig, by_signature[sig], console, plan, repo_text, custom_prompt
                        )
                        answers[sig], calls = await self._ask_ai(main, peers, plan, prompt, verdict)
                        usage_rows.extend(calls)
                    done += 1
                    if on_group_done:
                        await on_group_done(done, len(signatures))

                await asyncio.gather(*(answer(sig) for sig in todo))

        for analysis in answers.values():
            analysis.needs_review = needs_review(
                analysis.confidence, analysis.source, self.settings.review_below
            )
        for sig, sig_groups in by_signature.items():
            for group in sig_groups:
                group.analysis = answers[sig]
        if usage_rows:
            async with self.pool.acquire() as conn:
                await reuse_repo.record_usage(conn, job_id, usage_rows)

    @contextlib.asynccontextmanager
    async def _providers(
        self, plan: _Plan
    ) -> AsyncIterator[tuple[Provider | None, list[tuple[Any, Provider]], str, str]]:
        if plan.main.provider == "builtin":
            yield None, [], "", ""
            return
        with tempfile.TemporaryDirectory(prefix="verdict-ws-") as tmp:
            repo_text, custom_prompt, cwd = "", "", Path(tmp)
            if plan.tests_repo_url or plan.additional_repos:
                allowed = self.settings.effective_allowed_hosts()
                for url in [plan.tests_repo_url, *(r["url"] for r in plan.additional_repos)]:
                    if url:
                        check_url_allowed(url, allowed)
                context = await prepare_repo_context(
                    plan.tests_repo_url or None,
                    plan.tests_repo_ref,
                    plan.additional_repos,
                    cwd,
                    allowed_hosts=allowed,
                    allowed_protocols=("https", "http")
                    if self.settings.git_allow_http
                    else ("https",),
                )
                repo_text, custom_prompt = context.summary, context.custom_prompt
            main = make_provider(plan.main, self.http, cwd=cwd)
            peers = [(_PeerEntry(p), make_provider(p, self.http, cwd=cwd)) for p in plan.peers]
            yield main, peers, repo_text, custom_prompt

    async def _ask_ai(
        self,
        main: Provider,
        peers: list[tuple[Any, Provider]],
        plan: _Plan,
        prompt: PromptGroup,
        fallback: builtin.Verdict,
    ) -> tuple[GroupAnalysis, list[tuple[str, str, str, int, int, float, bool]]]:
        try:
            answer = await analyze_group(main, prompt, self.limiter)
            trail = None
            if peers:
                answer, trail = await run_peer_debate(
                    main, peers, prompt, answer, plan.max_rounds, self.limiter
                )
        except ProviderError as exc:
            # Never store raw text as an analysis: fall back to the rules, and say so.
            log.warning("AI analysis failed, using builtin rules", error=exc.detail)
            analysis = _from_builtin(fallback)
            analysis.details = (
                f"AI analysis failed ({exc.detail}); builtin rules: {analysis.details}"
            )
            analysis.provenance = {"ai_error": exc.detail, "ai_provider": plan.main.provider}
            return analysis, [(plan.main.provider, plan.main.model, "analysis", 0, 0, 0.0, False)]
        usage = answer.usage
        calls = [(answer.provider, answer.model, "analysis", 0, 0, 0.0, False)] * max(
            usage.calls - 1, 0
        )
        calls.append(
            (
                answer.provider,
                answer.model,
                "analysis",
                usage.input_tokens,
                usage.output_tokens,
                usage.cost,
                False,
            )
        )
        return _from_ai(answer, trail), calls


@dataclass(frozen=True)
class _PeerEntry:
    config: ProviderConfig

    @property
    def ai_provider(self) -> str:
        return self.config.provider

    @property
    def ai_model(self) -> str:
        return self.config.model


def _prompt(
    sig: str,
    groups: list[Group],
    console: str,
    plan: _Plan,
    repo_text: str,
    custom_prompt: str,
) -> PromptGroup:
    first = groups[0].representative
    tests = list(dict.fromkeys(t for g in groups for t in g.affected_tests))
    return PromptGroup(
        signature=sig,
        test_name=first.test_name,
        message=first.error_message,
        stack=first.stack_trace,
        affected_tests=tests,
        console=console,
        repo_context=repo_text,
        raw_prompt=plan.raw_prompt,
        custom_prompt=custom_prompt,
    )


def _from_builtin(verdict: builtin.Verdict) -> GroupAnalysis:
    return GroupAnalysis(
        classification=verdict.classification,
        details=verdict.details,
        evidence=verdict.evidence,
        confidence=verdict.confidence,
        source="builtin",
        provider="builtin",
        rule_id=verdict.rule_id,
        code_fix=verdict.code_fix,
        product_bug_report=verdict.product_bug_report,
        provenance={"rule_id": verdict.rule_id} if verdict.rule_id else {},
    )


def _from_ai(answer: AiAnswer, trail: dict[str, Any] | None) -> GroupAnalysis:
    detail = answer.detail
    return GroupAnalysis(
        classification=answer.classification,
        details=str(detail.get("details", "")),
        evidence=str(detail.get("artifacts_evidence", "")),
        confidence=answer.confidence,
        source="ai",
        provider=answer.provider,
        model=answer.model,
        code_fix=detail.get("code_fix") or None,
        product_bug_report=detail.get("product_bug_report") or None,
        peer_debate=trail,
        input_tokens=answer.usage.input_tokens,
        output_tokens=answer.usage.output_tokens,
    )


def _from_humans(rows: dict[str, asyncpg.Record]) -> dict[str, GroupAnalysis]:
    out = {}
    for sig, row in rows.items():
        who = row["created_by"] or "a reviewer"
        when = row["created_at"].strftime("%Y-%m-%d %H:%M:%S")
        reason = f": {row['reason']}" if row["reason"] else ""
        out[sig] = GroupAnalysis(
            classification=row["classification"],
            details=f"Classified as {row['classification']} by {who} on {when}{reason}.",
            evidence="",
            confidence=1.0,
            source="human",
            provider="human",
            provenance={
                "source": "human",
                "by": who,
                "at": when,
                "job_id": str(row["job_id"]) if row["job_id"] else "",
            },
        )
    return out


def _from_history(row: asyncpg.Record) -> GroupAnalysis:
    return GroupAnalysis(
        classification=row["classification"],
        details=row["details"],
        evidence=row["evidence"],
        confidence=float(row["confidence"]),
        source="history",
        provider=row["provider"],
        model=row["model"],
        code_fix=row["code_fix"],
        product_bug_report=row["product_bug_report"],
        provenance={
            "source": "history",
            "job_id": str(row["job_id"]),
            "at": row["created_at"].strftime("%Y-%m-%d %H:%M:%S"),
            "provider": row["provider"],
            "model": row["model"],
        },
    )
