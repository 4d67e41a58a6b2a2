"""Use cases: each takes a unit of work (a port), applies one domain transition, saves
it and emits its events. No HTTP, no NATS, no SQL here."""
