"""POST /v1/webhooks/stripe: verifies Stripe's signed event and queues it, nothing more.

No JWT: the Stripe signature over the raw body is the authentication. The event is applied to
the read model by its own consumer (functions/stripe_events), so Stripe gets its answer at
once; a 503 (the queue did not take the event) makes Stripe deliver it again."""

from shared.http.app import create_app, http_handler
from shared.runtime import cached_settings
from shared.webhooks.intake import accept_webhook

app = create_app()


@app.post("/v1/webhooks/stripe")
def stripe_webhook() -> dict[str, bool]:
    accept_webhook(app.current_event.raw_event, cached_settings())
    return {"received": True}


lambda_handler = http_handler(app, gate_body=False)
