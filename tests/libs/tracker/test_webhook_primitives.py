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
