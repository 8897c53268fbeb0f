"""`make screenshots`: PNGs of every page, on seeded data, for the README.

Runs the real gateway on a private database (verdict_screenshots) with the showcase data
of tests/browser/seed.py, and headless Chromium (Debian's) takes each page.
Usage: python tests/browser/screenshots.py OUTPUT_DIR
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.gateway.app import create_app
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, chromium_missing
from tests.browser.seed import showcase
from verdict.settings import Settings
from verdict.storage.migrate import migrate
from verdict.storage.pool import create_pool, drop_database, ensure_database, with_database


async def main(out: Path) -> int:
    missing = chromium_missing()
    if missing:
        print(f"screenshots: cannot run: {missing}", file=sys.stderr)
        return 1
    from playwright.async_api import async_playwright

    base = Settings()
    admin_key = secrets.token_urlsafe(24)
    settings = base.model_copy(
        update={
            "database_url": with_database(base.database_url, "verdict_screenshots"),
            "queue_prefix": "verdict-screenshots",
            "admin_key": SecretStr(admin_key),
            "allowed_hosts": ["hooks.example.com"],
        }
    )
    await drop_database(settings.database_url)
    await ensure_database(settings.database_url)
    await migrate(settings.database_url)
    pool = await create_pool(settings.database_url)
    ids = await showcase(pool, settings)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    live = f"http://127.0.0.1:{port}"
    try:
        await _collaborate(live, admin_key, ids)
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = await browser.new_context(
                base_url=live, viewport={"width": 1280, "height": 900}
            )
            page = await context.new_page()
            # Log in through the page, as an admin would.
            await page.goto("/login")
            form = page.locator("form").nth(1)
            await form.get_by_label("Username").fill("admin")
            await form.get_by_label("API key").fill(admin_key)
            await form.get_by_role("button", name="Log in").click()
            await page.wait_for_url(live + "/")
            nightly = ids["nightly-1203"]
            shots = [
                ("dashboard", "/"),
                ("report", f"/results/{nightly}"),
                ("report-children", f"/results/{ids['pipeline']}"),
                ("status", f"/status/{ids['running']}"),
                ("failed", f"/status/{ids['failed']}"),
                ("test-history", "/history/test/tests.api.test_payments.test_refund"),
                ("failures", "/history/failures"),
                ("rules", "/rules"),
                ("admin-users", "/admin/users"),
                ("admin-keys", "/admin/keys"),
                ("admin-webhooks", "/admin/webhooks"),
                ("admin-usage", "/admin/usage"),
                ("login", "/login"),
            ]
            for name, path in shots:
                await page.goto(path)
                await page.screenshot(path=str(out / f"{name}.png"))
                print(f"screenshots: {out / name}.png  ({path})")
            await page.goto(f"/results/{nightly}")
            sig = await page.locator("a[href^='/history/search']").first.get_attribute("href")
            await page.goto(sig or "/")
            await page.screenshot(path=str(out / "signature.png"))
            print(f"screenshots: {out / 'signature'}.png")
            await browser.close()
    finally:
        await runner.cleanup()
        await pool.close()
        await drop_database(settings.database_url)
    return 0


async def _collaborate(live: str, admin_key: str, ids: dict[str, object]) -> None:
    """Comments, a review and an override through the REST API, as people would."""
    alice = {"Cookie": "jji_username=alice"}
    admin = {"Authorization": f"Bearer {admin_key}"}
    job = ids["nightly-1203"]
    async with aiohttp.ClientSession() as http:
        result = await (
            await http.get(f"{live}/results/{job}", headers={"Accept": "application/json"})
        ).json()
        first = result["result"]["failures"][0]["test_name"]
        await http.post(
            f"{live}/results/{job}/comments",
            json={
                "test_name": first,
                "comment": "orders.svc was redeployed at 02:10, @bob can you check?",
            },
            headers=alice,
        )
        await http.put(
            f"{live}/results/{job}/reviewed",
            json={"test_name": first, "reviewed": True},
            headers=alice,
        )
        await http.post(
            f"{live}/api/admin/users", json={"username": "release-manager"}, headers=admin
        )
        await http.post(
            f"{live}/api/admin/api-keys",
            json={"name": "jenkins-pipeline", "scopes": ["analysis:write"]},
            headers=admin,
        )
        await http.post(
            f"{live}/api/webhooks",
            json={"url": "https://hooks.example.com/verdict", "events": ["analysis.completed"]},
            headers=admin,
        )


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    target.mkdir(parents=True, exist_ok=True)
    raise SystemExit(asyncio.run(main(target)))
