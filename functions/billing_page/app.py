"""The Account and Billing page: GET / and GET /assets/{asset}, served by this function so the
page deploys with the stack and calls the API on the same origin."""

from html import escape
from pathlib import Path

from shared.http.app import create_app, http_handler
from shared.http.pages import asset_response, base_path, page_response, static_text
from shared.http.resolver import Response
from shared.runtime import cached_settings

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "styles.css": "text/css; charset=utf-8"}

app = create_app()


def _content_security_policy(stripe_js_url: str) -> str:
    """Our origin, and Stripe.js's origin for its script, its calls and its frames."""
    stripe_origin = "/".join(stripe_js_url.split("/")[:3])
    return (
        f"default-src 'self'; script-src 'self' {stripe_origin}; "
        f"connect-src 'self' {stripe_origin}; frame-src {stripe_origin}; "
        "img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    )


@app.get("/", include_in_schema=False)
def page() -> Response[str]:
    settings = cached_settings()
    html = static_text(STATIC / "index.html").replace("{{STRIPE_JS_URL}}", settings.stripe_js_url)
    html = html.replace("{{ASSET_BASE}}", base_path(app.current_event.request_context.stage))
    # Public by design (it only identifies the Stripe account): Stripe.js needs it to complete
    # an invoice payment's 3-D Secure, where no SetupIntent hands it over.
    html = html.replace("{{STRIPE_PUBLISHABLE_KEY}}", escape(settings.stripe_publishable_key))
    return page_response(html, _content_security_policy(settings.stripe_js_url))


@app.get("/assets/<asset>", include_in_schema=False)
def asset(asset: str) -> Response[str]:
    return asset_response(STATIC, ASSETS, asset)


lambda_handler = http_handler(app)
