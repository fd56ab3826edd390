"""Fault injection: the flows under throttling, 5xx answers and timeouts, and the guarantees that must hold."""
