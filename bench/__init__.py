"""Benchmarks: one command each (``python -m bench.<name>``); ``python -m bench`` runs them all quickly."""
