"""Real parts for tests: a NATS server, PostgreSQL databases, a cuttable TCP proxy, and
services served on real ports. Loaded by the root conftest as a pytest plugin."""
