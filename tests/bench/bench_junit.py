"""Benchmark of the JUnit engine on a generated ~50 MB report.

Run: .venv/bin/python tests/bench/bench_junit.py

Throughput is the best of several runs (the machines are shared). Memory is the peak
RSS growth of a fresh child process over its RSS after it loaded the input, so it
counts lxml's C allocations that tracemalloc cannot see; the tracemalloc peak of
the same work is printed beside it.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "libs")]

from verdict.junit import enrich_report, parse_report  # noqa: E402

SUITES = 10_000
CASES_PER_SUITE = 20
FAIL_EVERY = 50  # 2 % of the cases fail
TRACE_LINES = 30
RUNS = 3


def generate(path: Path) -> None:
    trace = "".join(
        f"\tat com.example.pkg{i}.Service.method{i}(Service.java:{100 + i})\n"
        for i in range(TRACE_LINES)
    )
    number = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
        for suite in range(SUITES):
            out.write(f'  <testsuite name="com.example.Suite{suite}" tests="20" time="1.5">\n')
            out.write('    <properties><property name="java.version" value="17"/></properties>\n')
            for case in range(CASES_PER_SUITE):
                number += 1
                attrs = (
                    f'classname="com.example.Suite{suite}" '
                    f'name="test_case_number_{case}[param-{case % 7}]" time="0.{case:03d}"'
                )
                if number % FAIL_EVERY == 0:
                    out.write(
                        f"    <testcase {attrs}>\n"
                        f'      <failure message="expected 200 but got 500 in case {number}" '
                        f'type="java.lang.AssertionError"><![CDATA[java.lang.AssertionError: '
                        f"expected 200 but got 500\n{trace}]]></failure>\n"
                        f"      <system-out>log line for {number}\n</system-out>\n"
                        f"    </testcase>\n"
                    )
                else:
                    out.write(
                        f'    <testcase {attrs} assertions="3" '
                        f'file="src/test/java/com/example/Suite{suite}.java" line="{case * 10}"/>\n'
                    )
            out.write("    <system-out><![CDATA[suite output\n]]></system-out>\n  </testsuite>\n")
        out.write("</testsuites>\n")


# -- the contenders ----------------------------------------------------------------
def bare_lxml(data: bytes) -> int:
    """The floor: iterparse on testcase ends, count those with a failure/error child."""
    failed = 0
    for _, case in etree.iterparse(
        _bytes_source(data), events=("end",), tag="testcase", huge_tree=True,
        resolve_entities=False, no_network=True, load_dtd=False,
    ):  # fmt: skip
        if len(case) and (case.find("failure") is not None or case.find("error") is not None):
            failed += 1
        case.clear(keep_tail=True)
        parent = case.getparent()
        while case.getprevious() is not None:
            del parent[0]
    return failed


def junitparser_failures(path: Path) -> int:
    from junitparser import Error, Failure, JUnitXml

    failed = 0
    for suite in JUnitXml.fromfile(str(path)):
        for case in suite:
            if any(isinstance(result, Failure | Error) for result in case.result):
                failed += 1
    return failed


def verdict_parse(data: bytes) -> int:
    return len(parse_report(data).failures)


def analyses_for(data: bytes) -> dict[tuple[str, str], dict[str, object]]:
    return {
        case.identity: {
            "test_name": case.test_name,
            "error": case.message,
            "error_signature": "0" * 64,
            "analysis": {
                "classification": "PRODUCT BUG",
                "details": "The service answers 500 under load.",
                "affected_tests": [case.test_name],
                "code_fix": False,
                "product_bug_report": {
                    "title": "500 on login",
                    "severity": "high",
                    "component": "auth",
                    "description": "Login fails.",
                    "evidence": "trace",
                    "jira_search_keywords": ["login"],
                    "jira_matches": [
                        {"key": "AUTH-1", "summary": "500", "status": "Open",
                         "priority": "High", "url": "https://jira/AUTH-1", "score": 0.9}
                    ],
                },
            },
        }
        for case in parse_report(data).failures
    }  # fmt: skip


def verdict_parse_and_enrich(
    data: bytes, analyses: dict[tuple[str, str], dict[str, object]]
) -> int:
    report = parse_report(data)
    enriched = enrich_report(data, analyses, report_url="https://verdict/results/1")
    return len(report.failures) + len(enriched) * 0


def _bytes_source(data: bytes) -> object:
    import io

    return io.BytesIO(data)


def best_time(work: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(RUNS):
        gc.collect()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


# -- memory, measured in a fresh process ----------------------------------------------
def _status_bytes(field: str) -> int:
    # VmHWM, unlike getrusage's ru_maxrss, is not inherited from the parent process.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} missing from /proc/self/status")


def analyzer_job(stored: bytes) -> int:
    """The analyzer's in-memory path for a raw_xml job, as the worker runs it (no DB I/O):
    decompress the stored input, parse it, sign and group, classify every group with
    the builtin rules, and stream the enriched XML into its compressed output."""
    import asyncio

    from verdict.analysis.direct import _enrich
    from verdict.analysis.inputs import JUNIT_XML, decode_input
    from verdict.analysis.model import group_failures
    from verdict.analysis.result import failure_analyses
    from verdict.triage import builtin

    # decode_input streams the compressed input: it is never decompressed whole.
    decoded = decode_input(JUNIT_XML, stored, max_output_bytes=65536)
    groups = group_failures(decoded.failures)
    for group in groups:
        first = group.representative
        group.analysis = asyncio.run(_builtin(builtin, first))
    analyses = failure_analyses(groups, decoded.failures)
    assert decoded.xml is not None
    output = _enrich(decoded.xml, decoded.failures, analyses, "https://verdict/results/1")
    return output.size_bytes


async def _builtin(builtin: Any, first: Any) -> Any:
    from verdict.analysis.engine import _from_builtin

    return _from_builtin(builtin.classify(first.error_message, first.stack_trace))


def memory_child(path: str, what: str) -> None:
    if what == "analyzer":
        import zlib

        stored = zlib.compress(Path(path).read_bytes(), 1)  # as job_inputs holds it
        # A worker has its modules loaded before any job: load them before the baseline.
        import verdict.analysis.direct
        import verdict.analysis.engine
        import verdict.triage.builtin

        verdict.triage.builtin.classify("warm up the rule set")
        gc.collect()
        baseline = _status_bytes("VmRSS")
        analyzer_job(stored)
        peak_rss = _status_bytes("VmHWM") - baseline
        print(json.dumps({"rss": peak_rss, "traced": 0}))
        return
    data = Path(path).read_bytes()
    analyses = analyses_for(data) if what == "parse+enrich" else {}
    gc.collect()
    baseline = _status_bytes("VmRSS")
    if what == "parse":
        parse_report(data)
    else:
        parse_report(data)
        enrich_report(data, analyses, report_url="https://verdict/results/1")
    peak_rss = _status_bytes("VmHWM") - baseline
    tracemalloc.start()
    if what == "parse":
        parse_report(data)
    else:
        parse_report(data)
        enrich_report(data, analyses, report_url="https://verdict/results/1")
    traced = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"rss": peak_rss, "traced": traced}))


def measure_memory(path: Path, what: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory", str(path), what],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, int] = json.loads(out.stdout)
    return result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.xml"
        generate(path)
        data = path.read_bytes()
        megabytes = len(data) / 1e6
        print(f"report: {megabytes:.1f} MB, {SUITES} suites, {SUITES * CASES_PER_SUITE} cases")

        floor_s, floor_n = best_time(lambda: bare_lxml(data))
        ours_s, ours_n = best_time(lambda: verdict_parse(data))
        jp_s, jp_n = best_time(lambda: junitparser_failures(path))
        analyses = analyses_for(data)
        enrich_s, _ = best_time(lambda: verdict_parse_and_enrich(data, analyses))
        assert floor_n == ours_n == jp_n, (floor_n, ours_n, jp_n)

        print(f"failures found: {ours_n} (bare lxml {floor_n}, junitparser {jp_n})")
        for label, seconds in (
            ("bare lxml iterparse loop", floor_s),
            ("verdict parse_report", ours_s),
            ("junitparser", jp_s),
            ("verdict parse + enrich", enrich_s),
        ):
            print(f"  {label:<26} {seconds:6.2f} s  {megabytes / seconds:7.1f} MB/s")

        parse_mem = measure_memory(path, "parse")
        both_mem = measure_memory(path, "parse+enrich")
        job_mem = measure_memory(path, "analyzer")
        for label, mem in (("parse", parse_mem), ("parse+enrich", both_mem)):
            print(
                f"  memory growth {label:<13} RSS peak {mem['rss'] / 1e6:6.1f} MB "
                f"({mem['rss'] / len(data):.2f}x input), tracemalloc peak "
                f"{mem['traced'] / 1e6:6.1f} MB ({mem['traced'] / len(data):.2f}x)"
            )

        vs_floor = floor_s / ours_s
        vs_junitparser = jp_s / ours_s
        growth = both_mem["rss"] / len(data)
        print("targets:")
        print(f"  throughput vs bare lxml   {vs_floor:5.2f}x (>= 0.6x)  {verdict(vs_floor >= 0.6)}")
        print(f"  throughput vs junitparser {vs_junitparser:5.2f}x (>= 3x)   "
              f"{verdict(vs_junitparser >= 3)}")  # fmt: skip
        print(f"  parse+enrich RSS growth   {growth:5.2f}x input (< 1.5x) {verdict(growth < 1.5)}")
        job_growth = job_mem["rss"] / len(data)
        print(
            f"  analyzer job RSS growth   {job_growth:5.2f}x input (< 1.5x) "
            f"{verdict(job_growth < 1.5)}  (decompress + parse + classify + enrich, "
            f"from the compressed stored input)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory":
        memory_child(sys.argv[2], sys.argv[3])
    else:
        main()
