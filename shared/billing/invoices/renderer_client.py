"""The download's way to a PDF that is missing or stale: it invokes the renderer function and
waits for the answer (Lambda Invoke, RequestResponse).

Rendering needs fpdf2 with Pillow and fontTools (about 60 MB, most of a second to import), which
the renderer ships for its queue anyway. Asking it keeps them out of the download function, and
so does write access to the bucket and to the invoice's record: the download only reads and
presigns. Renders are rare there: the renderer's queue renders each invoice when it changes."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.config import Settings
from shared.errors import ServiceUnavailable
from shared.observability import logger

# Under the download function's own timeout (29 s; API Gateway gives up at 30 s).
RENDER_WAIT_SECONDS = 25


@cache
def lambda_client(settings: Settings) -> Any:
    return boto3.client(
        "lambda",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url_lambda or settings.aws_endpoint_url,
        config=Config(
            connect_timeout=2,
            read_timeout=RENDER_WAIT_SECONDS,
            # A throttled or failed call is retried once; a second render is harmless (each
            # render stores a new object and the record keeps the latest).
            retries={"mode": "standard", "total_max_attempts": 2},
        ),
    )


def render_with_renderer(settings: Settings, account_id: str, invoice_id: str) -> str | None:
    """The key of the freshly rendered PDF; None when there is nothing to render (the invoice is
    gone). ServiceUnavailable (503, the caller retries) when the renderer cannot answer."""
    if not settings.renderer_function_name:
        raise RuntimeError("RENDERER_FUNCTION_NAME is not set")
    request = {"account_id": account_id, "invoice_id": invoice_id}
    try:
        response = lambda_client(settings).invoke(
            FunctionName=settings.renderer_function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(request).encode(),
        )
        answer = json.loads(response["Payload"].read() or b"null")
    except (BotoCoreError, ClientError):
        logger.exception("renderer not reachable", extra={"invoice_id": invoice_id})
        raise ServiceUnavailable("The invoice PDF cannot be prepared right now; retry.") from None
    if response.get("FunctionError") or not isinstance(answer, dict):
        error_type = answer.get("errorType") if isinstance(answer, dict) else None
        logger.error("renderer failed", extra={"invoice_id": invoice_id, "error": error_type})
        raise ServiceUnavailable("The invoice PDF cannot be prepared right now; retry.")
    key = answer.get("pdf_key")
    return str(key) if key else None
