"""Pydantic models for the REST contract (seed 003) and job payloads."""
