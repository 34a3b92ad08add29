"""One typed settings object, read from the environment once per container.

In AWS the template sets every variable; secrets arrive as SSM parameter *names* and are fetched
(decrypted, cached) with Powertools parameters. Locally the same variables are set by the local
stack, with secrets given directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import get_type_hints

MAX_PRESIGNED_URL_TTL_SECONDS = 300  # API.md: a download link lives at most five minutes
NUMBER_PARSERS: dict[object, type[int] | type[float]] = {int: int, float: float}


# A frozen dataclass, not a pydantic model: every function reads it on its request path, and
# pydantic's import alone costs a read-only function about a third of its cold-start floor.
# Secrets are `repr=False` so neither a log line nor a traceback can print them. No generated
# __eq__/__hash__/__repr__ (eq=False, repr=False): creating them for forty fields cost every
# function about 0.005 G instructions of cold start (make bench), and nothing compares settings
# by value (a container has one, `cached_settings()`); the repr below is written by hand.
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Settings:
    """Every setting of a function; `from_environment` reads them (see the module docstring)."""

    environment: str = "local"
    aws_region: str = "us-east-1"
    # Set locally to the moto server; unset in AWS.
    aws_endpoint_url: str | None = None

    accounts_table: str = "Accounts"
    territory_agents_table: str = "TerritoryAgents"
    invoices_table: str = "Invoices"
    tickets_table: str = "Tickets"
    leads_table: str = "Leads"
    webhook_events_table: str = "WebhookEvents"
    stripe_customers_table: str = "StripeCustomers"
    sync_state_table: str = "SyncState"
    idempotency_table: str = "Idempotency"
    invoice_bucket: str = "invoices"
    render_queue_url: str = ""
    reassignment_queue_url: str = ""
    stripe_events_queue_url: str = ""
    stripe_import_queue_url: str = ""
    # Each queue's dead letters, which the operations view counts and redrives.
    render_dead_letter_queue_url: str = ""
    reassignment_dead_letter_queue_url: str = ""
    stripe_events_dead_letter_queue_url: str = ""
    stripe_import_dead_letter_queue_url: str = ""
    # How often the Stripe catch-up runs (the template's schedule; locally CATCHUP_INTERVAL_S).
    catch_up_rate_minutes: float = 5.0
    # The renderer function, which the download invokes for a missing or stale PDF; and, locally,
    # where Lambda's Invoke API answers (the local stack's own SigV4-checked port, not the API's;
    # boto3's own variable name).
    renderer_function_name: str = ""
    aws_endpoint_url_lambda: str | None = None

    # Stripe. Locally: the key itself and localstripe's address. In AWS: SSM parameter names.
    stripe_api_base: str | None = None
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_secret_key_parameter: str | None = None
    stripe_publishable_key: str = ""
    # Where the page loads Stripe.js from (localstripe's fake one locally).
    stripe_js_url: str = "https://js.stripe.com/v3/"
    stripe_webhook_secrets: str | None = field(default=None, repr=False)
    stripe_webhook_secrets_parameter: str | None = None
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 10.0
    # Key that signs pagination cursors so we only accept the ones we issued.
    cursor_secret: str | None = field(default=None, repr=False)
    cursor_secret_parameter: str | None = None

    seller_name: str = "Predictive Leads Inc."
    seller_address: str = "100 Congress Ave, Austin, TX 78701, USA"
    presigned_url_ttl_seconds: int = MAX_PRESIGNED_URL_TTL_SECONDS

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{setting.name}={getattr(self, setting.name)!r}"
            for setting in fields(self)
            if setting.repr
        )
        return f"Settings({shown})"

    def __post_init__(self) -> None:
        if not 1 <= self.presigned_url_ttl_seconds <= MAX_PRESIGNED_URL_TTL_SECONDS:
            raise ValueError(
                f"presigned_url_ttl_seconds must be 1..{MAX_PRESIGNED_URL_TTL_SECONDS}, "
                f"not {self.presigned_url_ttl_seconds}"
            )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Each field from the variable of the same name in upper case; others are ignored."""
        source = os.environ if environ is None else environ
        types = get_type_hints(cls)
        values: dict[str, object] = {}
        for setting in fields(cls):
            raw = source.get(setting.name.upper())
            if raw is None:
                continue
            parse = NUMBER_PARSERS.get(types[setting.name])
            try:
                values[setting.name] = raw if parse is None else parse(raw)
            except ValueError:
                raise ValueError(f"{setting.name.upper()} must be a number, not {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]  # each value was parsed for its field

    def stripe_api_key(self) -> str:
        return _resolve_secret(self.stripe_secret_key, self.stripe_secret_key_parameter)

    def webhook_signing_secrets(self) -> list[str]:
        raw = _resolve_secret(self.stripe_webhook_secrets, self.stripe_webhook_secrets_parameter)
        return [secret.strip() for secret in raw.split(",") if secret.strip()]

    def cursor_signing_key(self) -> bytes:
        return _resolve_secret(self.cursor_secret, self.cursor_secret_parameter).encode()


def _resolve_secret(direct: str | None, parameter_name: str | None) -> str:
    if direct:
        return direct
    if parameter_name:
        # Imported here: only functions that need a secret pay for the parameters module.
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_parameter(parameter_name, decrypt=True, max_age=300)
        return str(value)
    raise RuntimeError("a required secret is not configured")


@cache
def get_settings() -> Settings:
    return Settings.from_environment()
