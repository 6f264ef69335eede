"""The stored webhook records the API renders (it never reaches storage itself)."""

from service.storage.documents import Webhook, WebhookDelivery

__all__ = ["Webhook", "WebhookDelivery"]
