"""One typed settings object, read from the environment once per container.

In AWS the template sets every variable; secrets arrive as SSM parameter *names* and are fetched
(decrypted, cached) with Powertools parameters. Locally the same variables are set by the local
stack, with secrets given directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

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
    idempotency_table: str = "Idempotency"
    invoice_bucket: str = "invoices"
    render_queue_url: str = ""
    reassignment_queue_url: str = ""
    stripe_events_queue_url: str = ""

    # Stripe. Locally: the key itself and localstripe's address. In AWS: SSM parameter names.
    stripe_api_base: str | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_secret_key_parameter: str | None = None
    stripe_publishable_key: str = ""
    # Where the page loads Stripe.js from (localstripe's fake one locally).
    stripe_js_url: str = "https://js.stripe.com/v3/"
    stripe_webhook_secrets: SecretStr | None = None
    stripe_webhook_secrets_parameter: str | None = None
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 10.0
    # Key that signs pagination cursors so we only accept the ones we issued.
    cursor_secret: SecretStr | None = None
    cursor_secret_parameter: str | None = None

    seller_name: str = "Predictive Leads Inc."
    seller_address: str = "100 Congress Ave, Austin, TX 78701, USA"
    presigned_url_ttl_seconds: int = Field(default=300, ge=1, le=300)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if environ is None else environ
        return cls.model_validate({key.lower(): value for key, value in source.items()})

    def stripe_api_key(self) -> str:
        return _resolve_secret(self.stripe_secret_key, self.stripe_secret_key_parameter)

    def webhook_signing_secrets(self) -> list[str]:
        raw = _resolve_secret(self.stripe_webhook_secrets, self.stripe_webhook_secrets_parameter)
        return [secret.strip() for secret in raw.split(",") if secret.strip()]

    def cursor_signing_key(self) -> bytes:
        return _resolve_secret(self.cursor_secret, self.cursor_secret_parameter).encode()


def _resolve_secret(direct: SecretStr | None, parameter_name: str | None) -> str:
    if direct is not None and direct.get_secret_value():
        return direct.get_secret_value()
    if parameter_name:
        # Imported here: only functions that need a secret pay for the parameters module.
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_parameter(parameter_name, decrypt=True, max_age=300)
        return str(value)
    raise RuntimeError("a required secret is not configured")


@cache
def get_settings() -> Settings:
    return Settings.from_environment()
