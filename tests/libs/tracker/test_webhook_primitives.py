"""Signing and target checks of outbound webhooks."""

from __future__ import annotations

import pytest

from verdict.errors import BadRequest
from verdict.webhooks.signing import sign, verify
from verdict.webhooks.targets import check_target, is_internal


def test_signature_covers_timestamp_and_body():
    signature = sign("s3cret", 1700000000, b'{"a":1}')
    assert signature.startswith("sha256=") and len(signature) == 71
    assert verify("s3cret", "1700000000", b'{"a":1}', signature, now=1700000010)
    assert not verify("s3cret", "1700000000", b'{"a":2}', signature, now=1700000010)
    assert not verify("other", "1700000000", b'{"a":1}', signature, now=1700000010)
    assert not verify("s3cret", "1700000001", b'{"a":1}', signature, now=1700000010)
    # A replay after the tolerance window is refused even with a valid signature.
    assert not verify("s3cret", "1700000000", b'{"a":1}', signature, now=1700001000)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
    ],
)
def test_internal_addresses(address):
    assert is_internal(address)


def test_targets():
    assert check_target(" https://hooks.example.com/x ", []) == "https://hooks.example.com/x"
    assert check_target("http://8.8.8.8/x", [])
    with pytest.raises(BadRequest):
        check_target("http://127.0.0.1:8080/x", [])
    assert check_target("http://127.0.0.1:8080/x", ["127.0.0.1"])
    with pytest.raises(BadRequest):
        check_target("http://user:pw@example.com/x", [])


def test_names_the_hosts_file_points_inside_are_refused(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "127.0.0.1 localhost\n10.9.8.7 build-cache.corp  # an internal box\n"
        "93.184.216.34 public.example\n"
    )
    with pytest.raises(BadRequest, match=r"build-cache\.corp"):
        check_target("https://Build-Cache.corp./hook", [], hosts)
    assert check_target("https://public.example/hook", [], hosts) == "https://public.example/hook"
    assert check_target("https://build-cache.corp/hook", ["build-cache.corp"], hosts)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Hooks.Example.COM./x?a=1", "http://hooks.example.com/x?a=1"),
        ("http://134744072:8080/x", "http://8.8.8.8:8080/x"),
        ("http://0x08.0x08.0x08.0x08/x", "http://8.8.8.8/x"),
        ("http://[2606:4700:0000::1111]/x", "http://[2606:4700::1111]/x"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ],
)
def test_targets_are_canonicalized(url, canonical):
    assert check_target(url, []) == canonical


@pytest.mark.parametrize(
    "address", ["64:ff9b::7f00:1", "2002:a00:1::1", "::ffff:0:a00:1", "::a00:1", "64:ff9b:1::5"]
)
def test_ipv6_transition_prefixes_carrying_internal_ipv4_are_internal(address):
    assert is_internal(address)
    with pytest.raises(BadRequest):
        check_target(f"http://[{address}]/x", [])
