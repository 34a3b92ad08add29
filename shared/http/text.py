"""What free text may hold (API.md, "Hostile input"): no C0/C1 control characters (a
multi-line field keeps newline and tab) and no bidirectional overrides or isolates
(U+202A-U+202E, U+2066-U+2069), which would make what support staff read differ from what
was stored. Plain patterns, valid for pydantic (Rust regex) and Python's re alike, so a module
can declare a field without importing anything."""

_BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"

SINGLE_LINE_TEXT = rf"^[^\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}]*$"
MULTI_LINE_TEXT = rf"^[^\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}]*$"

# Ids we are given (account, agent, lead ids): printable ASCII, no spaces.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$"
# A territory is a postal code or similar area id.
TERRITORY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _-]*$"
_EMAIL_PART = rf"[^@\s\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}]+"
EMAIL_PATTERN = rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"
