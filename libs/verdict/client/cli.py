"""`verdict analyze` and `verdict completion`: the client's command line.

Only argparse is imported to build the parser (so `--help` and shell completion are
instant); the HTTP machinery is imported when a run starts.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from verdict.client.names import ANY, CI_NAMES, FAIL_ON, NONE, PROGRESS_MODES
from verdict.client.names import USAGE_EXIT as USAGE

if TYPE_CHECKING:
    from typing import Any

# shtab's markers (shtab.FILE), set without importing shtab: complete a file name.
FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}

ANALYZE_HELP = "upload JUnit XML reports, show the analysis, exit by --fail-on"
ANALYZE_DESCRIPTION = """\
Upload JUnit XML reports to a Verdict server, follow the analysis live, print which
failures are PRODUCT BUG, INFRASTRUCTURE or CODE ISSUE and why, and exit by --fail-on.

Several files (or a glob such as 'reports/**/*.xml', quoted) are merged into one report:
one run, one job. The run's identity (job name, build, branch, commit, pull request,
run URL) is read from the CI's environment (GitHub Actions, GitLab CI, Jenkins,
Buildkite, CircleCI, Azure Pipelines) unless a flag gives it.
"""
ANALYZE_EPILOG = f"""\
exit codes:
  0  analysis completed, nothing matched --fail-on (the default policy)
  1  analysis completed and found failures that --fail-on names
  2  usage: bad flags or configuration, no report files, unreadable file
  3  the analysis failed: the server refused the report, or the job failed
  4  server unreachable, failing past the retries, or --timeout passed
  5  the server refused the credentials (401) or the key lacks the scope (403)

environment:
  VERDICT_URL       server URL when --server is not given
  VERDICT_API_KEY   API key when --api-key is not given
  VERDICT_PROFILE   profile to use from the config file
  VERDICT_CONFIG    config file (default $XDG_CONFIG_HOME/verdict/config.toml)

--fail-on takes {", ".join([*FAIL_ON, ANY, NONE])}, comma-separated.
"""


def _label(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{value!r}: expected KEY=VALUE")
    return key.strip(), val


def _positive(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _analyze_arguments(parser: argparse.ArgumentParser) -> None:
    reports = parser.add_argument(
        "reports", nargs="+", metavar="REPORT", help="files, directories or quoted globs"
    )
    reports.complete = FILE  # type: ignore[attr-defined]

    server = parser.add_argument_group("server")
    server.add_argument("--server", metavar="URL|PROFILE", help="server URL or profile name")
    server.add_argument("--api-key", metavar="KEY", help="API key (Bearer token)")
    server.add_argument("--insecure", action="store_true", default=None, help="skip TLS checks")
    server.add_argument("--ca-cert", metavar="FILE", help="CA bundle to verify the server with")

    run = parser.add_argument_group("run identity (default: from the CI's environment)")
    run.add_argument("--job-name", metavar="NAME")
    run.add_argument("--build", dest="build_number", type=int, metavar="N", help="build number")
    run.add_argument("--run-id", metavar="ID", help="the CI's own run id (free-form)")
    run.add_argument("--branch")
    run.add_argument("--commit", metavar="SHA")
    run.add_argument("--pull-request", type=int, metavar="N", help="pull/merge request number")
    run.add_argument("--run-url", metavar="URL", help="link to the CI run")
    run.add_argument("--ci", choices=CI_NAMES, help="the CI system (and whose variables to read)")
    run.add_argument(
        "--label",
        action="append",
        type=_label,
        default=[],
        metavar="KEY=VALUE",
        help="a free label; repeat for more",
    )
    run.add_argument("--no-ci-env", action="store_true", help="read no CI environment variables")

    analysis = parser.add_argument_group("analysis")
    analysis.add_argument("--ai-provider", metavar="NAME", help="default: the server's")
    analysis.add_argument("--ai-model", metavar="MODEL")
    analysis.add_argument("--tests-repo-url", metavar="URL", help="tests repository for context")
    analysis.add_argument(
        "--enable-jira",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="search Jira for PRODUCT BUG groups (default: the server's setting)",
    )
    analysis.add_argument(
        "--force-fresh", action="store_true", default=None, help="no reuse of earlier analyses"
    )

    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print JSON instead of the summary")
    json_out = output.add_argument("--json-out", metavar="FILE", help="also write the JSON here")
    junit = output.add_argument("--junit-out", metavar="FILE", help="write the enriched JUnit XML")
    markdown = output.add_argument("--markdown", metavar="FILE", help="write a Markdown summary")
    for action in (json_out, junit, markdown):
        action.complete = FILE  # type: ignore[attr-defined]
    output.add_argument(
        "--progress", choices=PROGRESS_MODES, help="progress display (default: auto)"
    )
    output.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")

    policy = parser.add_argument_group("policy and transport")
    policy.add_argument(
        "--fail-on",
        action="append",
        metavar="CLASSES",
        help="exit 1 when failures of these classes are found (default: none)",
    )
    policy.add_argument(
        "--timeout",
        type=_positive,
        metavar="SECONDS",
        help="longest wait for the analysis (default 3600; 0: no limit)",
    )
    policy.add_argument("--retries", type=int, metavar="N", help="retries per request (default 5)")
    policy.add_argument(
        "--no-gzip", dest="gzip", action="store_false", default=None, help="upload uncompressed"
    )
    policy.add_argument(
        "--idempotency-key", metavar="KEY", help="default: a new random key per invocation"
    )
    policy.add_argument(
        "--allow-no-files", action="store_true", help="exit 0 when no report file matches"
    )


def add_commands(commands: Any) -> None:
    """Add `analyze` and `completion` to a root parser's subparsers."""
    analyze = commands.add_parser(
        "analyze",
        help=ANALYZE_HELP,
        description=ANALYZE_DESCRIPTION,
        epilog=ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _analyze_arguments(analyze)
    analyze.set_defaults(client_command=run_analyze)
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description=(
            "Print the completion script for SHELL. bash: source <(verdict completion bash); "
            'zsh: verdict completion zsh > "${fpath[1]}/_verdict"'
        ),
    )
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    completion.set_defaults(client_command=run_completion)


def run_completion(args: argparse.Namespace, root: argparse.ArgumentParser) -> int:
    try:
        import shtab
    except ImportError:
        sys.stderr.write("verdict: error: shell completion needs the 'shtab' package\n")
        return USAGE
    sys.stdout.write(shtab.complete(root, shell=args.shell))
    return 0


def _option(args: argparse.Namespace, name: str, options: dict[str, Any], default: Any) -> Any:
    value = getattr(args, name, None)
    if value is not None:
        return value
    return options.get(name, default)


def run_analyze(args: argparse.Namespace, _root: argparse.ArgumentParser) -> int:
    # Imported here, not at the top: `verdict analyze --help` needs none of it.
    from verdict.client import analyze, config, outcome
    from verdict.client.ci import RunIdentity, detect
    from verdict.client.progress import Display
    from verdict.client.transport import Transport

    mode = "none" if args.quiet else args.progress or "auto"
    display = Display(sys.stderr, mode)
    env = dict(os.environ)
    try:
        profile = config.resolve(args.server, args.api_key, env)
        fail_on = outcome.parse_fail_on(args.fail_on or profile.options.get("fail_on"))
    except (config.ConfigError, outcome.PolicyError) as exc:
        display.error(str(exc))
        return USAGE
    options = profile.options
    given = RunIdentity(
        job_name=args.job_name,
        build_number=args.build_number,
        run_id=args.run_id,
        branch=args.branch,
        commit=args.commit,
        pull_request=args.pull_request,
        run_url=args.run_url,
        ci=args.ci,
        labels={
            **{str(k): str(v) for k, v in options.get("labels", {}).items()},
            **dict(args.label),
        },
    )
    found = RunIdentity(ci=args.ci) if args.no_ci_env else detect(env, args.ci)
    request: dict[str, Any] = {
        "ai_provider": _option(args, "ai_provider", options, None),
        "ai_model": _option(args, "ai_model", options, None),
        "tests_repo_url": _option(args, "tests_repo_url", options, None),
        "enable_jira": _option(args, "enable_jira", options, None),
        "force_fresh_analysis": args.force_fresh,
    }
    run_options = analyze.Options(
        paths=args.reports,
        identity=given.over(found),
        request={k: v for k, v in request.items() if v is not None},
        fail_on=fail_on,
        json_out="-" if args.json else args.json_out,
        junit_out=args.junit_out,
        markdown_out=args.markdown,
        quiet=args.quiet,
        gzip=bool(_option(args, "gzip", options, True)),
        timeout=float(_option(args, "timeout", options, 3600.0)),
        allow_no_files=args.allow_no_files,
    )
    if args.idempotency_key:
        run_options.idempotency_key = args.idempotency_key
    if args.json and args.json_out:
        display.error("--json and --json-out: choose one")
        return USAGE
    transport = Transport(
        profile.url,
        profile.api_key,
        verify_tls=not (args.insecure or options.get("no_verify_ssl", False)),
        ca_cert=args.ca_cert or options.get("ca_cert"),
        retries=int(_option(args, "retries", options, 5)),
        on_retry=display.note,
    )
    return analyze.run(run_options, transport, display)
