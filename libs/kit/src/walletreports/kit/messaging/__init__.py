"""Events in and out: outbox + relay on the way out, inbox + consumers on the way in."""
