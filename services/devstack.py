"""`verdict dev`: run the gateway and the three workers as separate processes.

Each process's lines come out prefixed with its name; Ctrl-C (or any one process
exiting) stops them all. Migrations run once, first, so the four do not race.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from verdict.settings import Settings

SERVICES = ("gateway", "analyzer", "jira-enricher", "tracker")
_WIDTH = max(len(s) for s in SERVICES)


async def _pump(name: str, stream: asyncio.StreamReader) -> None:
    prefix = f"{name:<{_WIDTH}} | ".encode()
    while line := await stream.readline():
        sys.stdout.buffer.write(prefix + line)
        sys.stdout.buffer.flush()


async def _run(settings: Settings) -> int:
    from services.cli import prepare_database

    await prepare_database(settings)
    procs: dict[str, asyncio.subprocess.Process] = {}
    for name in SERVICES:
        procs[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli",
            name,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    pumps = [asyncio.create_task(_pump(n, p.stdout)) for n, p in procs.items() if p.stdout]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiters = [asyncio.create_task(p.wait()) for p in procs.values()]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([*waiters, stopper], return_when=asyncio.FIRST_COMPLETED)
    exited = {n: p.returncode for n, p in procs.items() if p.returncode is not None}
    for proc in procs.values():
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), 15)
    except TimeoutError:
        for proc in procs.values():
            if proc.returncode is None:
                proc.kill()
    await asyncio.gather(*pumps, return_exceptions=True)
    stopper.cancel()
    if exited and not stop.is_set():
        print(f"stopped because {', '.join(exited)} exited ({exited})", file=sys.stderr)
        return 1
    return 0


def run_all(settings: Settings) -> int:
    return asyncio.run(_run(settings))
