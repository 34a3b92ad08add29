"""The body gate: what every API request passes before anything parses it for real.

In order, each failure a 400 that changes nothing (API.md, "Hostile input"):
1. size: at most MAX_BODY_BYTES;
2. shape, checked on the text before any recursive parser sees it: at most MAX_DEPTH nested
   arrays/objects, no number with more than MAX_NUMBER_DIGITS digits or an exponent of more
   than MAX_EXPONENT_DIGITS digits (Python's json would build a 5,000-digit int, then refuse it
   with a ValueError deep inside validation; `1e999999` would become infinity);
3. JSON decoding, strict (no NaN/Infinity, no duplicate-key tricks matter: last wins);
4. raw card data: by key in any common spelling on every route, and by value (13-19 digits
   that pass the Luhn check) where `card_values` is asked for (billing routes). Nothing of such
   a body is ever logged.
Path ids are bounded too: no route's id is longer than MAX_ID_LENGTH."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from shared.errors import InvalidRequest, RawCardDataRejected

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_NUMBER_DIGITS = 18
MAX_EXPONENT_DIGITS = 3
MAX_ID_LENGTH = 255

# Keys, lower-cased with every non-alphanumeric removed ("cardNumber", "card[number]",
# "card-number" and "CARD_NUMBER" all read "cardnumber"), that only raw card data carries.
RAW_CARD_KEYS = frozenset(
    {
        "number",
        "cardnumber",
        "cardno",
        "ccnumber",
        "creditcardnumber",
        "pan",
        "primaryaccountnumber",
        "cvc",
        "cvc2",
        "cvv",
        "cvv2",
        "cid",
        "csc",
        "cardcvc",
        "cardcvv",
        "securitycode",
        "cardsecuritycode",
        "expmonth",
        "expyear",
        "expirymonth",
        "expiryyear",
        "expirationmonth",
        "expirationyear",
        "expiry",
        "expirydate",
        "expirationdate",
        "cardexpiry",
        "cardexpmonth",
        "cardexpyear",
    }
)
CARD_REFUSED = "Card details must be entered in the secure card field, never sent to this API."
NOT_JSON = "The body is not valid JSON."

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TOKEN = re.compile(r'[\[\]{}"]')
_LONG_NUMBER = re.compile(rf"[0-9]{{{MAX_NUMBER_DIGITS + 1},}}")
_LONG_EXPONENT = re.compile(rf"[eE][+-]?[0-9]{{{MAX_EXPONENT_DIGITS + 1},}}")
_KEY_NOISE = re.compile(r"[^a-z0-9]")
_CARD_LIKE = re.compile(r"[0-9][0-9 -]{11,40}[0-9]")


def check_path_ids(path_parameters: Mapping[str, str] | None) -> None:
    for name, value in (path_parameters or {}).items():
        if len(value) > MAX_ID_LENGTH:
            raise InvalidRequest(
                f"The {name} is too long.",
                fields=[{"field": name, "message": f"at most {MAX_ID_LENGTH} characters"}],
            )


def check_body(body: str | None, *, card_values: bool) -> Any:
    """The decoded body (None when there is none) once it passed the gate."""
    if body is None or body == "":
        return None
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise InvalidRequest(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    _check_shape(body)
    try:
        decoded = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise InvalidRequest(NOT_JSON) from None
    if carries_raw_card_data(decoded, card_values=card_values):
        raise RawCardDataRejected(CARD_REFUSED)
    return decoded


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_shape(body: str) -> None:
    """Depth and number sizes, read left to right once: linear, never recursive. A string
    that never ends is not JSON, and stops the scan at once (so no input makes it quadratic)."""
    depth, scanned, outside_strings = 0, 0, []
    string_end = 0
    while (token := _TOKEN.search(body, scanned)) is not None:
        start = token.start()
        if token.group() == '"':
            string = _STRING.match(body, start)
            if string is None:
                raise InvalidRequest(NOT_JSON)
            outside_strings.append(body[string_end:start])
            string_end = scanned = string.end()
            continue
        depth += 1 if token.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise InvalidRequest(f"The body is nested more than {MAX_DEPTH} levels deep.")
        scanned = start + 1
    outside_strings.append(body[string_end:])
    numbers = " ".join(outside_strings)
    if _LONG_NUMBER.search(numbers) or _LONG_EXPONENT.search(numbers):
        raise InvalidRequest(f"Numbers in the body have at most {MAX_NUMBER_DIGITS} digits.")


def carries_raw_card_data(value: Any, *, card_values: bool) -> bool:
    return any(
        _KEY_NOISE.sub("", key.lower()) in RAW_CARD_KEYS
        or (card_values and item is not None and looks_like_card_number(item))
        for key, item in _entries(value)
    )


def _entries(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, scalar or container) pair at any depth; list items carry their list's key.
    The gate bounded the depth, so this recursion is bounded too."""
    if isinstance(value, dict):
        for item_key, item in value.items():
            yield str(item_key), item
            yield from _entries(item, str(item_key))
    elif isinstance(value, list):
        for item in value:
            yield key, item
            yield from _entries(item, key)


def looks_like_card_number(value: Any) -> bool:
    """A 13-19 digit number (spaces or dashes between digits allowed) passing the Luhn check,
    alone or inside a string."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    text = str(value)
    return any(_is_card_number(match.group()) for match in _CARD_LIKE.finditer(text))


def _is_card_number(candidate: str) -> bool:
    digits = [int(char) for char in candidate if char.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
