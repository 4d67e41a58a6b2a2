"""The service kit: what every Wallet Reports service is built from.

settings (fail-fast config), log (JSON logs with correlation ids), db (async
SQLAlchemy), migrations (Alembic per service), messaging (outbox, relay, inbox,
streams, consumers), http (health, metrics, auth, errors), service (the app factory
and the command line every service shares).
"""
