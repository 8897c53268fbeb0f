"""`verdict <service>`: one command for every process of the system.

verdict migrate         create the database if missing and apply migrations
verdict gateway         the HTTP API
verdict analyzer        the analyze-queue worker
verdict jira-enricher   the jira-queue worker
verdict tracker         the tracker-queue worker
verdict dev             all four at once, logs prefixed (what `make run` starts)
verdict health [NAME]   exit 0 if NAME (gateway, the default, or a worker) is alive
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from arq.worker import Worker

from verdict.logging import configure_logging, get_logger
from verdict.settings import Settings
from verdict.storage.migrate import migrate
from verdict.storage.pool import ensure_database

log = get_logger("verdict.cli")


async def prepare_database(settings: Settings) -> None:
    await ensure_database(settings.database_url)
    applied = await migrate(settings.database_url)
    log.info("database ready", applied=applied)


def _run_worker(options: Callable[[Settings], dict[str, Any]], settings: Settings) -> None:
    asyncio.run(prepare_database(settings))
    # arq's Worker.run() drives its own event loop and installs signal handlers.
    Worker(**options(settings)).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="verdict", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "service",
        choices=["migrate", "gateway", "analyzer", "jira-enricher", "tracker", "dev", "health"],
    )
    parser.add_argument("target", nargs="?", default="gateway", help="for health: what to check")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.service == "health":
        from services.health_probe import TARGETS, probe

        if args.target not in TARGETS:
            parser.error(f"health checks one of {', '.join(TARGETS)}")
        raise SystemExit(probe(settings, args.target))
    configure_logging(settings, service=args.service)

    if args.service == "migrate":
        asyncio.run(prepare_database(settings))
    elif args.service == "gateway":
        from services.gateway.app import run

        asyncio.run(prepare_database(settings))
        run(settings)
    elif args.service == "analyzer":
        from services.analyzer.worker import worker_options

        _run_worker(worker_options, settings)
    elif args.service == "jira-enricher":
        from services.jira_enricher.worker import worker_options as jira_options

        _run_worker(jira_options, settings)
    elif args.service == "tracker":
        from services.tracker.worker import worker_options as tracker_options

        _run_worker(tracker_options, settings)
    else:
        from services.devstack import run_all

        raise SystemExit(run_all(settings))


if __name__ == "__main__":
    main()
