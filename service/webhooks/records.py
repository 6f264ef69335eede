"""The stored webhook records the API renders (it never reaches storage itself)."""

from service.storage.embedding_documents import Webhook, WebhookDelivery

__all__ = ["Webhook", "WebhookDelivery"]
