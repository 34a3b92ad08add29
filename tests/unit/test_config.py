"""The one settings object: read from the environment, typed, and never printing a secret."""

import pytest

from shared.config import Settings


def test_each_setting_comes_from_its_upper_case_variable_and_numbers_are_parsed():
    settings = Settings.from_environment(
        {
            "ACCOUNTS_TABLE": "Accounts-prod",
            "STRIPE_MAX_NETWORK_RETRIES": "5",
            "STRIPE_TIMEOUT_SECONDS": "2.5",
            "PRESIGNED_URL_TTL_SECONDS": "60",
            "PATH": "/usr/bin",  # everything else in the environment is ignored
        }
    )

    assert settings.accounts_table == "Accounts-prod"
    assert settings.stripe_max_network_retries == 5
    assert settings.stripe_timeout_seconds == 2.5
    assert settings.presigned_url_ttl_seconds == 60
    assert settings.invoices_table == "Invoices"  # unset: the default


def test_a_malformed_number_names_its_variable():
    with pytest.raises(ValueError, match="STRIPE_MAX_NETWORK_RETRIES must be a number"):
        Settings.from_environment({"STRIPE_MAX_NETWORK_RETRIES": "many"})


def test_secrets_never_appear_in_the_settings_text():
    settings = Settings.from_environment(
        {
            "STRIPE_SECRET_KEY": "sk_test_do_not_print",
            "STRIPE_WEBHOOK_SECRETS": "whsec_do_not_print",
            "CURSOR_SECRET": "cursor-do-not-print",
        }
    )

    text = f"{settings!r} {settings}"
    assert "do_not_print" not in text
    assert "do-not-print" not in text
    assert settings.stripe_api_key() == "sk_test_do_not_print"
    assert settings.webhook_signing_secrets() == ["whsec_do_not_print"]


def test_settings_are_frozen():
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.accounts_table = "other"  # type: ignore[misc]
