"""`make chaos`: the fault scenarios of issue 19 against a private stack, one table.

    .venv/bin/python -m tests.chaos.run                  # everything (~15 min)
    .venv/bin/python -m tests.chaos.run --only redis     # scenarios whose name contains it
    .venv/bin/python -m tests.chaos.run --out notes.txt  # also write the report there

Postgres and Redis are private (ports 55432 and 56379, state in .devstack/chaos,
started by deploy/devstack.py); the shared servers are never stopped or flushed.
Verdict runs as `verdict dev` (gateway and workers as child processes). The exit code
is 0 when every scenario passed, 1 otherwise; the table says what failed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.chaos.bad_input import Answer, run_bad_inputs
from tests.chaos.huge import HugeResult, run_huge
from tests.chaos.scenarios import (
    BOUND_S,
    CHAOS_ENV,
    Row,
    flushall_with_queued,
    jira_kill,
    kill_worker,
    postgres_outage,
    redis_restart,
    run_scenario,
    tracker_kill,
)
from tests.chaos.stack import Ports, Stack

ScenarioRun = Callable[[Ports], Awaitable[Row]]


def _scenario(name: str, fault: object) -> tuple[str, ScenarioRun]:
    async def go(ports: Ports) -> Row:
        stack = Stack(name.replace(" ", "-").replace("/", ""), ports, dict(CHAOS_ENV))
        return await run_scenario(name, stack, fault)  # type: ignore[arg-type]

    return name, go


SCENARIOS: list[tuple[str, ScenarioRun]] = [
    _scenario("kill -9 analyzer", kill_worker("analyzer", signal.SIGKILL)),
    ("kill -9 jira-enricher", lambda p: jira_kill(Stack("kill-jira", p, dict(CHAOS_ENV)))),
    (
        "kill -9 tracker (webhooks)",
        lambda p: tracker_kill(Stack("kill-tracker", p, dict(CHAOS_ENV)), BOUND_S + 100),
    ),
    _scenario("SIGTERM analyzer mid-job", kill_worker("analyzer", signal.SIGTERM)),
    _scenario("FLUSHALL with 100 queued", flushall_with_queued),
    _scenario("Redis killed and restarted", redis_restart),
    _scenario("Postgres stopped 15 s", postgres_outage),
]

HEADER = (
    f"{'scenario':<28} {'submit':>6} {'accept':>6} {'done':>5} {'failed':>6} {'lost':>4} "
    f"{'dup':>4} {'stuck':>5} {'5xx':>4} {'503':>4} {'conn':>4} {'settle':>7}  workers alive"
)


def format_row(row: Row) -> str:
    t, o = row.tally, row.outcome
    dead = [name for name, ok in row.alive.items() if not ok]
    alive = "all" if not dead else "DEAD: " + ", ".join(dead)
    verdict = "PASS" if row.passed else "FAIL"
    line = (
        f"{row.scenario:<28} {t.submitted:>6} {len(t.accepted):>6} {o.completed:>5} "
        f"{o.failed:>6} {o.lost:>4} {o.duplicated:>4} {o.stuck:>5} {t.five_xx:>4} "
        f"{t.unavailable:>4} {t.connection_errors:>4} {row.settle_s:>6.0f}s  {alive}  {verdict}"
    )
    return "\n".join([line, *(f"{'':<4}- {n}" for n in row.notes)])


def format_bad(answers: list[Answer]) -> list[str]:
    lines = [f"{'bad input':<44} {'status':>6}  result"]
    for a in answers:
        verdict = "PASS" if a.passed else "FAIL"
        lines.append(f"{a.case.name:<44} {a.status or 'reset':>6}  {verdict}  {a.note}".rstrip())
    passed = sum(a.passed for a in answers)
    lines.append(f"bad inputs: {passed} of {len(answers)} answered a 4xx in the error shape")
    return lines


def format_huge(h: HugeResult) -> list[str]:
    small = (
        f"{h.small_sync_s:.1f} s" if h.small_sync_s is not None else f"no answer ({h.small_status})"
    )
    rss = ", ".join(f"{k} {v:.0f} MB" for k, v in h.peak_rss_mb.items())
    return [
        f"huge request: {h.elements:,} failures, {h.body_mb:.0f} MB body",
        f"    answer {h.status or 'none'} after {h.answer_s:.1f} s; "
        f"slowest /health {h.health_max_s:.1f} s; small sync analysis after it {small}",
        f"    peak RSS {rss}  {'PASS' if h.passed else 'FAIL'}",
    ]


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--huge-elements", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    ports = Ports()
    ports.check()
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    settings = ", ".join(f"{k}={v}" for k, v in CHAOS_ENV.items())
    say(f"chaos: private stack: pg {ports.postgres}, redis {ports.redis}, gateway {ports.gateway}")
    say(f"chaos: {settings}")
    say(f"chaos: stuck = unfinished {BOUND_S:.0f} s after the load stopped (12 s after the fault)")
    say(HEADER)
    started = time.monotonic()
    failures = 0
    for name, go in SCENARIOS:
        if args.only.lower() not in name.lower():
            continue
        row = await go(ports)
        failures += not row.passed
        say(format_row(row))
    if args.only.lower() in "bad input":
        stack = Stack("bad-input", ports, dict(CHAOS_ENV))
        await asyncio.to_thread(stack.start)
        try:
            answers = await run_bad_inputs(stack)
        finally:
            await asyncio.to_thread(stack.stop)
        failures += not all(a.passed for a in answers)
        say("")
        for line in format_bad(answers):
            say(line)
    if args.only.lower() in "huge request":
        stack = Stack("huge", ports, dict(CHAOS_ENV))
        await asyncio.to_thread(stack.start)
        try:
            huge = await run_huge(stack, args.huge_elements)
        finally:
            await asyncio.to_thread(stack.stop)
        failures += not huge.passed
        say("")
        for line in format_huge(huge):
            say(line)
    say(f"\nchaos: {failures} failing scenario(s) in {time.monotonic() - started:.0f} s")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", "utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
