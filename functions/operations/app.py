"""Operations for support (API.md, "Keeping in step with Stripe"): the catch-up's lag and the
dead letters of every queue, and their redrive (shared.sync.operations). Its own function:
only it may read, move and delete dead letters, and it ships no Stripe SDK."""

from shared.http.app import create_app, http_handler
from shared.http.auth import require_support
from shared.runtime import cached_settings
from shared.sync.operations import OperationsView, RedriveView, operations_view, redrive

app = create_app()


@app.get("/v1/support/operations")
def get_operations() -> OperationsView:
    return operations_view(cached_settings())


@app.post("/v1/support/operations/dead-letters/<queue>/redrive", status_code=202)
def redrive_dead_letters(queue: str) -> RedriveView:
    context = app.lambda_context
    return redrive(
        cached_settings(),
        queue,
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )


lambda_handler = http_handler(app, authorize=require_support)
