"""The `verdict analyze` pipeline client: uploads JUnit reports and reports the verdict.

It talks to a Verdict server over HTTP only and imports nothing of the server (no
aiohttp, asyncpg, arq or pydantic): a CI step pays for the interpreter and the
standard library, nothing else. Modules:

ci          the run's identity, from flags and the CI system's environment variables
config      server, key and defaults from flags, environment and a TOML profile file
reports     finding report files and streaming them as text, several merged into one
body        the request body, streamed: JSON with `raw_xml` escaped chunk by chunk, or raw XML
transport   HTTP (standard library) with retries, backoff and `Retry-After`
sse         a sans-I/O Server-Sent Events parser
progress    the live progress display (one redrawn line on a terminal, plain lines otherwise)
summary     grouping a result and rendering it as text, Markdown or JSON
outcome     the `--fail-on` policy and the exit codes
analyze     the whole run: submit, follow, fetch, write the outputs
cli         the argparse command line (`verdict analyze`, `verdict completion`)
"""
