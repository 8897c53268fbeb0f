"""The service layer: the operations a user can perform, one module per domain.

REST routes, web pages, workers, the CLI and MCP call these (never each other, never
SQL). Every operation takes the process's `Deps` (verdict.services.deps) first. Not to be
confused with the top-level `services` package, which holds the processes (gateway,
workers) that call this layer.
"""
