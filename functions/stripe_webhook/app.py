"""POST /v1/webhooks/stripe: Stripe's signed events keep the billing read model current.

No JWT: the Stripe signature over the raw body is the authentication (shared.webhooks)."""

from functools import cache

from shared.api import create_app, http_handler
from shared.runtime import bootstrap
from shared.webhooks import WebhookContext, receive_webhook

app = create_app()


@cache
def webhook_context() -> WebhookContext:
    return WebhookContext(bootstrap())


@app.post("/v1/webhooks/stripe")
def stripe_webhook() -> dict[str, bool]:
    receive_webhook(app.current_event.raw_event, webhook_context())
    return {"received": True}


lambda_handler = http_handler(app, refuse_raw_card_data=False)
