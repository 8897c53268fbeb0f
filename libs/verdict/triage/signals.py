"""What kind of failure this is and where it was raised, as features that travel.

The learned classifier (learned.py) does not see project names or one corpus case:
it sees these families, which mean the same in any project and any language —

- the kind of signal: a crash or sanitizer report, an assertion on the product's
  output, a server error from the system under test, a timeout, resource
  exhaustion, a network / registry / CI-runner failure, a compile or import error;
- where it was raised: the innermost non-plumbing frame in test code, product code
  or the test harness, and how much of the stack is test code.

Each family is a handful of alternatives that name the mechanism (ECONNREFUSED,
"Too Many Requests", "AddressSanitizer"), never a sentence from one report. The
patterns are plain alternations and bounded classes (RE2-compatible, linear) and
run on text capped at MAX_SCAN characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import re2

from verdict.triage.normalize import Frame, exception_type, parse_frames
from verdict.triage.structure import is_test_frame, is_test_path, raising_frame

MAX_SCAN = 16_000

_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False


def _family(*alternatives: str) -> re2._Regexp:
    # (?m): `^` anchors at every line, as the Python patterns elsewhere do.
    return re2.compile("(?m)" + "|".join(f"(?:{a})" for a in alternatives), _OPTIONS)


# name -> pattern. Names are feature names: keep them stable (models store them).
FAMILIES: dict[str, re2._Regexp] = {
    "crash": _family(
        r"\bpanic:",
        r"\bpanicked at\b",
        r"segmentation fault",
        r"\bSIG(?:SEGV|ABRT|BUS|ILL|FPE)\b",
        r"core dumped",
        r"fatal error:",
        r"Fatal Python error",
        r"access violation",
        r"EXC_BAD_ACCESS",
        r"double free",
        r"stack overflow",
        r"unhandled exception",
        r"terminate called",
        r"\babort(?:ed)?\b",
    ),
    "sanitizer": _family(
        r"AddressSanitizer",
        r"UndefinedBehaviorSanitizer",
        r"LeakSanitizer",
        r"MemorySanitizer",
        r"ThreadSanitizer",
        r"runtime error: (?:load|store|member|signed|unsigned|shift|index|null)",
        r"heap-(?:use-after-free|buffer-overflow)",
        r"stack-buffer-overflow",
        r"==\d+==ERROR",
        r"valgrind",
        r"Invalid (?:read|write) of size",
    ),
    # An invariant check in native/runtime code (C/C++ assert, CHECK, debug_assert):
    # where the checked code lives decides, see the msgpath features.
    "native_assert": _family(
        r"Assertion [`'\"(].{0,200}[`'\")] failed",
        r"Assertion failed[: ]",
        r"Assert failure",
        r"\bCheck failed:",
        r"\bDCHECK\b",
        r"assertion `.{0,200}` failed",
        r"debug_assert",
    ),
    "data_race": _family(r"DATA RACE", r"data race", r"race condition", r"\brace detected\b"),
    "assertion": _family(
        r"AssertionError",
        r"AssertionFailedError",
        r"assert(?:ion)? failed",
        r"^\s*>?\s*assert\b",
        r"\bexpected\b.{0,80}\b(?:but|got|actual|received|to (?:be|equal))\b",
        r"Expected:.{0,200}\n\s*(?:Actual|Received|but was)",
        r"\bNot equal:",
        r"Error Trace:",
        r"\bassert_eq!|\bassert!\(",
        r"\bEXPECT_|\bASSERT_",
        r"ComparisonFailure|EqualException|AssertFailedException",
        r"to equal|toEqual|toBe\(",
        r"\bmismatch\b",
    ),
    "server_error": _family(
        r"\b50[0-4]\b.{0,40}(?:error|gateway|unavailable|timeout)",
        r"Internal Server Error",
        r"status(?: code)?[ :=]+5\d\d\b",
        r"\bgot 5\d\d\b|\breturned 5\d\d\b|\bresponse(?: code)?[ :=]+5\d\d\b",
        r"rpc error: code = (?:Internal|Unknown|DataLoss)",
        # An assertion comparing the product's 5xx with the status the test wanted.
        r"\b5\d\d\s*(?:==|!=|is not|to (?:be|equal))\s*[1-4]\d\d\b",
        r"\b[1-4]\d\d\s*(?:==|!=)\s*5\d\d\b",
        r"expected:?\s*<?[1-4]\d\d>?.{0,60}(?:got|actual|but was|received):?\s*<?5\d\d\b",
    ),
    "client_error": _family(
        r"\b40[0-9]\b.{0,30}(?:bad request|unauthorized|forbidden|not found|conflict)",
        r"status(?: code)?[ :=]+4\d\d\b",
    ),
    "rate_limit": _family(
        r"\b429\b",
        r"too many requests",
        r"rate limit",
        r"toomanyrequests",
        r"quota exceeded",
        r"throttl",
    ),
    "timeout": _family(
        r"time[d ]?out",
        r"deadline exceeded",
        r"took too long",
        r"exceeded (?:the )?(?:maximum )?(?:time|duration)",
        r"ETIMEDOUT",
        r"\bhung\b|\bhang(?:s|ing)?\b",
        r"deadlock",
    ),
    "resource": _family(
        r"out of memory",
        r"OutOfMemory",
        r"MemoryError",
        r"cannot allocate memory",
        r"\bOOM\b|OOMKilled",
        r"no space left on device",
        r"disk (?:quota|full)",
        r"ENOSPC|ENOMEM|EMFILE",
        r"too many open files",
        r"exit code 137|signal 9\b|killed\b",
        r"heap space|GC overhead",
        r"resource temporarily unavailable",
    ),
    "network": _family(
        r"ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN|ENOTFOUND",
        r"connection (?:refused|reset|closed|aborted|timed out)",
        r"could ?n[o']t (?:resolve|connect)",
        r"name or service not known",
        r"temporary failure in name resolution",
        r"nodename nor servname",
        r"no route to host",
        r"network is unreachable",
        r"unexpected EOF",
        r"broken pipe",
        r"TLS handshake|SSL(?:Error| routines)|certificate verify failed",
        r"socket hang up",
        r"getaddrinfo",
        r"UnknownHost|ConnectException|SocketTimeout",
        r"remote end closed",
    ),
    "registry": _family(
        r"registry\.npmjs\.org|pypi\.org|files\.pythonhosted|proxy\.golang\.org|rubygems",
        r"crates\.io|nuget\.org|maven\.org|repo1\.maven|docker\.io|ghcr\.io|quay\.io",
        r"\bnpm ERR!",
        r"pip install|Could not find a version that satisfies",
        r"failed to (?:download|fetch|pull|clone)",
        r"go: downloading|go mod download|module lookup",
        r"bundle install|Bundler::",
        r"apt-get|Failed to fetch http|dpkg",
        r"image pull|pull access denied|manifest unknown|ErrImagePull|ImagePullBackOff",
        r"unable to access 'https?://",
        r"checksum mismatch|integrity check",
    ),
    "runner": _family(
        r"setup-\w+@v\d|actions/\w+@v\d",
        r"runner (?:has received a shutdown|lost communication|is offline)",
        r"the operation was canceled",
        r"agent (?:went offline|lost)",
        r"\bversion [\w.'\"]+ (?:with arch(?:itecture)? [\w'\"]+ )?(?:was )?not found",
        r"No space left|hosted runner|self-hosted",
        r"\bworkflow\b|\bjob was cancell?ed\b",
        r"Permission denied \(publickey\)|authentication failed|401 Unauthorized",
        r"travis|circleci|jenkins|buildkite|appveyor|azure pipelines",
        r"docker(?:d)?:|daemon|cgroup|kubelet|CrashLoopBackOff|Evicted|node not ready",
        r"Service Unavailable|Bad Gateway|Gateway Time-?out",
        r"certificates?.{0,40}(?:expired|issued)",
    ),
    "compile": _family(
        r"error(?:\[E\d{4}\])?: (?:cannot|mismatched|expected|use of)",
        r"\berror (?:TS|CS)\d{4}\b",
        r"compilation (?:failed|error)|failed to compile|build failed",
        r"undefined reference to|unresolved external symbol|cannot find symbol",
        r"SyntaxError|IndentationError|ParseError",
        r"\bdoes not compile\b|type error|TypeError: .{0,40}is not (?:a function|defined)",
        r"no (?:such|matching) (?:method|function|member)|has no attribute",
        r"undefined: \w+|not declared in this scope",
    ),
    "import": _family(
        r"ModuleNotFoundError|ImportError|No module named",
        r"Cannot find module|Module not found|ERR_MODULE_NOT_FOUND",
        r"ClassNotFoundException|NoClassDefFoundError|NoSuchMethodError",
        r"cannot load such file|LoadError",
        r"could not load file or assembly",
        r"DeprecationWarning|deprecated",
    ),
    "flaky_timing": _family(
        r"\bflak(?:y|e|iness)\b",
        r"intermittent",
        r"sleep\(|time\.sleep|setTimeout|Thread\.sleep",
        r"eventually|retry|retries|wait_for|waitFor",
        r"leak(?:ed|s)? goroutines?|goroutine leak",
        r"\border(?:ing)?\b.{0,30}\b(?:differ|depend)",
        r"time\(\)|now\(\)|clock|timezone|DST",
    ),
    "test_double": _family(r"\bmock|\bstub\b|\bfake\w*|fixture|conftest|setUp|beforeEach"),
    "wrong_value": _family(
        r"\bgot\b.{0,80}\bwant\b",
        r"\bwant\b.{0,80}\bgot\b",
        r"\bexpected\b.{0,80}\b(?:got|actual|but)\b",
        r"!=|==|\bnot equal\b|\bdiffer\b",
        r"incorrect|wrong (?:result|value|answer|output)",
        r"returns? (?:wrong|incorrect|an? unexpected)",
        r"regression",
    ),
    "exception_in_product": _family(
        r"NullPointerException|NullReferenceException",
        r"IndexOutOfBounds|index out of range|ArrayIndexOutOfBounds|out of bounds",
        r"ZeroDivisionError|divide by zero|division by zero",
        r"KeyError|nil pointer dereference|undefined is not|Cannot read propert",
        r"ConcurrentModification|IllegalState|InvalidOperation",
        r"UnicodeDecodeError|UnicodeEncodeError|OverflowError|RecursionError",
        r"unexpected error|internal error|unreachable",
    ),
}

# A source location named in the text itself (assert sites, race reports, Go t.Errorf).
_SOURCE_PATH = re2.compile(
    r"([\w./\\-]+\.(?:c|cc|cpp|cxx|h|hpp|rs|go|java|kt|cs|py|rb|php|js|ts|tsx|m|swift))"
    r"(?:[:(]\d+)"
)
_EXIT_STATUS = re2.compile(r"(?:exit(?:ed)?(?: with)?(?: code| status)?|return code)[ :=]*(\d+)")


@dataclass(frozen=True)
class Place:
    """Where the failure was raised."""

    where: str  # test | product | harness | none
    test_share: float  # share of parsed non-plumbing frames that are test code
    frames: int
    frame: Frame | None


def place(stack: str, layout: Sequence[str] = (), message: str = "") -> Place:
    """From the stack's frames or, when it has none, frames printed in the message."""
    frames = parse_frames(stack) or parse_frames(message[:MAX_SCAN])
    if not frames:
        return Place("none", 0.0, 0, None)
    frame = raising_frame(frames)
    if frame is None:
        return Place("harness", 0.0, len(frames), None)
    tests = sum(1 for f in frames[:20] if is_test_frame(f, layout))
    where = "test" if is_test_frame(frame, layout) else "product"
    return Place(where, tests / min(len(frames), 20), len(frames), frame)


def signal_features(
    message: str,
    stack: str = "",
    console: str = "",
    test_name: str = "",
    layout: Sequence[str] = (),
) -> dict[str, float]:
    """Named features in [0, 1]: signal families per field, place, exception family."""
    features: dict[str, float] = {}
    fields = (
        ("m", message[:MAX_SCAN]),
        ("s", stack[:MAX_SCAN]),
        ("c", console[-MAX_SCAN:]),
        ("t", test_name[:500]),
    )
    for name, regex in FAMILIES.items():
        hit_any = False
        for prefix, text in fields:
            if text and regex.search(text):
                features[f"{prefix}:{name}"] = 1.0
                hit_any = True
        if hit_any:
            features[f"any:{name}"] = 1.0
    where = place(stack, layout, message)
    features[f"where:{where.where}"] = 1.0
    features["where:test_share"] = where.test_share
    if where.frames:
        features["where:many_frames"] = min(where.frames, 30) / 30
    etype = exception_type(message, stack)
    if etype:
        features["etype:" + etype.rsplit(".", 1)[-1]] = 1.0
    else:
        features["etype:none"] = 1.0
    exit_code = _EXIT_STATUS.search(message[:MAX_SCAN] + "\n" + console[-MAX_SCAN:])
    if exit_code:
        features["exit:" + exit_code.group(1)[:4]] = 1.0
    paths = _SOURCE_PATH.findall(message[:MAX_SCAN] + "\n" + stack[:MAX_SCAN])[:10]
    if paths:
        tests = sum(1 for p in paths if is_test_path(p, layout))
        features["msgpath:test"] = tests / len(paths)
        features["msgpath:product"] = 1 - tests / len(paths)
    for prefix, text in fields[:3]:
        if not text.strip():
            features[f"empty:{prefix}"] = 1.0
    return features
