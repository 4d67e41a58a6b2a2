"""Wallet Reports event contracts: one module per producing service."""

from .base import Event, stream_name, stream_subjects, wire_subject
from .catalog import EVENTS, PRODUCERS, InvalidEvent, event_class, parse_event

__all__ = [
    "EVENTS",
    "PRODUCERS",
    "Event",
    "InvalidEvent",
    "event_class",
    "parse_event",
    "stream_name",
    "stream_subjects",
    "wire_subject",
]
