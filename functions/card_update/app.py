"""Update Credit Card, Submit Payment and Pay now:
POST /v1/billing/setup-intents, GET /v1/billing/card, PUT /v1/billing/card,
POST /v1/billing/invoices/{invoice_id}/pay.

Reading the card never loads pydantic nor Powertools idempotency: the card machinery
(shared.billing.cards) loads lazily, when a setup intent or a card update is first asked for.
Paying one invoice loads only shared.billing.payments (no pydantic either: no body, TypedDict
answers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.accounts.views import CardEnvelope, card_view
from shared.http.app import create_app, http_handler, lazy_module
from shared.http.auth import require_agent
from shared.runtime import cached_settings
from shared.stripe.gateway import gateway_for

if TYPE_CHECKING:
    from shared.billing import cards, payments
else:
    cards = lazy_module("shared.billing.cards")
    payments = lazy_module("shared.billing.payments")

app = create_app()


# Validated for its answer (a pydantic model), though it takes no body.
@app.post("/v1/billing/setup-intents", status_code=201, enable_validation=True)
def start_card_setup() -> cards.SetupIntentView:
    account = require_agent(app.current_event)
    settings = cached_settings()
    return cards.create_setup_intent(
        account, gateway_for(settings), settings.stripe_publishable_key
    )


@app.get("/v1/billing/card")
def get_card() -> CardEnvelope:
    return CardEnvelope(card=card_view(require_agent(app.current_event)))


@app.put("/v1/billing/card", enable_validation=True)
def put_card(request: cards.CardUpdateRequest) -> cards.CardUpdateResult:
    account = require_agent(app.current_event)
    settings = cached_settings()
    gateway = gateway_for(settings)
    return cards.update_card_once(
        settings,
        account,
        request,
        gateway,
        on_invoice_changed=payments.invoice_recorder(settings, gateway),
        lambda_context=app.lambda_context,
    )


# Allowed for cancelled accounts: they keep paying what they owe.
@app.post("/v1/billing/invoices/<invoice_id>/pay")
def pay_invoice(invoice_id: str) -> payments.InvoicePayment:
    event = app.current_event
    account = require_agent(event, allow_cancelled=True)
    payments.refuse_any_body(event.decoded_body)
    settings = cached_settings()
    return payments.pay_invoice(
        settings,
        account,
        invoice_id,
        gateway_for(settings),
        client_key=event.headers.get("idempotency-key"),
    )


lambda_handler = http_handler(app)
