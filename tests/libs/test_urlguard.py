import pytest

from verdict.errors import BadRequest
from verdict.urlguard import check_url_allowed, default_allowed_hosts

ALLOWED = [
    "jenkins.example.com",
    "jira.example.com:8443",
    "*.ci.example.org",
    "10.0.0.5:8080",
    "[::1]:9000",
    "bücher.example",
]


@pytest.mark.parametrize(
    "url",
    [
        "https://jenkins.example.com/job/a/1/",
        "http://JENKINS.example.com:8080/",  # host-only entry: any port
        "https://jenkins.example.com./",  # trailing root dot
        "https://jira.example.com:8443/rest/api/2/search",
        "https://build.ci.example.org/",
        "https://a.b.ci.example.org/",
        "http://10.0.0.5:8080/",
        "http://[::1]:9000/",
        "https://xn--bcher-kva.example/",
        "https://bücher.example/",
        "  https://jenkins.example.com/  ",
    ],
)
def test_allowed(url: str) -> None:
    assert check_url_allowed(url, ALLOWED) == url.strip()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example.net/", "evil.example.net:443 is not allowed"),
        ("http://127.0.0.1/", "127.0.0.1:80 is not allowed"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", r"\[::1\]:80 is not allowed"),
        ("http://2130706433/", "not allowed"),  # 127.0.0.1 as one number
        ("http://localhost:8080/", "localhost"),
        ("https://jira.example.com/", "jira.example.com:443"),  # port mismatch
        ("https://jira.example.com:8444/", "jira.example.com:8444"),
        ("http://10.0.0.5/", "10.0.0.5:80"),
        ("https://ci.example.org/", "ci.example.org"),  # wildcard is subdomains only
        ("https://evilci.example.org/", "evilci.example.org"),
        ("https://jenkins.example.com.evil.net/", "evil.net"),
        ("http://jenkins.example.com@evil.net/", "credentials"),
        ("http://user:pw@jenkins.example.com/", "credentials"),
        ("http://jenkins.example.com\\@evil.net/", "backslashes"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://jenkins.example.com/", "scheme 'gopher'"),
        ("jenkins.example.com/job/a", "scheme"),
        ("https:///nohost", "no host"),
        ("https://jenkins.example.com:99999/", "malformed"),
        ("https://jenk ins.example.com/", "spaces"),
    ],
)
def test_rejected(url: str, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason) as info:
        check_url_allowed(url, ALLOWED)
    assert info.value.status == 400


def test_message_names_the_setting() -> None:
    with pytest.raises(BadRequest, match="VERDICT_ALLOWED_HOSTS"):
        check_url_allowed("https://evil.example.net/", ALLOWED)


def test_empty_allow_list_rejects_everything() -> None:
    with pytest.raises(BadRequest):
        check_url_allowed("https://jenkins.example.com/", [])


def test_broken_entries_match_nothing() -> None:
    with pytest.raises(BadRequest, match="not allowed"):
        check_url_allowed("https://jenkins.example.com/", ["", "not a host!", "*.", "[::1"])


def test_default_allowed_hosts() -> None:
    hosts = default_allowed_hosts(
        "https://jenkins.example.com",
        "http://jira.internal:8080/jira",
        None,
        "",
        "https://API.github.com/",
    )
    assert hosts == {"jenkins.example.com:443", "jira.internal:8080", "api.github.com:443"}
    assert check_url_allowed("http://jira.internal:8080/x", hosts)
    with pytest.raises(BadRequest):
        check_url_allowed("http://jira.internal:9090/x", hosts)


def _table(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver answering from a fixed table (DNS is an outside service)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("Name or service not known")
        return table[host]

    return resolve


RESOLVED = {
    "jenkins.example.com": ["10.0.0.7"],  # listed exactly: the operator's own network
    "build.ci.example.org": ["93.184.216.34", "127.0.0.1"],  # wildcard: public only
    "rebound.ci.example.org": ["127.0.0.1", "::1"],
    "meta.ci.example.org": ["169.254.169.254"],
    "nat64.ci.example.org": ["64:ff9b::7f00:1"],  # 127.0.0.1 through NAT64
}


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("https://jenkins.example.com/", ["10.0.0.7"]),
        ("https://build.ci.example.org/", ["93.184.216.34"]),
        ("http://10.0.0.5:8080/", ["10.0.0.5"]),  # an IP literal the list names
    ],
)
async def test_connect_addresses_keeps_what_may_be_reached(url: str, addresses: list[str]) -> None:
    from verdict.urlguard import connect_addresses

    _host, _port, kept = await connect_addresses(url, ALLOWED, _table(RESOLVED))
    assert kept == addresses


@pytest.mark.parametrize(
    "url",
    [
        "https://rebound.ci.example.org/",
        "https://meta.ci.example.org/",
        "https://nat64.ci.example.org/",
        "https://missing.ci.example.org/",
        "https://evil.example.net/",
    ],
)
async def test_connect_addresses_refuses_names_leading_inside(url: str) -> None:
    from verdict.urlguard import connect_addresses

    with pytest.raises(BadRequest):
        await connect_addresses(url, ALLOWED, _table(RESOLVED))


async def test_an_exactly_listed_name_never_leads_to_link_local() -> None:
    from verdict.urlguard import connect_addresses

    with pytest.raises(BadRequest, match=r"169\.254\.169\.254"):
        await connect_addresses(
            "https://jenkins.example.com/",
            ALLOWED,
            _table({"jenkins.example.com": ["169.254.169.254"]}),
        )


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("127.0.0.1", True),
        ("8.8.8.8", False),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped
        ("::ffff:0:7f00:1", True),  # IPv4-translated
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::1", True),  # local-use NAT64
        ("2002:7f00:1::1", True),  # 6to4 of 127.0.0.1
        ("2002:808:808::1", False),
        ("::7f00:1", True),  # IPv4-compatible 127.0.0.1
        ("::1", True),
        ("fe80::1%eth0", True),
        ("2606:4700::1111", False),
        ("hooks.example.com", False),
    ],
)
def test_is_internal_sees_ipv4_inside_ipv6(address: str, internal: bool) -> None:
    from verdict.urlguard import is_internal

    assert is_internal(address) is internal
