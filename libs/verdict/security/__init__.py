"""Secrets at rest and in flight: key hashing, token encryption, rate-limit windows."""
