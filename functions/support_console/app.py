"""The support console: GET /support and GET /support/assets/{asset}, on the API's origin.

A page of its own, not the billing page's nor the support API's function: it is static (the
browser calls the support routes with the signed-in token), so its function needs no data
access at all (no policy beyond its logs), loads no Stripe SDK, and answers a cold start at the
floor; its Content-Security-Policy allows our own origin only (no Stripe.js, no frames)."""

from pathlib import Path

from shared.http.app import create_app, http_handler
from shared.http.pages import asset_response, base_path, page_response, static_text
from shared.http.resolver import Response

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("console.js", "common.js", "tickets.js", "accounts.js", "pool.js", "operations.js")
ASSETS = {
    **dict.fromkeys(SCRIPTS, "text/javascript; charset=utf-8"),
    "console.css": "text/css; charset=utf-8",
}
# Scripts and styles from this origin only (no inline code), API calls to this origin, and never
# framed: every action of the console is a support decision.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

app = create_app()


@app.get("/support", include_in_schema=False)
def page() -> Response[str]:
    base = base_path(app.current_event.request_context.stage)
    html = static_text(STATIC / "index.html").replace("{{BASE}}", base)
    return page_response(html, CONTENT_SECURITY_POLICY)


@app.get("/support/assets/<asset>", include_in_schema=False)
def asset(asset: str) -> Response[str]:
    return asset_response(STATIC, ASSETS, asset)


lambda_handler = http_handler(app)
