"""Dev tokens: HS256 JWTs issued locally, verified the way the HTTP API JWT authorizer verifies
the dashboard's tokens (issuer, audience, expiry), and their claims flattened to strings the way
API Gateway hands them to the integration."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt

JWT_ISSUER = "https://auth.local.test"
JWT_AUDIENCE = "account-billing-local"


def flatten_claim(value: Any) -> str:
    """API Gateway hands every claim to the integration as a string; arrays become "[a b]"."""
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def issue_token(
    secret: str,
    subject: str,
    *,
    email: str | None = None,
    groups: list[str] | None = None,
    ttl_seconds: int = 30 * 24 * 3600,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if email:
        claims["email"] = email
    if groups:
        claims["cognito:groups"] = groups
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: str, authorization: str | None) -> dict[str, Any] | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            audience=JWT_AUDIENCE,
            issuer=JWT_ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    return claims
