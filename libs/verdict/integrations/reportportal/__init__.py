"""Report Portal client: sans-I/O requests and decoding (sansio.py), aiohttp adapter (client.py).

async with aiohttp.ClientSession() as session:
    rp = ReportPortalAPI(session, "https://rp.example.com", "my_project", token)
    launch = await rp.find_launch(name="folder/job", build=123)
"""

from verdict.integrations.reportportal.client import ReportPortalAPI
from verdict.integrations.reportportal.sansio import (
    DEFAULT_LOCATORS,
    MAX_PAGE,
    Item,
    Launch,
    ReportPortalError,
    ReportPortalUnauthorized,
)

__all__ = [
    "DEFAULT_LOCATORS",
    "MAX_PAGE",
    "Item",
    "Launch",
    "ReportPortalAPI",
    "ReportPortalError",
    "ReportPortalUnauthorized",
]
