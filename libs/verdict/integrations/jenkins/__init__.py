"""Jenkins client: sans-I/O core (`sansio`), client logic (`abc`), aiohttp adapter.

Import the adapter explicitly (`verdict.integrations.jenkins.aiohttp.JenkinsAPI`);
the names below are the types callers handle.
"""

from verdict.integrations.jenkins.abc import DownloadedArtifacts, JenkinsAPI
from verdict.integrations.jenkins.artifacts import ArchiveLimits, UnsafeArchive
from verdict.integrations.jenkins.children import failed_children
from verdict.integrations.jenkins.console import ConsoleReader, ConsoleSummary
from verdict.integrations.jenkins.exceptions import (
    JenkinsError,
    JenkinsNotFound,
    JenkinsStreamInterrupted,
    JenkinsUnauthorized,
    JenkinsUnreachable,
)
from verdict.integrations.jenkins.models import (
    Artifact,
    BuildInfo,
    ChildRef,
    TestFailure,
    TestReport,
)

__all__ = [
    "ArchiveLimits",
    "Artifact",
    "BuildInfo",
    "ChildRef",
    "ConsoleReader",
    "ConsoleSummary",
    "DownloadedArtifacts",
    "JenkinsAPI",
    "JenkinsError",
    "JenkinsNotFound",
    "JenkinsStreamInterrupted",
    "JenkinsUnauthorized",
    "JenkinsUnreachable",
    "TestFailure",
    "TestReport",
    "UnsafeArchive",
    "failed_children",
]
