"""What keeping in step with Stripe reads: a customer's whole history (every invoice, page by
page, its subscriptions) and Stripe's Events API (the last 30 days of events). Lists are read
100 to a page, Stripe's maximum, so 1,000 invoices cost ten list calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import stripe

from shared.stripe.gateway import StripeGateway, stripe_errors
from shared.stripe.reads import StripeMapping, as_mapping

PAGE_SIZE = 100


class StripeHistory:
    def __init__(self, gateway: StripeGateway) -> None:
        self.client: stripe.StripeClient = gateway.client
        self.list_calls = 0  # counted for the bench and the logs: one per page

    def invoice_pages(self, customer_id: str) -> Iterator[list[StripeMapping]]:
        """Every invoice of the customer (all statuses), newest first, a page at a time."""
        yield from self._pages(self.client.v1.invoices.list, {"customer": customer_id})

    def subscriptions(self, customer_id: str) -> list[StripeMapping]:
        """All of the customer's subscriptions, ended ones too (status "all")."""
        params = {"customer": customer_id, "status": "all"}
        return [
            item for page in self._pages(self.client.v1.subscriptions.list, params) for item in page
        ]

    def events_since(self, created_from: int) -> Iterator[list[StripeMapping]]:
        """Events created at or after `created_from` (epoch seconds), newest first, by page."""
        yield from self._pages(self.client.v1.events.list, {"created": {"gte": created_from}})

    def _pages(self, list_method: Any, params: dict[str, Any]) -> Iterator[list[StripeMapping]]:
        starting_after: str | None = None
        while True:
            page_params = {**params, "limit": PAGE_SIZE}
            if starting_after:
                page_params["starting_after"] = starting_after
            with stripe_errors():
                page = list_method(params=page_params)
            self.list_calls += 1
            items = [as_mapping(item) for item in page.data]
            if items:
                yield items
            if not page.has_more or not items:
                return
            starting_after = str(items[-1]["id"])
