"""Signatures: same cause signs the same across builds, different causes differ."""

# ruff: noqa: E501  (realistic log lines are long; wrapping them would hide them)

from __future__ import annotations

import re

import pytest

from verdict.triage.normalize import exception_type, normalize_message, parse_frames
from verdict.triage.signature import error_signature

PY_STACK = """Traceback (most recent call last):
  File "/home/runner/work/app/app/tests/test_orders.py", line {a}, in test_total
    assert order.total() == 10
  File "/home/runner/work/app/app/app/orders.py", line {b}, in total
    return sum(i.price for i in self.items) / self.count
ZeroDivisionError: division by zero"""

JAVA_STACK = """java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null
\tat com.acme.users.UserService.normalize(UserService.java:{a})
\tat com.acme.users.UserService.create(UserService.java:{b})
\tat com.acme.users.UserServiceTest.createsUser(UserServiceTest.java:42)
\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"""

GO_STACK = """panic: runtime error: index out of range [{a}] with length 0

goroutine {b} [running]:
github.com/acme/store.(*Cache).Get(0xc000{a}, 0x{b})
\t/home/ci/src/store/cache.go:{a} +0x1bd
github.com/acme/store.TestCacheGet(0xc000102000)
\t/home/ci/src/store/cache_test.go:31 +0x45
testing.tRunner(0xc000102000, 0x5b1f00)
\t/usr/local/go/src/testing/testing.go:1446 +0x10b"""

JS_STACK = """TypeError: Cannot read properties of undefined (reading 'id')
    at normalizeUser (/app/src/users/normalize.js:{a}:15)
    at Array.map (<anonymous>)
    at listUsers (/app/src/users/list.js:{b}:20)
    at Context.<anonymous> (/app/test/users.spec.js:18:5)"""

CS_STACK = """System.InvalidOperationException: Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at Acme.Billing.InvoiceBuilder.Build(Order order) in /src/Billing/InvoiceBuilder.cs:line {a}
   at Acme.Billing.Tests.InvoiceTests.BuildsInvoice() in /src/Billing.Tests/InvoiceTests.cs:line {b}"""

RUST_STACK = """thread 'parser::tests::parses_header' panicked at 'index out of bounds: the len is {a} but the index is {b}', src/parser.rs:{a}:9
stack backtrace:
   0: rust_begin_unwind
   1: acme::parser::read_header
             at ./src/parser.rs:{a}:9
   2: acme::parser::tests::parses_header
             at ./src/parser.rs:{b}:5"""


def _sig(message: str, stack: str = "", etype: str = "") -> str:
    return error_signature(message, stack, etype)


SAME: list[tuple[str, tuple[str, str, str], tuple[str, str, str]]] = [
    ("numbers", ("expected 3 items, got 5", "", ""), ("expected 12 items, got 7", "", "")),
    ("hex address", ("<Foo object at 0x7f3a2b1c>", "", ""), ("<Foo object at 0x55d0e4aa>", "", "")),
    (
        "uuid",
        ("order 1b4e28ba-2fa1-11d2-883f-0016d3cca427 missing", "", ""),
        ("order 6fa459ea-ee8a-3ca4-894e-db77e160355e missing", "", ""),
    ),
    (
        "iso timestamp",
        ("at 2024-01-17T04:19:11.772Z lock held", "", ""),
        ("at 2025-03-02T23:01:59+02:00 lock held", "", ""),
    ),
    (
        "rfc date",
        ("expired on Mon, 01 Jan 2024 10:00:00 GMT", "", ""),
        ("expired on Tue, 14 Feb 2023 08:30:12 GMT", "", ""),
    ),
    ("duration", ("timed out after 1.23s", "", ""), ("timed out after 150ms", "", "")),
    (
        "ip and port",
        ("connect to 10.0.0.12:5432 failed", "", ""),
        ("connect to 172.17.0.3:6543 failed", "", ""),
    ),
    (
        "ipv6",
        ("dial [fe80::1ff:fe23:4567:890a]:80 failed", "", ""),
        ("dial [fe80::aa:bb:cc:dd]:8080 failed", "", ""),
    ),
    (
        "pytest tmp",
        ("missing /tmp/pytest-of-ci/pytest-12/test_load0/config.yaml", "", ""),
        ("missing /tmp/pytest-of-bob/pytest-3/test_load1/config.yaml", "", ""),
    ),
    (
        "mac tmp",
        ("cannot open /var/folders/xy/abc123/T/tmpa1b2/data.db", "", ""),
        ("cannot open /var/folders/qq/zz9/T/tmpzz/data.db", "", ""),
    ),
    (
        "windows tmp",
        (r"cannot open C:\Users\runner\AppData\Local\Temp\tmp1a2b\data.db", "", ""),
        (r"cannot open C:\Users\ci\AppData\Local\Temp\x9y8\data.db", "", ""),
    ),
    (
        "pod name",
        ("pod pod-7f9c8-xk2p not ready", "", ""),
        ("pod pod-1a2b3-zz9q not ready", "", ""),
    ),
    (
        "generated test name",
        ("namespace test-abc123def leaked", "", ""),
        ("namespace test-9f8e7d6c leaked", "", ""),
    ),
    (
        "container id",
        ("container 4f2a9c1d8e7b exited", "", ""),
        ("container 9e8d7c6b5a41 exited", "", ""),
    ),
    (
        "epoch",
        ("token issued at 1707330995 rejected", "", ""),
        ("token issued at 1654050548 rejected", "", ""),
    ),
    (
        "ansi colours",
        ("\x1b[31mAssertionError\x1b[0m: boom", "", ""),
        ("AssertionError: boom", "", ""),
    ),
    (
        "type prefix vs error_type",
        ("ValueError: bad input", "", ""),
        ("bad input", "", "ValueError"),
    ),
    ("pytest E prefix", ("E       KeyError: 'user'", "", ""), ("KeyError: 'user'", "", "")),
    (
        "python line numbers",
        ("division by zero", PY_STACK.format(a=10, b=20), ""),
        ("division by zero", PY_STACK.format(a=11, b=27), ""),
    ),
    (
        "python checkout dir",
        ("division by zero", PY_STACK.format(a=1, b=2), ""),
        (
            "division by zero",
            PY_STACK.format(a=1, b=2).replace("/home/runner/work/app", "/builds/ci"),
            "",
        ),
    ),
    (
        "java line numbers",
        ("NPE", JAVA_STACK.format(a=10, b=20), ""),
        ("NPE", JAVA_STACK.format(a=12, b=88), ""),
    ),
    (
        "go addresses and goroutines",
        ("", GO_STACK.format(a=3, b=20378), ""),
        ("", GO_STACK.format(a=7, b=46254152), ""),
    ),
    ("js line numbers", ("", JS_STACK.format(a=3, b=9), ""), ("", JS_STACK.format(a=33, b=91), "")),
    ("c# line numbers", ("", CS_STACK.format(a=3, b=9), ""), ("", CS_STACK.format(a=30, b=90), "")),
    (
        "rust line numbers",
        ("", RUST_STACK.format(a=3, b=9), ""),
        ("", RUST_STACK.format(a=4, b=19), ""),
    ),
    (
        "jenkins tmp script",
        ("FATAL: Unable to delete script file /tmp/jenkins8977940399029550408.sh", "", ""),
        ("FATAL: Unable to delete script file /tmp/jenkins1234567890.sh", "", ""),
    ),
    (
        "asan addresses",
        (
            "==ERROR: AddressSanitizer: heap-use-after-free on address 0x0a047fff81a2 at pc 0x559e48261000",
            "",
            "",
        ),
        (
            "==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55aa00112233",
            "",
            "",
        ),
    ),
    (
        "valgrind pid",
        ("==26767== Use of uninitialised value of size 8", "", ""),
        ("==411== Use of uninitialised value of size 8", "", ""),
    ),
    ("whitespace", ("  connection  reset  ", "", ""), ("connection reset", "", "")),
    (
        "k8s evicted sizes",
        ("Container main was using 12012Ki, which exceeds its request of 0.", "", ""),
        ("Container main was using 3002060Ki, which exceeds its request of 0.", "", ""),
    ),
]

DIFFERENT: list[tuple[str, tuple[str, str, str], tuple[str, str, str]]] = [
    (
        "empty message, different python stacks",
        ("", PY_STACK.format(a=1, b=2), ""),
        ("", PY_STACK.format(a=1, b=2).replace("orders.py", "payments.py"), ""),
    ),
    (
        "empty message, different go stacks",
        ("", GO_STACK.format(a=1, b=2), ""),
        ("", GO_STACK.format(a=1, b=2).replace("(*Cache).Get", "(*Cache).Put"), ""),
    ),
    (
        "empty message, different unparsed stacks",
        ("", "test_port_handler.py:: _simulate_server()", ""),
        ("", "test_port_handler.py:: _simulate_client()", ""),
    ),
    (
        "empty message, java vs js stack",
        ("", JAVA_STACK.format(a=1, b=2), ""),
        ("", JS_STACK.format(a=1, b=2), ""),
    ),
    ("empty message and stack vs stack", ("", "", ""), ("", CS_STACK.format(a=1, b=2), "")),
    ("different exception types", ("bad input", "", "ValueError"), ("bad input", "", "TypeError")),
    ("derived types differ", ("ValueError: bad input", "", ""), ("TypeError: bad input", "", "")),
    (
        "java exception types",
        ("java.lang.NullPointerException", "", ""),
        ("java.lang.IllegalStateException", "", ""),
    ),
    ("go panic vs fatal", ("panic: boom", "", ""), ("fatal error: boom", "", "")),
    ("different words", ("connection refused", "", ""), ("connection reset", "", "")),
    (
        "different http status words",
        ("500 Internal Server Error", "", ""),
        ("404 Not Found", "", ""),
    ),
    (
        "different missing module",
        ("No module named 'tests'", "", ""),
        ("No module named 'distutils'", "", ""),
    ),
    (
        "different fixture",
        ("fixture 'mocker' not found", "", ""),
        ("fixture 'db' not found", "", ""),
    ),
    (
        "same message, different product frame",
        ("division by zero", PY_STACK.format(a=1, b=2), ""),
        ("division by zero", PY_STACK.format(a=1, b=2).replace("in total", "in average"), ""),
    ),
    (
        "same message, different java method",
        ("NPE", JAVA_STACK.format(a=1, b=2), ""),
        ("NPE", JAVA_STACK.format(a=1, b=2).replace("normalize", "validate"), ""),
    ),
    (
        "same message, different C# method",
        ("", CS_STACK.format(a=1, b=2), ""),
        ("", CS_STACK.format(a=1, b=2).replace("Build(", "Send("), ""),
    ),
    (
        "same message, different rust fn",
        ("", RUST_STACK.format(a=1, b=2), ""),
        ("", RUST_STACK.format(a=1, b=2).replace("read_header", "read_body"), ""),
    ),
    (
        "asan kinds",
        ("AddressSanitizer: heap-use-after-free", "", ""),
        ("AddressSanitizer: heap-buffer-overflow", "", ""),
    ),
    ("disk vs memory", ("No space left on device", "", ""), ("Cannot allocate memory", "", "")),
    (
        "selector text",
        ("Expected to find element: `#login`, but never found it", "", ""),
        ("Expected to find element: `#logout`, but never found it", "", ""),
    ),
    (
        "mock names",
        ("'called_once_with' is not a valid assertion", "", ""),
        ("'called_with' is not a valid assertion", "", ""),
    ),
    (
        "hosts",
        ("Couldn't resolve host 'github.com'", "", ""),
        ("Couldn't resolve host 'gitlab.com'", "", ""),
    ),
    ("stack vs no stack", ("boom", "", ""), ("boom", JS_STACK.format(a=1, b=2), "")),
]


@pytest.mark.parametrize(("name", "left", "right"), SAME, ids=[c[0] for c in SAME])
def test_same_cause_signs_the_same(
    name: str, left: tuple[str, str, str], right: tuple[str, str, str]
) -> None:
    assert _sig(*left) == _sig(*right), name


@pytest.mark.parametrize(("name", "left", "right"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_different_causes_sign_differently(
    name: str, left: tuple[str, str, str], right: tuple[str, str, str]
) -> None:
    assert _sig(*left) != _sig(*right), name


def test_table_is_large_enough() -> None:
    assert len(SAME) + len(DIFFERENT) >= 50


def test_signature_is_sha256_hex() -> None:
    sig = _sig("boom")
    assert re.fullmatch(r"[0-9a-f]{64}", sig)


def test_identical_empty_inputs_sign_the_same() -> None:
    assert _sig("") == _sig("")


@pytest.mark.parametrize(
    ("message", "stack", "expected"),
    [
        ("ValueError: bad", "", "ValueError"),
        ("java.lang.NullPointerException: x", "", "java.lang.NullPointerException"),
        ("panic: runtime error: x", "", "panic"),
        ("TypeError: Cannot read properties of undefined", "", "TypeError"),
        ("Exception: Connection already set", "", "Exception"),
        ("", PY_STACK.format(a=1, b=2), "ZeroDivisionError"),
        ("", CS_STACK.format(a=1, b=2), "System.InvalidOperationException"),
        ("thread 'main' panicked at 'x'", "", "panicked"),
        ("just words", "", ""),
    ],
)
def test_exception_type_is_derived(message: str, stack: str, expected: str) -> None:
    assert exception_type(message, stack) == expected


def test_frames_keep_files_and_functions_innermost_first() -> None:
    frames = parse_frames(PY_STACK.format(a=5, b=9))
    assert [(f.file.rsplit("/", 1)[-1], f.function, f.line) for f in frames] == [
        ("orders.py", "total", "9"),
        ("test_orders.py", "test_total", "5"),
    ]
    go = parse_frames(GO_STACK.format(a=1, b=2))
    assert go[0].function == "github.com/acme/store.(*Cache).Get"
    assert go[0].file.endswith("cache.go")


def test_normalize_message_strips_noise() -> None:
    text = normalize_message("pod-7f9c8-xk2p at 10.0.0.1:80 after 2.5s on 2024-01-01")
    assert not re.search(r"\d", text.replace("<n>", ""))


def test_random_ids_sign_alike_whether_or_not_they_contain_letters() -> None:
    # A random hex id is sometimes all digits; the cause must not split in two then.
    pairs = [
        (
            "request to payments-3f9a1c2b.svc timed out",
            "request to payments-31415926.svc timed out",
        ),
        ("container 9c1f0e2ab3d4 exited", "container 912345678901 exited"),
        ("pod worker-7f9c8xk2 evicted", "pod worker-12345 evicted"),
    ]
    for left, right in pairs:
        assert error_signature(left) == error_signature(right), (left, right)


def test_an_all_letter_hex_id_is_still_an_id() -> None:
    assert error_signature("GET /api/orders/deadbeef failed") == error_signature(
        "GET /api/orders/9c1f0e2a failed"
    )
    # ...while ordinary words are kept.
    assert error_signature("decoded value faded") != error_signature("decoded value added")
