"""End-to-end tests in a real browser: Debian's headless Chromium (installed by
`make test`, see deploy/browser.sh), driven by Playwright, against the real gateway on a
real port with real Postgres and Redis, and the real analyzer worker where a job runs.

Without a Chromium these tests are skipped, and the run says so in a banner: never
silently. A failing test leaves a screenshot and the page's HTML in .artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from services.gateway.app import create_app
from verdict.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".artifacts"
CHROMIUM = os.environ.get("VERDICT_CHROMIUM", "/usr/bin/chromium")
# The launch flags that work in a container as root, with no network but loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_missing() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; `make test` tries)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return ""


MISSING = chromium_missing()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not MISSING:
        return
    skip = pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {MISSING}")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MISSING:
        terminalreporter.write_sep("#", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"  {MISSING}", red=True, bold=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        # Playwright starts Chromium with a fresh --user-data-dir of its own (a new
        # temporary profile per launch), and each test gets a fresh context in it.
        launched = await driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def live(settings: Settings, pg: Any, redis: Any) -> AsyncIterator[str]:
    """The real gateway on a real port: its base URL."""
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def page(browser: Any, live: str, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    context = await browser.new_context(base_url=live, viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    tab.js_errors = errors
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        try:
            await tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(await tab.content(), "utf-8")
        except Exception as exc:  # the page may be gone; the test's own error matters
            (ARTIFACTS / f"{name}.txt").write_text(f"no screenshot: {exc}", "utf-8")
    await context.close()
