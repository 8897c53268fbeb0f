"""Outbound webhooks: emit events (outbound.py), sign (signing.py), deliver (delivery.py)."""
