"""Money is formatted only at the edge, with the right number of decimals per currency."""

from __future__ import annotations

import pytest

from shared.billing.money import format_money, minor_unit_digits


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (29900, "usd", "$299.00"),
        (29900, "USD", "$299.00"),
        (29900, "jpy", "¥29,900"),
        (0, "jpy", "¥0"),
        (5, "usd", "$0.05"),
        (0, "usd", "$0.00"),
        (123456789, "usd", "$1,234,567.89"),
        (-2500, "usd", "-$25.00"),
        (1999, "eur", "€19.99"),
        (1999, "gbp", "£19.99"),
        (50000, "krw", "₩50,000"),
        (12345, "kwd", "KWD 12.345"),
        (1999, "chf", "CHF 19.99"),
        (1999, "cad", "CA$19.99"),
    ],
)
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_zero_decimal_currencies_follow_stripe():
    assert minor_unit_digits("jpy") == 0
    assert minor_unit_digits("krw") == 0
    assert minor_unit_digits("usd") == 2
    assert minor_unit_digits("bhd") == 3
