"""Benchmark of the `verdict analyze` client: start-up time and upload memory.

Run: .venv/bin/python tests/bench/bench_client.py

Start-up: `verdict analyze --help` beside the bare interpreter (`python -c pass`) and
beside importing the gateway (what the command cost when it imported the services
first), with hyperfine when it is installed, else the best of N runs of a subprocess.
Upload: the client sends a generated ~50 MB report (JSON body, gzip) to a local sink
that reads and discards it; its peak RSS growth over the upload of a 1 kB report (the
same code, so the same imports and TLS setup) is compared with the report's size.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
STARTUP_TARGET = 3.0  # x the bare interpreter
MEMORY_TARGET = 0.1  # peak RSS growth over a 1 kB report's upload / report size
RUNS = 20


def _time_commands(commands: dict[str, list[str]]) -> dict[str, float]:
    """Mean seconds per command."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    "hyperfine",
                    "-N",
                    "--warmup",
                    "3",
                    "--runs",
                    str(RUNS),
                    "--export-json",
                    out.name,
                    *[shlex.join(c) for c in commands.values()],
                ],
                cwd=REPO,
                check=True,
                capture_output=True,
            )
            results = json.loads(Path(out.name).read_text())["results"]
        return {name: r["mean"] for name, r in zip(commands, results, strict=True)}
    figures = {}
    for name, command in commands.items():
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        figures[name] = statistics.mean(sorted(times)[: RUNS // 2])  # the quieter half
    return figures


def startup() -> None:
    verdict = str(Path(PYTHON).parent / "verdict")
    figures = _time_commands(
        {
            "python -c pass": [PYTHON, "-c", "pass"],
            "verdict analyze --help": [verdict, "analyze", "--help"],
            "import services.gateway.app": [PYTHON, "-c", "import services.gateway.app"],
        }
    )
    base = figures["python -c pass"]
    tool = "hyperfine" if shutil.which("hyperfine") else "subprocess loop"
    print(f"start-up ({tool}, mean of {RUNS}):")
    for name, seconds in figures.items():
        print(f"  {name:<30} {seconds * 1000:7.1f} ms   {seconds / base:5.2f}x the interpreter")
    ratio = figures["verdict analyze --help"] / base
    gateway = figures["import services.gateway.app"] / figures["verdict analyze --help"]
    verdict_ok = "PASS" if ratio <= STARTUP_TARGET else "MISS"
    print(
        f"  target <= {STARTUP_TARGET}x the interpreter: {verdict_ok} ({ratio:.2f}x); "
        f"{gateway:.0f}x faster than importing the gateway"
    )


def generate(path: Path, cases: int = 200_000) -> None:
    failure = '<failure message="AssertionError: expected 200 got 500">' + "at x.y(Z.java:1)\n" * 8
    with path.open("w") as out:
        out.write('<?xml version="1.0"?>\n<testsuites><testsuite name="s">\n')
        for i in range(cases):
            body = failure + "</failure>" if i % 50 == 0 else ""
            out.write(
                f'<testcase classname="pkg.C{i % 97}" name="test_{i}" time="0.01">'
                f"<system-out>{'log line ' * 20}</system-out>{body}</testcase>\n"
            )
        out.write("</testsuite></testsuites>\n")


# Peak RSS of one command alone: measured by a fresh wrapper process, so no earlier child
# of this process (hyperfine's runs, say) is counted in it.
_PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)


async def _peak_rss_kb(command: list[str]) -> tuple[int, int]:
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-c", _PEAK, *command, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    peak, code = out.decode().split()[-2:]
    return int(peak), int(code)


async def upload(report: Path, small: Path) -> None:
    received = 0

    async def sink(request: web.Request) -> web.Response:
        nonlocal received
        while chunk := await request.content.read(1 << 20):
            received += len(chunk)
        return web.json_response({"job_id": "bench", "status": "completed", "failures": []})

    async def caps(_request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application(client_max_size=1 << 30)
    app.router.add_post("/analyze-failures", sink)
    app.router.add_get("/api/capabilities", caps)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    verdict = str(Path(PYTHON).parent / "verdict")
    try:
        help_kb, _ = await _peak_rss_kb([verdict, "analyze", "--help"])
        baseline_kb, _ = await _peak_rss_kb([verdict, "analyze", str(small), "--server", url, "-q"])
        start = time.perf_counter()
        peak_kb, code = await _peak_rss_kb([verdict, "analyze", str(report), "--server", url, "-q"])
        elapsed = time.perf_counter() - start
    finally:
        await runner.cleanup()
    assert code == 0, "the upload failed"
    size = await asyncio.to_thread(lambda: report.stat().st_size)
    growth = (peak_kb - baseline_kb) * 1024
    ratio = growth / size
    print(f"upload of a {size / 1e6:.1f} MB report (JSON body, gzip) to a local sink:")
    print(
        f"  {elapsed:.2f} s ({size / 1e6 / elapsed:.0f} MB/s of report), "
        f"{received / 1e6:.1f} MB received (decompressed)"
    )
    print(
        f"  client peak RSS: --help {help_kb / 1024:.1f} MB, a 1 kB report "
        f"{baseline_kb / 1024:.1f} MB, this report {peak_kb / 1024:.1f} MB"
    )
    print(f"  growth with the report's size: {growth / 1e6:.1f} MB ({ratio:.3f}x the report)")
    verdict_ok = "PASS" if ratio <= MEMORY_TARGET else "MISS"
    print(f"  target growth <= {MEMORY_TARGET}x the report: {verdict_ok}")


def main() -> None:
    startup()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "big.xml"
        generate(report)
        small = Path(tmp) / "small.xml"
        generate(small, cases=5)
        asyncio.run(upload(report, small))


if __name__ == "__main__":
    main()
