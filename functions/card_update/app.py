"""Update Credit Card and Submit Payment:
POST /v1/billing/setup-intents, GET /v1/billing/card, PUT /v1/billing/card."""

from shared.accounts import card_view
from shared.api import create_app, http_handler
from shared.auth import require_agent
from shared.cards import (
    CardEnvelope,
    CardUpdateRequest,
    CardUpdateResult,
    SetupIntentView,
    create_setup_intent,
    record_invoice,
    update_card_once,
)
from shared.runtime import bootstrap
from shared.stripe_gateway import gateway_for

app = create_app()


@app.post("/v1/billing/setup-intents", status_code=201)
def start_card_setup() -> SetupIntentView:
    account = require_agent(app.current_event)
    settings = bootstrap()
    return create_setup_intent(account, gateway_for(settings), settings.stripe_publishable_key)


@app.get("/v1/billing/card")
def get_card() -> CardEnvelope:
    return CardEnvelope(card=card_view(require_agent(app.current_event)))


@app.put("/v1/billing/card")
def put_card(request: CardUpdateRequest) -> CardUpdateResult:
    account = require_agent(app.current_event)
    settings = bootstrap()
    return update_card_once(
        settings,
        account,
        request,
        gateway_for(settings),
        on_invoice_changed=record_invoice,
        lambda_context=app.lambda_context,
    )


lambda_handler = http_handler(app)
