"""Who is calling. API Gateway's JWT authorizer (or the local gateway) has verified the token; the
claims arrive as strings in requestContext.authorizer.jwt.claims.

Every agent route goes through `require_agent`, the one place that enforces that the caller is an
agent and that a cancelled account keeps only its billing records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.data.tables.accounts import CANCELLED, AccountModel
from shared.errors import AccountCancelled, Forbidden, Unauthorized
from shared.http.resolver import APIGatewayProxyEventV2

SUPPORT_GROUP = "support"


@dataclass(frozen=True)
class Principal:
    subject: str
    email: str | None
    groups: frozenset[str]

    @property
    def is_support(self) -> bool:
        return SUPPORT_GROUP in self.groups


def parse_groups(raw: Any) -> frozenset[str]:
    """The token's groups: a real list, or API Gateway's flattening of it, "[support admin]".
    Split on whitespace only (a group name may contain a comma; "admin,support" is one group,
    and it is not "support"): membership is an exact match on a whole name."""
    if raw is None or raw == "":
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        return frozenset(str(group) for group in raw)
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(text.split())


def principal_from(event: Mapping[str, Any]) -> Principal:
    request_context = event.get("requestContext") or {}
    authorizer = request_context.get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthorized("A valid bearer token is required.")
    return Principal(
        subject=str(subject),
        email=claims.get("email"),
        groups=parse_groups(claims.get("cognito:groups")),
    )


def require_support(event: Mapping[str, Any]) -> Principal:
    principal = principal_from(event)
    if not principal.is_support:
        raise Forbidden("This route is for support staff.")
    return principal


def require_agent(event: APIGatewayProxyEventV2, *, allow_cancelled: bool = False) -> AccountModel:
    """The caller's own account. Cancelled accounts may only read their billing records."""
    principal = principal_from(event)
    try:
        account = AccountModel.get(principal.subject)
    except AccountModel.DoesNotExist:
        raise Forbidden("This route is for agents with an account.") from None
    if account.status == CANCELLED and not allow_cancelled:
        raise AccountCancelled("This account is cancelled; only billing records remain available.")
    return account
