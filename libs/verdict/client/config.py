"""Where the server is, the key, and defaults: flags, then environment, then a profile file.

The profile file is TOML, laid out as jenkins-job-insight's `jji` lays out its own
(`$VERDICT_CONFIG`, else `$XDG_CONFIG_HOME/verdict/config.toml`, else
`~/.config/verdict/config.toml`):

    [default]
    server = "prod"              # the profile used when none is named

    [defaults]                   # merged under every profile
    fail_on = "product-bug"

    [servers.prod]
    url = "https://verdict.example.com"
    api_key = "vdk_..."

`--server` takes a URL or a profile name (a URL uses no profile, as in `jji`);
without it, `VERDICT_URL`, then the profile `VERDICT_PROFILE` names, then `[default]`.
`--api-key`, then `VERDICT_API_KEY`, then the profile's `api_key`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Profile keys and the type each must have (TOML already types its values).
PROFILE_KEYS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "api_key": (str,),
    "no_verify_ssl": (bool,),
    "ca_cert": (str,),
    "fail_on": (str, list),
    "ai_provider": (str,),
    "ai_model": (str,),
    "tests_repo_url": (str,),
    "enable_jira": (bool,),
    "timeout": (int, float),
    "retries": (int,),
    "gzip": (bool,),
    "labels": (dict,),
}


class ConfigError(Exception):
    """The configuration is missing something or cannot be read."""


@dataclasses.dataclass
class Profile:
    url: str
    api_key: str = ""
    name: str = ""  # the profile it came from, "" for flags/environment
    options: dict[str, Any] = dataclasses.field(default_factory=dict)


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("VERDICT_CONFIG"):
        return Path(env["VERDICT_CONFIG"])
    xdg = env.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path(env.get("HOME") or Path.home()) / ".config"
    return base / "verdict" / "config.toml"


def load(path: Path) -> dict[str, Any]:
    """The parsed file, {} when there is none; a malformed one is a ConfigError."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    for section in ("default", "defaults", "servers"):
        if section in data and not isinstance(data[section], dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    for name, entry in data.get("servers", {}).items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: [servers.{name}] must be a table")
    return data


def _checked(path: Path, where: str, values: dict[str, Any]) -> dict[str, Any]:
    for key, value in values.items():
        expected = PROFILE_KEYS.get(key)
        if expected is None:
            raise ConfigError(
                f"{path}: unknown key {where}.{key} (known: {', '.join(PROFILE_KEYS)})"
            )
        if isinstance(value, bool) and bool not in expected:
            raise ConfigError(f"{path}: {where}.{key} must be {expected[0].__name__}")
        if not isinstance(value, expected):
            raise ConfigError(f"{path}: {where}.{key} must be {expected[0].__name__}")
    return values


def profile(data: dict[str, Any], name: str, path: Path) -> Profile:
    servers = data.get("servers", {})
    if name not in servers:
        known = ", ".join(servers) or "none"
        raise ConfigError(f"no profile {name!r} in {path} (profiles: {known})")
    merged = {
        **_checked(path, "defaults", dict(data.get("defaults", {}))),
        **_checked(path, f"servers.{name}", dict(servers[name])),
    }
    url = merged.pop("url", "")
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{path}: servers.{name}.url is missing")
    return Profile(url=url.strip(), api_key=merged.pop("api_key", ""), name=name, options=merged)


def resolve(server: str | None, api_key: str | None, env: Mapping[str, str]) -> Profile:
    """The server, key and profile options in effect (see the module docstring)."""
    path = config_path(env)
    chosen: Profile | None = None
    if server and server.startswith(("http://", "https://")):
        chosen = Profile(url=server)
    elif server:
        chosen = profile(load(path), server, path)
    elif env.get("VERDICT_URL"):
        chosen = Profile(url=env["VERDICT_URL"])
    else:
        data = load(path)
        name = env.get("VERDICT_PROFILE") or str(data.get("default", {}).get("server", ""))
        if name:
            chosen = profile(data, name, path)
    if chosen is None:
        raise ConfigError(
            f"no server: pass --server URL, set VERDICT_URL, or add a profile to {path}"
        )
    key = api_key if api_key is not None else env.get("VERDICT_API_KEY") or chosen.api_key
    chosen.api_key = key.strip()
    chosen.url = chosen.url.rstrip("/")
    return chosen


def environ() -> dict[str, str]:
    return dict(os.environ)
