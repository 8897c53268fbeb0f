"""`verdict <command>`: one command for every process of the system, and the pipeline client.

verdict analyze         upload JUnit reports from a pipeline and report the verdict
verdict completion      print a bash/zsh completion script
verdict migrate         create the database if missing and apply migrations
verdict gateway         the HTTP API
verdict analyzer        the analyze-queue worker
verdict jira-enricher   the jira-queue worker
verdict tracker         the tracker-queue worker
verdict dev             all four at once, logs prefixed (what `make run` starts)
verdict health [NAME]   exit 0 if NAME (gateway, the default, or a worker) is alive
verdict retrain         retrain the builtin classifier on human overrides (also nightly)
verdict rotate-key      re-encrypt every stored secret with VERDICT_ENCRYPTION_KEY
                        (the previous key listed in VERDICT_ENCRYPTION_OLD_KEYS)

The server's modules (aiohttp, asyncpg, arq, settings) are imported only by the
commands that run a process: `verdict analyze` starts with the standard library alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from verdict.client.cli import add_commands as add_client_commands

if TYPE_CHECKING:
    from verdict.queue import Worker
    from verdict.settings import Settings

SERVICES = {
    "migrate": "create the database if missing and apply migrations",
    "gateway": "the HTTP API",
    "analyzer": "the analyze-queue worker",
    "jira-enricher": "the jira-queue worker",
    "tracker": "the tracker-queue worker",
    "dev": "all four at once, logs prefixed (what `make run` starts)",
    "health": "exit 0 if NAME (gateway, the default, or a worker) is alive",
    "retrain": "retrain the builtin classifier on human overrides (also nightly)",
    "rotate-key": "re-encrypt every stored secret with the current VERDICT_ENCRYPTION_KEY",
}


async def prepare_database(settings: Settings) -> None:
    from verdict.logging import get_logger
    from verdict.storage.migrate import migrate
    from verdict.storage.pool import ensure_database

    await ensure_database(settings.database_url)
    applied = await migrate(settings.database_url)
    get_logger("verdict.cli").info("database ready", applied=applied)


def _run_worker(
    queue: Worker, options: Callable[[Settings], dict[str, Any]], settings: Settings
) -> None:
    import asyncio

    from arq.worker import Worker as ArqWorker

    from services.instrumentation import instrumented

    asyncio.run(prepare_database(settings))
    # arq's Worker.run() drives its own event loop and installs signal handlers.
    ArqWorker(**instrumented(queue, options(settings))).run()


async def _retrain(settings: Settings) -> None:
    from verdict.services import triage_model
    from verdict.services.deps import Deps
    from verdict.storage.pool import create_pool

    await prepare_database(settings)
    pool = await create_pool(settings.database_url)
    try:
        report = await triage_model.retrain(Deps(settings, pool))
    finally:
        await pool.close()
    print(
        f"triage model {report.model_id}: trained on {report.trained_on} rows, "
        f"{report.overrides} of them human overrides"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verdict", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_client_commands(commands)
    for name, help_text in SERVICES.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        if name == "health":
            command.add_argument(
                "target",
                nargs="?",
                default="gateway",
                metavar="NAME",
                help="what to check: gateway (default), analyzer, jira-enricher, tracker",
            )
    return parser


def run_service(service: str, parser: argparse.ArgumentParser, target: str = "gateway") -> None:
    import asyncio

    from pydantic import ValidationError

    from verdict.logging import configure_logging, get_logger
    from verdict.security.crypto import key_problem
    from verdict.security.process import protect_process_secrets
    from verdict.settings import Settings

    # First, before any secret is read: no other process of this user may read ours.
    protected = protect_process_secrets()
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SystemExit(f"verdict: invalid settings: {exc}") from None
    if service == "health":
        from services.health_probe import TARGETS, probe

        if target not in TARGETS:
            parser.error(f"health checks one of {', '.join(TARGETS)}")
        raise SystemExit(probe(settings, target))
    configure_logging(settings, service=service)
    if not protected:
        log = get_logger("verdict.cli")
        log.warning("this platform cannot hide the process's secrets from same-user processes")
    # Every process that stores or reads a secret needs the one shared key.
    problem = key_problem(settings) if service not in ("migrate", "retrain") else ""
    if problem:
        raise SystemExit(f"verdict: {problem}")

    if service == "migrate":
        asyncio.run(prepare_database(settings))
    elif service == "gateway":
        from services.gateway.app import run

        asyncio.run(prepare_database(settings))
        run(settings)
    elif service == "analyzer":
        from services.analyzer.worker import worker_options

        _run_worker("analyze", worker_options, settings)
    elif service == "jira-enricher":
        from services.jira_enricher.worker import worker_options as jira_options

        _run_worker("jira", jira_options, settings)
    elif service == "retrain":
        asyncio.run(_retrain(settings))
    elif service == "tracker":
        from services.tracker.worker import worker_options as tracker_options

        _run_worker("tracker", tracker_options, settings)
    elif service == "rotate-key":
        raise SystemExit(asyncio.run(_rotate_key(settings)))
    else:
        from services.devstack import run_all

        raise SystemExit(run_all(settings))


async def _rotate_key(settings: Settings) -> int:
    from verdict.services.keys import rotate_encryption_key
    from verdict.storage.pool import create_pool

    await prepare_database(settings)
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        report = await rotate_encryption_key(pool, settings)
    finally:
        await pool.close()
    for kind, counts in report.items():
        print(f"{kind}: {counts.rotated} re-encrypted, {counts.unreadable} unreadable")
    # Unreadable secrets need the key that wrote them in VERDICT_ENCRYPTION_OLD_KEYS.
    return 1 if any(c.unreadable for c in report.values()) else 0


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    client_command = getattr(args, "client_command", None)
    if client_command is not None:
        raise SystemExit(client_command(args, parser))
    run_service(args.command, parser, getattr(args, "target", "gateway"))


if __name__ == "__main__":
    main()
