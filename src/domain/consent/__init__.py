"""Consent domain: the purposes catalog, consent decisions, receipts and one-click unsubscribe tokens.

Pure code (no I/O beyond reading the bundled catalog): storage and HTTP live in adapters and handlers.
"""
