"""Entrypoints: events consumed (events.py) and the HTTP API (http/)."""
