"""The one error a JUnit document can raise."""

from __future__ import annotations

from verdict.errors import InvalidInput


class JUnitError(InvalidInput):
    """The document is not a usable JUnit XML report (empty, not XML, not JUnit, unsafe)."""
