"""The Account and Billing page: GET / and GET /assets/{asset}, served by this function so the
page deploys with the stack and calls the API on the same origin."""

from functools import cache
from html import escape
from pathlib import Path

from aws_lambda_powertools.event_handler import Response

from shared.http.app import create_app, error_response, http_handler
from shared.runtime import cached_settings

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "styles.css": "text/css; charset=utf-8"}

app = create_app()


@cache
def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _security_headers(stripe_js_url: str) -> dict[str, str]:
    stripe_origin = "/".join(stripe_js_url.split("/")[:3])
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' {stripe_origin}; "
            f"connect-src 'self' {stripe_origin}; frame-src {stripe_origin}; "
            "img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
        ),
    }


@app.get("/", include_in_schema=False)
def page() -> Response[str]:
    settings = cached_settings()
    stage = app.current_event.request_context.stage
    base = "/" if stage in ("$default", "", None) else f"/{stage}/"
    html = _asset("index.html").replace("{{STRIPE_JS_URL}}", settings.stripe_js_url)
    html = html.replace("{{ASSET_BASE}}", base)
    # Public by design (it only identifies the Stripe account): Stripe.js needs it to complete
    # an invoice payment's 3-D Secure, where no SetupIntent hands it over.
    html = html.replace("{{STRIPE_PUBLISHABLE_KEY}}", escape(settings.stripe_publishable_key))
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=html,
        headers=_security_headers(settings.stripe_js_url),
    )


@app.get("/assets/<asset>", include_in_schema=False)
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
