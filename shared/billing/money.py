"""Money for display. Amounts are integer minor units everywhere; only the edge (the PDF, the page)
turns them into text, and it must know how many decimals each currency has (Stripe's list)."""

from __future__ import annotations

# Stripe's zero-decimal currencies: 29900 JPY is ¥29,900, not ¥299.00.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

CURRENCY_SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "jpy": "¥",
    "krw": "₩",
    "inr": "₹",
    "cny": "CN¥",
    "cad": "CA$",
    "aud": "A$",
    "nzd": "NZ$",
    "mxn": "MX$",
    "brl": "R$",
}


def minor_unit_digits(currency: str) -> int:
    code = currency.lower()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def format_money(amount: int, currency: str) -> str:
    """`format_money(29900, "usd")` is "$299.00"; `format_money(29900, "jpy")` is "¥29,900"."""
    code = currency.lower()
    digits = minor_unit_digits(code)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(int(amount)), 10**digits)
    number = f"{major:,}" + (f".{minor:0{digits}d}" if digits else "")
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is None:
        return f"{sign}{code.upper()} {number}"
    return f"{sign}{symbol}{number}"
