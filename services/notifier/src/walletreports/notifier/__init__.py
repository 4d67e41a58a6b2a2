"""Notifier: contacts and the emails the product sends."""
