"""The support console: GET /support and GET /support/assets/{asset}, on the API's origin.

A page of its own, not the billing page's nor the support API's function: it is static (the
browser calls the support routes with the signed-in token), so its function needs no data
access at all (no policy beyond its logs), loads no Stripe SDK, and answers a cold start at the
floor; its Content-Security-Policy allows our own origin only (no Stripe.js, no frames)."""

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response

from shared.http.app import create_app, error_response, http_handler

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("console.js", "common.js", "tickets.js", "accounts.js", "pool.js", "operations.js")
ASSETS = {
    **dict.fromkeys(SCRIPTS, "text/javascript; charset=utf-8"),
    "console.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Scripts and styles from this origin only (no inline code), API calls to this origin,
    # and never framed: every action of the console is a support decision.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}

app = create_app()


@cache
def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@app.get("/support", include_in_schema=False)
def page() -> Response[str]:
    stage = app.current_event.request_context.stage
    base = "/" if stage in ("$default", "", None) else f"/{stage}/"
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=_asset("index.html").replace("{{BASE}}", base),
        headers=SECURITY_HEADERS,
    )


@app.get("/support/assets/<asset>", include_in_schema=False)
def asset(asset: str) -> Response[str]:
    if asset not in ASSETS:
        return error_response(404, "not_found", "No such asset.")
    return Response(
        status_code=200,
        content_type=ASSETS[asset],
        body=_asset(asset),
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


lambda_handler = http_handler(app)
