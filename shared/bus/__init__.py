"""The event bus: topology, the outbox relay, the idempotent consumer and dead letters."""
