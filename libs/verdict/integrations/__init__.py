"""Clients for the services Verdict talks to: sans-I/O cores plus thin aiohttp adapters."""
