"""Typed results of the Jenkins client: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Artifact:
    """One archived file of a build, as `artifacts[]` in the build JSON lists it."""

    relative_path: str
    file_name: str


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """The fields of a build Verdict uses; `raw` keeps the JSON for child discovery."""

    number: int
    url: str
    result: str | None
    building: bool
    duration_ms: int = 0
    timestamp_ms: int = 0
    display_name: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    causes: tuple[str, ...] = ()
    revision: str | None = None
    # The branch the git plugin built (lastBuiltRevision), without "origin/" or "refs/heads/".
    branch: str | None = None
    artifacts: tuple[Artifact, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TestFailure:
    """One failed test case from a Jenkins testReport."""

    __test__ = False  # not a pytest class, despite the name

    test_name: str
    class_name: str
    name: str
    error_message: str
    stack_trace: str
    duration: float
    status: str
    # The matrix cell (MatrixRun URL) the case ran in; None for plain builds.
    child_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TestReport:
    """The failures of a testReport plus the counts Jenkins reports."""

    __test__ = False

    failures: tuple[TestFailure, ...]
    fail_count: int = 0
    skip_count: int = 0
    total_count: int = 0


@dataclass(frozen=True, slots=True)
class ChildRef:
    """A child build (downstream, multijob phase, matrix cell) of a build."""

    job_name: str
    build_number: int
    url: str
    result: str | None
