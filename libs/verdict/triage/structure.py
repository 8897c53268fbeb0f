"""Structural classification: decide from where a failure was raised and what it is.

Used when no rule matches, or when structure is stronger evidence than the best rule
(a Go panic raised inside a *_test.go closure is the test's bug, whatever a generic
"panic" rule says). It reads three things:

- where: the innermost frame that is neither runtime/stdlib nor test-runner
  plumbing, and whether it is test code (path conventions plus an optional tests
  repo layout) or product code;
- what: the exception type (programming errors in test code are CODE ISSUE,
  network errors are INFRASTRUCTURE, crashes in product code are PRODUCT BUG);
- the assertion: fixture/setup assertions point at the tests, assertions whose
  actual value comes straight from a product call lean PRODUCT BUG.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch

from verdict.triage.normalize import Frame, exception_type, parse_frames

CODE_ISSUE = "CODE ISSUE"
PRODUCT_BUG = "PRODUCT BUG"
INFRASTRUCTURE = "INFRASTRUCTURE"

_TEST_PATH = re.compile(
    r"(?:^|[/\\])(?:tests?|testing|testutils?|testhelpers?|test_?helpers?|spec|specs|__tests__"
    r"|__mocks__|e2e|cypress|fixtures|integration[-_]tests?|t)[/\\]"
    r"|(?:^|[/\\])(?:test_[^/\\]*|[^/\\]*_tests?|conftest)\.py$"
    r"|_test\.go$|Tests?\.(?:java|kt|scala|cs|groovy)$|Spec\.(?:java|kt|scala|groovy)$"
    r"|\.(?:test|spec|e2e|cy)\.[cm]?[jt]sx?$|_spec\.rb$|_test\.(?:rb|exs?|cc|cpp|c)$",
    re.I,
)
_TEST_FUNC = re.compile(r"(?:^|[.:/])(?:Test\w*|test_?\w*|\w+_test|\w+Test)$")

# Runtime, stdlib and test-runner frames: present in every failure, never the cause.
_PLUMBING = re.compile(
    r"/go/src/(?:runtime|testing)/|^(?:runtime|testing)\."
    r"|/lib/python\d(?:\.\d+)?/(?!site-packages|dist-packages)|_pytest/|pluggy/|/nose/|/unittest/"
    r"|^(?:java|javax|jdk|sun|kotlin|org\.junit|junit|org\.testng|org\.apache\.maven\.surefire)\."
    r"|^java\.base/|node:internal|/node_modules/(?:mocha|jest|jasmine|vitest|@vitest|chai|expect)/"
    r"|cypress_runner\.js|^(?:Xunit|NUnit|Microsoft\.VisualStudio\.TestPlatform|System\.Runtime)\."
    r"|XUnitAssert|libsanitizer|/libc\.so|/libpthread|^\?\?\?$|/rustc/|library/std/|^std::|^core::"
    r"|/cargo/registry/|googletest/",
    re.I,
)
_NETWORK_FRAME = re.compile(
    r"(?:urllib/request|http/client|socket|ssl|urllib3/connection\w*|requests/adapters"
    r"|aiohttp/connector|httpx/_transports/\w+|httpcore/\S+)\.py$|^java\.net\.|^io\.netty\.",
)
_DOUBLE = re.compile(r"fake|mock|stub|dummy|simulat|spy", re.I)

_NETWORK_TYPES = re.compile(
    r"Connection\w*Error|ConnectException|ConnectTimeout|UnknownHost|SocketTimeout|SSLError"
    r"|URLError|gaierror|NameResolution|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND",
)
_TEST_CODE_TYPES = re.compile(
    r"^(?:NameError|AttributeError|ImportError|ModuleNotFoundError|SyntaxError|IndentationError"
    r"|TypeError|ReferenceError|UnboundLocalError|NoSuchElementException|MissingMethodException)$"
)
_CRASH_TYPES = re.compile(r"^(?:panic|panicked|fatal error|SIG\w+|Segmentation fault)$")
_ASSERTION = re.compile(
    r"AssertionError|AssertionFailedError|ComparisonFailure|EqualException|AssertFailedException"
    r"|^\s*(?:>\s*)?assert\b|\bexpected\b.{0,200}\b(?:to|but)\b"
    r"|Expected:.*\n\s*(?:Actual|but was):",
    re.I | re.M,
)
_FIXTURE = re.compile(
    r"@pytest\.fixture|\bconftest\.py\b|\b(?:setUp(?:Class)?|tearDown|setup_method|setup_class"
    r"|beforeEach|beforeAll|afterEach|afterAll|BeforeEach|BeforeAll|@Before\w*)\b"
    r"|\bERROR at (?:setup|teardown) of\b|\bfixture\b",
)
_PYTEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test_?\w*|\w+_test)\(", re.M)
_PYTEST_RAISE = re.compile(r"^>\s+\S", re.M)
_ASSERT_EXPR = re.compile(
    r"^\s*>?\s*assert\s+(?P<expr>.+)$|\bassert\w*\((?P<args>.+)\)\s*;?\s*$|\bexpect\((?P<actual>.+?)\)\.",
    re.M,
)
_CALL = re.compile(r"(?<![\w.])(?P<callee>[A-Za-z_][\w.]*)\s*\(")
_NOT_PRODUCT_CALLEES = re.compile(
    r"^(?:self|this|cls|_|mock|Mock|MagicMock|len|int|str|float|bool|list|dict|set|tuple|sorted"
    r"|round|abs|type|isinstance|repr|Decimal|Fraction|any|all|sum|min|max|range|approx"
    r"|pytest|assert\w*|expect|json|math|re|os|copy)(?:\.|$)|^_"
)
_SERVER_ERROR_ASSERT = re.compile(
    r"\bassert\s+500\s*==\s*[1-4]\d\d\b|\bexpected\s+500\s+to\s+(?:equal|be)\s+[1-4]\d\d\b"
    r"|Expected:\s*[1-4]\d\d\s*\n\s*(?:Actual|but was):\s*500\b",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    """A structural verdict: category, how sure, why, the line that decided, the frame."""

    category: str
    confidence: float
    details: str
    evidence: str
    frame: Frame | None = None
    in_test: bool | None = None


def is_test_path(path: str, layout: Sequence[str] = ()) -> bool:
    """True for test code: conventional test paths, or the tests repo layout's globs."""
    path = path.replace("\\", "/")
    if any(fnmatch(path, pattern) or f"/{pattern.strip('/')}/" in f"/{path}" for pattern in layout):
        return True
    return bool(_TEST_PATH.search(path))


def is_test_frame(frame: Frame, layout: Sequence[str] = ()) -> bool:
    if frame.file and is_test_path(frame.file, layout):
        return True
    # Go and Java frames name the function; a Test* function is test code even
    # when the file is not shown.
    return bool(_TEST_FUNC.search(frame.function.split("(")[0]))


def raising_frame(frames: Sequence[Frame]) -> Frame | None:
    """The innermost frame that is neither runtime/stdlib nor test-runner plumbing."""
    for frame in frames:
        if not (_PLUMBING.search(frame.file) or _PLUMBING.search(frame.function)):
            return frame
    return None


def locate(stack: str, layout: Sequence[str] = ()) -> tuple[Frame | None, bool | None]:
    """Where the failure was raised and whether that is test code (None: unknown)."""
    frame = raising_frame(parse_frames(stack))
    if frame is not None:
        return frame, is_test_frame(frame, layout)
    # pytest's long report shows the failing source, not the path: `def test_x(`
    # followed by a `>` line means the exception came from the test function body.
    test_def = _PYTEST_DEF.search(stack)
    if test_def and _PYTEST_RAISE.search(stack, test_def.end()):
        return Frame("", test_def.group(1)), True
    return None, None


def analyze(
    message: str,
    stack: str = "",
    console: str = "",
    test_name: str = "",
    layout: Sequence[str] = (),
) -> Finding:
    """Classify from structure alone; always returns an answer (low confidence if blind)."""
    etype = exception_type(message, stack)
    frames = parse_frames(stack)
    if not frames:
        # Race reports, sanitizer output and Ruby errors often put the frames in the
        # message itself; where they point is the same evidence.
        frames = parse_frames(message[:20_000])
        if frames:
            stack = message[:20_000]
    frame, in_test = locate(stack, layout)
    first = _first_line(message) or _first_line(stack) or _first_line(console)
    where = _where(frame)
    shown = etype or "the failure"

    if (
        frames
        and not etype.endswith("AssertionError")
        and _NETWORK_FRAME.search(frames[0].file or frames[0].function)
    ):
        return Finding(
            INFRASTRUCTURE,
            0.5,
            f"The failure is raised inside network client code ({frames[0].file}, "
            f"{frames[0].function}) while talking to another host: the environment's "
            "network or the remote service failed.",
            _frame_line(stack, frames[0]) or first,
            frames[0],
            False,
        )
    if _NETWORK_TYPES.search(etype) or _NETWORK_TYPES.search(message[:500]):
        if frame is not None and in_test and _DOUBLE.search(frame.function):
            return Finding(
                CODE_ISSUE,
                0.6,
                f"{shown} comes from the test's own stand-in server ({frame.function} in "
                f"{frame.file or 'the test'}): the test connects before its double is ready.",
                _frame_line(stack, frame) or first,
                frame,
                True,
            )
        return Finding(
            INFRASTRUCTURE,
            0.45,
            f"{shown} is a network error{where}: a host the test depends on was unreachable.",
            first,
            frame,
            in_test,
        )
    # The stack's source excerpt may show an `assert` line even when the error is,
    # say, an OverflowError raised while evaluating it: only the error decides.
    if (
        _ASSERTION.search(message)
        or _ASSERTION.search(etype)
        or (not etype and _ASSERTION.search(stack))
    ):
        return _assertion(message, stack, test_name, first, frame, in_test)
    if _CRASH_TYPES.match(etype):
        return _crash(etype, first, frame, in_test, stack)
    if frame is not None and in_test is not None:
        return _located(etype, first, frame, in_test, stack)
    return _blind(etype, first)


def _assertion(
    message: str,
    stack: str,
    test_name: str,
    first: str,
    frame: Frame | None,
    in_test: bool | None,
) -> Finding:
    text = f"{message}\n{stack}"
    if _SERVER_ERROR_ASSERT.search(text):
        return Finding(
            PRODUCT_BUG,
            0.6,
            "The assertion received HTTP 500 from the system under test where it expected a "
            "success or client status: the product failed to handle the request.",
            _line_at(text, _SERVER_ERROR_ASSERT),
            frame,
            in_test,
        )
    fixture = _FIXTURE.search(stack) or _FIXTURE.search(test_name)
    if fixture:
        return Finding(
            CODE_ISSUE,
            0.55,
            f"The assertion fails in test setup ({fixture.group(0).strip()}), before the "
            "product is exercised: the fixture or its data is wrong.",
            _line_at(f"{stack}\n{test_name}", _FIXTURE) or first,
            frame,
            True,
        )
    call = _product_call(text)
    if call is not None:
        callee, line = call
        return Finding(
            PRODUCT_BUG,
            0.45,
            f"The assertion checks the value returned by the product call {callee}() and "
            "it is not the expected one: the product computed a wrong result.",
            line,
            frame,
            in_test,
        )
    return Finding(
        CODE_ISSUE,
        0.4,
        f"An assertion in the test failed ({first[:160]}) with no product crash, server "
        "error or environment failure behind it: the test's expectation, timing or state "
        "is the first suspect.",
        first,
        frame,
        in_test,
    )


def _crash(
    etype: str, first: str, frame: Frame | None, in_test: bool | None, stack: str
) -> Finding:
    if frame is not None and in_test:
        return Finding(
            CODE_ISSUE,
            0.7,
            f"The {etype} is raised in test code ({frame.function} in {frame.file}): the "
            "test itself indexes, dereferences or races on its own data.",
            _frame_line(stack, frame) or first,
            frame,
            True,
        )
    if frame is not None:
        return Finding(
            PRODUCT_BUG,
            0.7,
            f"The {etype} is raised in product code ({frame.function} in {frame.file}): "
            "the product crashed.",
            _frame_line(stack, frame) or first,
            frame,
            False,
        )
    return Finding(
        PRODUCT_BUG, 0.45, f"The process crashed ({etype}); no test frame is involved.", first
    )


def _located(etype: str, first: str, frame: Frame, in_test: bool, stack: str) -> Finding:
    shown = etype or "The error"
    line = _frame_line(stack, frame) or first
    if in_test:
        strong = bool(_TEST_CODE_TYPES.match(etype.rsplit(".", 1)[-1]))
        return Finding(
            CODE_ISSUE,
            0.65 if strong else 0.55,
            f"{shown} is raised in test code ({frame.function or 'test body'} in "
            f"{frame.file or 'the test'}): the test is wrong, not the product.",
            line,
            frame,
            True,
        )
    return Finding(
        PRODUCT_BUG,
        0.55,
        f"{shown} is raised in product code ({frame.function or '?'} in {frame.file}), "
        "not in the test: the product failed.",
        line,
        frame,
        False,
    )


def _blind(etype: str, first: str) -> Finding:
    short = etype.rsplit(".", 1)[-1]
    if _TEST_CODE_TYPES.match(short):
        return Finding(
            CODE_ISSUE,
            0.4,
            f"{etype} is a programming error and no product frame is shown: most likely "
            "the test code (or its imports) is wrong.",
            first,
        )
    if etype:
        return Finding(
            PRODUCT_BUG,
            0.4,
            f"An unhandled {etype} with no test frame shown: the product raised it.",
            first,
        )
    return Finding(
        CODE_ISSUE,
        0.3,
        "No product crash, server error or environment failure is visible; the test "
        f"reported: {first[:160] or 'no message'}. The test is the first suspect.",
        first,
    )


def _product_call(text: str) -> tuple[str, str] | None:
    for found in _ASSERT_EXPR.finditer(text):
        expr = found.group("expr") or found.group("args") or found.group("actual") or ""
        for call in _CALL.finditer(expr):
            callee = call.group("callee")
            if not _NOT_PRODUCT_CALLEES.search(callee):
                return callee, found.group(0).strip()
    return None


def _where(frame: Frame | None) -> str:
    return f" in {frame.function or frame.file}" if frame is not None else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:500]


def _line_at(text: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(text)
    if not found:
        return ""
    start = text.rfind("\n", 0, found.start()) + 1
    end = text.find("\n", found.start())
    return text[start : end if end != -1 else len(text)].strip()[:500]


def _frame_line(stack: str, frame: Frame) -> str:
    needle = frame.function or frame.file
    for line in stack.splitlines():
        if needle and needle in line:
            return line.strip()[:500]
    return ""
