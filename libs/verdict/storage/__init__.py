"""Postgres access. All SQL in Verdict lives in this package."""
