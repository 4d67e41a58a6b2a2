"""Orders: catalog, pricing, subscriptions and the order state machine."""
