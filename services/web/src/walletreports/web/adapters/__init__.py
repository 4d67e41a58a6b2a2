"""Edges of the service: its tables and the clients of what lies outside it."""
