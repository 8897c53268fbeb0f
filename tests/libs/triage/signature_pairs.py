"""Must-sign-same and must-sign-different pairs across languages (data for the tests and bench).

Each entry: (name, language, (message, stack), (message, stack)). SAME pairs differ
only in run noise; DIFFERENT pairs differ in something that names the cause.
"""

# ruff: noqa: E501  (realistic log lines are long; wrapping them would hide them)

from __future__ import annotations

Pair = tuple[str, str, tuple[str, str], tuple[str, str]]

PY = 'Traceback (most recent call last):\n  File "{root}/app/tests/test_api.py", line {a}, in test_get\n    r = client.get("/x")\n  File "{root}/app/{pkg}/billing.py", line {b}, in {func}\n    raise ValueError("bad")\nValueError: bad'
JAVA = "java.lang.IllegalStateException: closed\n\tat com.acme.{pkg}.Pool.take(Pool.java:{a})\n\tat com.acme.{pkg}.PoolTest.takes(PoolTest.java:{b})"
GO = "panic: runtime error: index out of range [{a}] with length 0\n\ngoroutine {b} [running]:\ngithub.com/acme/{pkg}.Sum(0xc000{a})\n\t{root}/{pkg}/{file}.go:{a} +0x1bd\ngithub.com/acme/{pkg}.TestSum(0xc000102000)\n\t{root}/{pkg}/sum_test.go:31 +0x45"
JS = "TypeError: Cannot read properties of undefined (reading 'id')\n    at normalize ({root}/src/{pkg}/users.js:{a}:15)\n    at Context.<anonymous> ({root}/test/users.spec.js:{b}:5)"
ASAN = "==={pid}==ERROR: AddressSanitizer: {kind} on address 0x{addr} at pc 0x55d0e4aa bp 0x7ffd sp 0x7ffc\nREAD of size 8 at 0x{addr} thread T0\n    #0 0x4f5a1b in {func} {root}/src/{file}.cc:{a}:9\n    #1 0x4f6b2c in main {root}/src/main.cc:{b}:3"
RUST = "thread 'tests::parses' panicked at src/{file}.rs:{a}:9:\ncalled `Result::unwrap()` on an `Err` value: ParseIntError {{ kind: InvalidDigit }}\nstack backtrace:\n   0: acme::{func}\n             at ./src/{file}.rs:{a}:9\n   1: acme::tests::parses\n             at ./src/{file}.rs:{b}:5"
CS = "System.InvalidOperationException: Sequence contains no elements\n   at Acme.{pkg}.InvoiceBuilder.Build(Order order) in {root}/src/{pkg}/InvoiceBuilder.cs:line {a}\n   at Acme.Tests.InvoiceTests.Builds() in {root}/src/Tests/InvoiceTests.cs:line {b}"

J1, J2 = "/var/lib/jenkins/workspace/app-build", "/home/agent7/workspace/app-build@2"


def _py(**kw: object) -> str:
    return PY.format(**{"root": J1, "a": 10, "b": 20, "pkg": "services/v3", "func": "charge", **kw})


def _go(**kw: object) -> str:
    return GO.format(
        **{
            "root": "/home/runner/work/acme/acme",
            "a": 7,
            "b": 1,
            "pkg": "store",
            "file": "sum",
            **kw,
        }
    )


def _js(**kw: object) -> str:
    return JS.format(**{"root": "/builds/acme/web", "a": 3, "b": 9, "pkg": "users", **kw})


def _asan(**kw: object) -> str:
    return ASAN.format(
        **{
            "pid": 4242,
            "kind": "heap-use-after-free",
            "addr": "602000000010",
            "func": "Parse",
            "file": "parser",
            "root": "/src",
            "a": 40,
            "b": 12,
            **kw,
        }
    )


def _rust(**kw: object) -> str:
    return RUST.format(**{"file": "parser", "func": "parser::parse_int32", "a": 41, "b": 88, **kw})


def _cs(**kw: object) -> str:
    return CS.format(**{"root": "D:\\a\\acme\\acme", "pkg": "Billing", "a": 30, "b": 90, **kw})


def _java(**kw: object) -> str:
    return JAVA.format(**{"pkg": "db", "a": 44, "b": 12, **kw})


SAME: list[Pair] = [
    # Python
    (
        "py line numbers",
        "python",
        ("ValueError: bad", _py(a=10, b=20)),
        ("ValueError: bad", _py(a=11, b=27)),
    ),
    (
        "py jenkins agent and concurrent build",
        "python",
        ("ValueError: bad", _py(root=J1)),
        ("ValueError: bad", _py(root=J2)),
    ),
    (
        "py gitlab concurrent builds",
        "python",
        ("ValueError: bad", _py(root="/builds/x7Yz_AbC/0/acme/app")),
        ("ValueError: bad", _py(root="/builds/Qq9mZ2kL/3/acme/app")),
    ),
    (
        "py temp name without digit",
        "python",
        ("FileNotFoundError: [Errno 2] No such file: '/work/tmpkqhzwvle/out.json'", ""),
        ("FileNotFoundError: [Errno 2] No such file: '/work/tmpxbrtqsaw/out.json'", ""),
    ),
    (
        "py pytest tmp_path",
        "python",
        ("AssertionError: /tmp/pytest-of-runner/pytest-12/test_export0/a.csv differs", ""),
        ("AssertionError: /tmp/pytest-of-ci/pytest-3/test_export1/a.csv differs", ""),
    ),
    (
        "py hypothesis seed",
        "python",
        ("Falsifying example, seed=91823746118", ""),
        ("Falsifying example, seed=3342", ""),
    ),
    (
        "py object address",
        "python",
        ("AssertionError: <Order object at 0x7f3a2b1c90> is not None", ""),
        ("AssertionError: <Order object at 0x55d0e4aa10> is not None", ""),
    ),
    (
        "py timestamps",
        "python",
        ("lock held since 2024-01-17T04:19:11.772Z", ""),
        ("lock held since 2025-03-02T23:01:59+02:00", ""),
    ),
    (
        "py duration",
        "python",
        ("TimeoutError: gave up after 30.2s", ""),
        ("TimeoutError: gave up after 29.8s", ""),
    ),
    # Java
    ("java line numbers", "java", ("", _java(a=44, b=12)), ("", _java(a=45, b=19))),
    (
        "java port",
        "java",
        ("java.net.ConnectException: Connection refused: localhost:54321", ""),
        ("java.net.ConnectException: Connection refused: localhost:40112", ""),
    ),
    (
        "java random seed",
        "java",
        ("Randomized with seed 1A2B3C4D5E: expected <5> but was <6>", ""),
        ("Randomized with seed 77E0D1F0AA: expected <5> but was <6>", ""),
    ),
    (
        "java uuid",
        "java",
        ("EntityNotFoundException: order 1b4e28ba-2fa1-11d2-883f-0016d3cca427", ""),
        ("EntityNotFoundException: order 6fa459ea-ee8a-3ca4-894e-db77e160355e", ""),
    ),
    # Go
    ("go goroutine and args", "go", ("", _go(a=7, b=1)), ("", _go(a=9, b=33))),
    (
        "go shallow tree, concurrent builds",
        "go",
        ("", _go(root="/var/lib/jenkins/workspace/shop-ci", pkg="x")),
        ("", _go(root="/var/lib/jenkins/workspace/shop-ci@2", pkg="x")),
    ),
    (
        "go runner roots",
        "go",
        ("", _go(root="/home/runner/work/acme/acme")),
        ("", _go(root="/home/runner/_work/acme/acme")),
    ),
    (
        "go tempdir",
        "go",
        ("open /tmp/TestExport1234567/001/out.txt: no such file or directory", ""),
        ("open /tmp/TestExport7654321/002/out.txt: no such file or directory", ""),
    ),
    ("go test timing", "go", ("--- FAIL: TestSum (0.01s)", ""), ("--- FAIL: TestSum (1.73s)", "")),
    # JS/TS
    ("js line and column", "js", ("", _js(a=3, b=9)), ("", _js(a=30, b=91))),
    (
        "js jest tmp dir",
        "js",
        ("ENOENT: no such file or directory, open '/tmp/jest_rs/abc/cache.json'", ""),
        ("ENOENT: no such file or directory, open '/tmp/jest_0x/def/cache.json'", ""),
    ),
    (
        "ts github windows root",
        "js",
        ("", _js(root="D:\\a\\web\\web")),
        ("", _js(root="D:\\a\\web\\web")),
    ),
    (
        "js port in message",
        "js",
        ("Error: connect ECONNREFUSED 127.0.0.1:5432", ""),
        ("Error: connect ECONNREFUSED 127.0.0.1:5433", ""),
    ),
    # C/C++ ASan
    (
        "asan pid and addresses",
        "c++",
        ("", _asan(pid=4242, addr="602000000010")),
        ("", _asan(pid=99, addr="60b0000000f0")),
    ),
    ("asan line numbers", "c++", ("", _asan(a=40, b=12)), ("", _asan(a=41, b=13))),
    (
        "c core dump pid",
        "c++",
        ("Segmentation fault (core dumped) pid 31337", ""),
        ("Segmentation fault (core dumped) pid 2718", ""),
    ),
    # Rust
    ("rust line numbers", "rust", ("", _rust(a=41, b=88)), ("", _rust(a=44, b=90))),
    (
        "rust symbol hash",
        "rust",
        ("   0: acme::parse::h1a2b3c4d5e6f7a8b", ""),
        ("   0: acme::parse::h9f8e7d6c5b4a3921", ""),
    ),
    # .NET
    ("cs line numbers", "dotnet", ("", _cs(a=30, b=90)), ("", _cs(a=31, b=97))),
    (
        "cs azure agent",
        "dotnet",
        ("", _cs(root="D:\\agent\\_work\\1\\s")),
        ("", _cs(root="D:\\agent\\_work\\7\\s")),
    ),
    # Kubernetes and runners
    (
        "k8s deployment pod",
        "k8s",
        ("pod web-7d4b9c8f6-x2k9p is not ready", ""),
        ("pod web-5c9fd7b8b-qwzkp is not ready", ""),
    ),
    (
        "k8s job pod without digit",
        "k8s",
        ("Job pod migrate-qwzkp failed", ""),
        ("Job pod migrate-x2k9p failed", ""),
    ),
    (
        "container id",
        "k8s",
        ("container 3f4e5d6c7b8a exited", ""),
        ("container 9a8b7c6d5e4f exited", ""),
    ),
    (
        "ip addresses",
        "any",
        ("dial tcp 10.0.3.17:443: i/o timeout", ""),
        ("dial tcp 10.0.9.201:443: i/o timeout", ""),
    ),
    ("counts in assertion", "any", ("expected 12 rows, got 7", ""), ("expected 3 rows, got 5", "")),
    ("pytest E prefix", "python", ("E       KeyError: 'user'", ""), ("KeyError: 'user'", "")),
]

DIFFERENT: list[Pair] = [
    # status, exit, signal, error codes
    (
        "http 502 vs 403",
        "any",
        ("AssertionError: expected 200, got 502", ""),
        ("AssertionError: expected 200, got 403", ""),
    ),
    (
        "http status word",
        "any",
        ("request failed with status code 500", ""),
        ("request failed with status code 404", ""),
    ),
    (
        "http reason phrase",
        "any",
        ("HTTPError: 503 Service Unavailable", ""),
        ("HTTPError: 429 Too Many Requests", ""),
    ),
    ("assert status compare", "python", ("assert 500 == 200", ""), ("assert 404 == 200", "")),
    (
        "exit code 143 vs 2",
        "any",
        ("script returned exit code 143", ""),
        ("script returned exit code 2", ""),
    ),
    ("exit status", "go", ("exit status 1", ""), ("exit status 2", "")),
    (
        "signal 9 vs 15",
        "any",
        ("process killed by signal 9", ""),
        ("process killed by signal 15", ""),
    ),
    (
        "python non-zero exit",
        "python",
        ("CalledProcessError: Command 'make' returned non-zero exit status 2.", ""),
        ("CalledProcessError: Command 'make' returned non-zero exit status 139.", ""),
    ),
    (
        "typescript codes",
        "js",
        ("src/app.ts(3,1): error TS2307: Cannot find module", ""),
        ("src/app.ts(3,1): error TS2339: Cannot find module", ""),
    ),
    (
        "csharp codes",
        "dotnet",
        ("Program.cs(12,5): error CS0246: type not found", ""),
        ("Program.cs(12,5): error CS1061: type not found", ""),
    ),
    (
        "msbuild codes",
        "dotnet",
        ("error MSB3073: command exited", ""),
        ("error MSB4018: command exited", ""),
    ),
    (
        "rust error codes",
        "rust",
        ("error[E0382]: borrow of moved value", ""),
        ("error[E0499]: borrow of moved value", ""),
    ),
    (
        "mysql error codes",
        "sql",
        ("ERROR 1062 (23000): Duplicate entry", ""),
        ("ERROR 1452 (23000): Duplicate entry", ""),
    ),
    (
        "postgres sqlstate",
        "sql",
        ("SQLSTATE 23505 violation", ""),
        ("SQLSTATE 23503 violation", ""),
    ),
    (
        "oracle codes",
        "sql",
        ("ORA-00942: table or view does not exist", ""),
        ("ORA-01017: table or view does not exist", ""),
    ),
    (
        "errno values",
        "python",
        ("OSError: [Errno 28] device error", ""),
        ("OSError: [Errno 13] device error", ""),
    ),
    (
        "rust os error",
        "rust",
        ("Os { code: 2, kind: NotFound } (os error 2)", ""),
        ("Os { code: 13, kind: PermissionDenied } (os error 13)", ""),
    ),
    (
        "windows error",
        "dotnet",
        ("[WinError 5] Access is denied", ""),
        ("[WinError 32] Access is denied", ""),
    ),
    (
        "hresult",
        "dotnet",
        ("COMException: HRESULT: 0x80070005", ""),
        ("COMException: HRESULT: 0x8007000E", ""),
    ),
    (
        "linter codes",
        "python",
        ("app.py:3:1: E501 line too long", ""),
        ("app.py:3:1: F401 line too long", ""),
    ),
    (
        "shellcheck codes",
        "any",
        ("In build.sh line 4: SC2086: quote this", ""),
        ("In build.sh line 4: SC2046: quote this", ""),
    ),
    # identifier digits in frames and names
    (
        "py v3 vs v4 frames",
        "python",
        ("ValueError: bad", _py(pkg="services/v3")),
        ("ValueError: bad", _py(pkg="services/v4")),
    ),
    (
        "go sha1 vs sha256",
        "go",
        ("", _go(pkg="crypto", file="sha1")),
        ("", _go(pkg="crypto", file="sha256")),
    ),
    (
        "rust int32 vs int64",
        "rust",
        ("", _rust(func="parser::parse_int32")),
        ("", _rust(func="parser::parse_int64")),
    ),
    (
        "py function digits",
        "python",
        ("ValueError: bad", _py(func="decode_v2")),
        ("ValueError: bad", _py(func="decode_v1")),
    ),
    (
        "message int32 vs int64",
        "any",
        ("overflow in parse_int32()", ""),
        ("overflow in parse_int64()", ""),
    ),
    (
        "http2 vs http1",
        "go",
        ("protocol error in http2 transport", ""),
        ("protocol error in http1 transport", ""),
    ),
    (
        "arch in message",
        "any",
        ("no matching manifest for linux/arm64", ""),
        ("no matching manifest for linux/amd64", ""),
    ),
    (
        "utf8 vs utf16",
        "python",
        ("UnicodeDecodeError: 'utf8' codec can't decode", ""),
        ("UnicodeDecodeError: 'utf16' codec can't decode", ""),
    ),
    ("ipv4 vs ipv6", "any", ("bind failed on ipv4 socket", ""), ("bind failed on ipv6 socket", "")),
    # words, types, places
    (
        "asan kinds",
        "c++",
        ("", _asan(kind="heap-use-after-free")),
        ("", _asan(kind="stack-buffer-overflow")),
    ),
    ("asan function", "c++", ("", _asan(func="Parse")), ("", _asan(func="Render"))),
    ("cs namespaces", "dotnet", ("", _cs(pkg="Billing")), ("", _cs(pkg="Shipping"))),
    ("java packages", "java", ("", _java(pkg="db")), ("", _java(pkg="cache"))),
    ("js modules", "js", ("", _js(pkg="users")), ("", _js(pkg="orders"))),
    ("exception types", "python", ("ValueError: bad input", ""), ("TypeError: bad input", "")),
    ("empty message, different stacks", "dotnet", ("", _cs(pkg="Billing")), ("", _js())),
    ("connection refused vs reset", "any", ("connection refused", ""), ("connection reset", "")),
    ("disk vs memory", "any", ("No space left on device", ""), ("Cannot allocate memory", "")),
]
