"""Use cases: each takes a UnitOfWork, loads what it needs (locked when it changes it),
calls the domain, saves, and records the events in the outbox. No HTTP, no broker."""
