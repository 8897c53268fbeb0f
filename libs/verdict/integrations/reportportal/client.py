"""The Report Portal client over aiohttp: pagination here, wire format in sansio.py."""

from __future__ import annotations

from typing import Any

import aiohttp

from verdict.integrations.reportportal import sansio
from verdict.integrations.reportportal.sansio import Item, Launch, ReportPortalError

MAX_ITEM_PAGES = 100  # 30,000 failed items: bounded for a misbehaving server


class ReportPortalAPI:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        project: str,
        token: str,
        *,
        ssl_verify: bool = True,
        timeout_s: float = 30.0,
    ) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self.project = project
        self._token = token
        self._ssl = ssl_verify
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _call(self, request: sansio.Request) -> Any:
        method, url, headers, body = request
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                data=body or None,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                status, raw = resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ReportPortalError(
                f"Report Portal unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        return sansio.decipher(status, raw)

    async def find_launch(
        self, *, name: str = "", attribute: str = "", description: str = ""
    ) -> Launch | None:
        """The newest launch matching every given filter."""
        request = sansio.launches(
            self._token,
            self.base_url,
            self.project,
            name=name,
            attribute=attribute,
            description=description,
        )
        return sansio.decode_launch(await self._call(request))

    async def launch(self, launch_id: int) -> Launch | None:
        request = sansio.launch(self._token, self.base_url, self.project, launch_id)
        return sansio.decode_launch(await self._call(request))

    async def failed_items(self, launch_id: int) -> list[Item]:
        items: list[Item] = []
        for page in range(1, MAX_ITEM_PAGES + 1):
            request = sansio.failed_items(self._token, self.base_url, self.project, launch_id, page)
            found, more = sansio.decode_items(await self._call(request))
            items.extend(found)
            if not more:
                break
        return items

    async def defect_locators(self) -> dict[str, str]:
        request = sansio.settings(self._token, self.base_url, self.project)
        return sansio.decode_locators(await self._call(request))

    async def update_issues(self, issues: list[tuple[int, str, str]]) -> None:
        """Set the defect type and comment of up to 300 items in one PUT."""
        await self._call(sansio.update_issues(self._token, self.base_url, self.project, issues))
