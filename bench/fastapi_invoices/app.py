"""What a user might pick instead: GET /v1/billing/invoices as one FastAPI app behind Mangum,
over the same data layer and the same rules (dev-only; used by `make bench` for comparison)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from mangum import Mangum

from shared.billing.invoices.listing import InvoicePage, PaymentStatus, list_invoices
from shared.errors import DomainError
from shared.http.auth import require_agent
from shared.runtime import cached_settings

api = FastAPI()


@api.exception_handler(DomainError)
def domain_error(_: Request, error: DomainError) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message, **error.extra}}
    return JSONResponse(body, status_code=error.status_code)


@api.get("/v1/billing/invoices")
def invoices(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    status: Annotated[PaymentStatus | None, Query()] = None,
) -> InvoicePage:
    account = require_agent(request.scope["aws.event"], allow_cancelled=True)
    return list_invoices(
        account.account_id,
        limit=limit,
        cursor=cursor,
        status=status,
        key=cached_settings().cursor_signing_key(),
    )


_mangum = Mangum(api, lifespan="off")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cached_settings()
    return _mangum(event, context)
