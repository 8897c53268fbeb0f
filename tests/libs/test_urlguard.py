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
