"""Execution states, spelled exactly as Dune's API spells them."""

from __future__ import annotations

PENDING = "QUERY_STATE_PENDING"
EXECUTING = "QUERY_STATE_EXECUTING"
COMPLETED = "QUERY_STATE_COMPLETED"
COMPLETED_PARTIAL = "QUERY_STATE_COMPLETED_PARTIAL"
FAILED = "QUERY_STATE_FAILED"
CANCELLED = "QUERY_STATE_CANCELLED"
# Dune's execution-status page documents this spelling while its API and dune-client use
# CANCELLED; a scripted fault can emit it so clients are tested against both.
CANCELED = "QUERY_STATE_CANCELED"
EXPIRED = "QUERY_STATE_EXPIRED"

CANCELLED_SPELLINGS = frozenset({CANCELLED, CANCELED})
WITH_RESULTS = frozenset({COMPLETED, COMPLETED_PARTIAL})
TERMINAL = frozenset({COMPLETED, COMPLETED_PARTIAL, FAILED, CANCELLED, CANCELED, EXPIRED})
