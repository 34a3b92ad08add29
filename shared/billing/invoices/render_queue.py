"""The render queue's messages, sent here and read by the invoice renderer function:

- `{"account_id", "invoice_id"}`: one invoice whose PDF is missing or stale (an invoice changed);
- `{"account_id", "invoice_ids"}`: up to RENDER_GROUP_SIZE invoices of one account (a Stripe
  import's page). An import queues hundreds of PDFs; one message per invoice cost it a
  SendMessageBatch per ten invoices, the largest part of its own time after the writes
  (`make bench`). The renderer renders every invoice of a group and fails the message if any
  failed; rendering is idempotent (a current PDF is not rendered again), so the retry redoes
  only those."""

from __future__ import annotations

from collections.abc import Sequence

from shared.config import Settings
from shared.data.queues import send_message, send_messages
from shared.observability import logger

# The renderer takes ten messages a batch within 60 s: 100 PDFs at about 0.1 s each.
RENDER_GROUP_SIZE = 10


def queue_render(settings: Settings, account_id: str, invoice_id: str) -> bool:
    if not settings.render_queue_url:
        logger.warning("no render queue configured; PDF not queued")
        return False
    send_message(
        settings, settings.render_queue_url, {"account_id": account_id, "invoice_id": invoice_id}
    )
    return True


def queue_render_groups(settings: Settings, account_id: str, invoice_ids: Sequence[str]) -> int:
    """Queues the invoices' PDFs, RENDER_GROUP_SIZE to a message; how many invoices it queued."""
    if not invoice_ids or not settings.render_queue_url:
        return 0
    groups = [
        {
            "account_id": account_id,
            "invoice_ids": list(invoice_ids[start : start + RENDER_GROUP_SIZE]),
        }
        for start in range(0, len(invoice_ids), RENDER_GROUP_SIZE)
    ]
    send_messages(settings, settings.render_queue_url, groups)
    return len(invoice_ids)
