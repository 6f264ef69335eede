"""Webhooks: signed notifications of changes, delivered from a MongoDB outbox by any pod."""
