"""Check-in and check-out: idempotency by event_id, occurred_at ordering, moves."""
