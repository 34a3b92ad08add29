"""Powertools Logger and Metrics, created once for the whole process; Tracer on demand.

Every function has X-Ray active tracing (template: `Tracing: Active`), which Lambda records
without any SDK. The X-Ray SDK behind Powertools Tracer costs about half a second of cold start
on import (it builds a botocore client for sampling rules; see `make bench`), so request-path
functions do not load it. The PDF renderer, a background consumer where subsegments for its few
S3/DynamoDB calls are worth it and nobody waits on a cold start, imports `tracer` from here and
gets it lazily; only functions that do ship the X-Ray SDK (tests/unit/test_packaging.py)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics(namespace="AccountBilling")

# Read-only requests publish no business metric; that is expected, not worth a warning per call.
warnings.filterwarnings("ignore", message="No application metrics to publish")

_tracer: Tracer | None = None


def __getattr__(name: str) -> Any:
    # PEP 562: `from shared.observability import tracer` creates the Tracer on first use only.
    global _tracer
    if name == "tracer":
        if _tracer is None:
            from aws_lambda_powertools import Tracer

            _tracer = Tracer()
        return _tracer
    raise AttributeError(name)
