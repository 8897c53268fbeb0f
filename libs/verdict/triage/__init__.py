"""Triage: normalize and sign failures, group them, classify each group once."""
