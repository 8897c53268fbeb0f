"""Exit codes and the `--fail-on` policy.

0  the analysis completed and no failure matched `--fail-on` (the default: exit 0
   whatever the verdict, unless the analysis itself failed)
1  the analysis completed and found a failure `--fail-on` names
2  usage: bad flags or configuration, no report files, a file that cannot be read
3  the analysis failed: the server refused the report (invalid XML, not JUnit, too
   large) or the job ended `failed`
4  the server could not be reached, kept failing past the retries, or the analysis
   did not finish within `--timeout`
5  the server refused the credentials (401) or the key lacks the scope (403)
"""

from __future__ import annotations

from collections.abc import Iterable

from verdict.client.names import ANY, FAIL_ON, NONE, USAGE_EXIT

OK, FAILURES_MATCHED, USAGE, ANALYSIS_FAILED, UNAVAILABLE, AUTH = 0, 1, USAGE_EXIT, 3, 4, 5


class PolicyError(ValueError):
    """A `--fail-on` value names no known class."""


def parse_fail_on(values: Iterable[str] | str | None) -> frozenset[str]:
    """`product-bug,infrastructure` (or a list of such) as a set of names; `none` clears."""
    if values is None:
        return frozenset()
    items = [values] if isinstance(values, str) else list(values)
    names = {part.strip().lower() for item in items for part in item.split(",") if part.strip()}
    if NONE in names:
        if len(names) > 1:
            raise PolicyError("--fail-on none cannot be combined with other values")
        return frozenset()
    unknown = names - set(FAIL_ON) - {ANY}
    if unknown:
        known = ", ".join([*FAIL_ON, ANY, NONE])
        raise PolicyError(f"--fail-on: unknown {', '.join(sorted(unknown))} (known: {known})")
    return frozenset(names)


def matched(fail_on: frozenset[str], classifications: Iterable[str]) -> list[str]:
    """The classifications found that the policy fails on, each once, in order found."""
    wanted = {FAIL_ON[name] for name in fail_on if name in FAIL_ON}
    out: list[str] = []
    for classification in classifications:
        if (ANY in fail_on or classification in wanted) and classification not in out:
            out.append(classification)
    return out
