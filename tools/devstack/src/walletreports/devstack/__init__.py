"""`make dev`: NATS, PostgreSQL and all five services on one machine, one command."""
