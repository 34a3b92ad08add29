"""GET /v1/health and GET /v1/account. No body, no query: answered without loading pydantic."""

from shared.accounts.views import AccountView, account_view
from shared.http.app import create_app, http_handler
from shared.http.auth import require_agent

app = create_app()


@app.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/account")
def get_account() -> AccountView:
    account = require_agent(app.current_event)
    return account_view(account)


lambda_handler = http_handler(app)
