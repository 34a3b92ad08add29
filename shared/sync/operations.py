"""What support watches to know the read model is in step: the catch-up's lag, and the dead
letters of every queue; and the redrive that gives dead letters another chance.

Redrive moves messages itself (receive, send to the source queue, delete), rather than with
SQS's StartMessageMoveTask: moto has no move tasks, and this is equally correct in AWS. A move
is at-least-once (a crash between send and delete sends a message twice); every consumer's
exactly-once claim absorbs the duplicate. One redrive moves at most the dead letters it
counted when it began: a poison message that fails again and returns to its dead-letter queue
meanwhile waits for the next redrive, it does not loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from shared.config import Settings
from shared.data.queues import sqs_client
from shared.errors import NotFound
from shared.observability import logger
from shared.sync.checkpoint import load_state
from shared.timeutil import from_epoch, iso

SQS_BATCH_LIMIT = 10
# A received dead letter stays hidden this long; a crash mid-move lets it reappear after it.
MOVE_VISIBILITY_SECONDS = 60


@dataclass(frozen=True)
class DeadLetterQueue:
    dead_letters_url: str
    source_url: str


def dead_letter_queues(settings: Settings) -> dict[str, DeadLetterQueue]:
    """Every dead-letter queue by the name the API uses for it."""
    return {
        "stripe-events": DeadLetterQueue(
            settings.stripe_events_dead_letter_queue_url, settings.stripe_events_queue_url
        ),
        "stripe-import": DeadLetterQueue(
            settings.stripe_import_dead_letter_queue_url, settings.stripe_import_queue_url
        ),
        "render": DeadLetterQueue(settings.render_dead_letter_queue_url, settings.render_queue_url),
        "reassignment": DeadLetterQueue(
            settings.reassignment_dead_letter_queue_url, settings.reassignment_queue_url
        ),
    }


class CatchUpView(TypedDict):
    last_run_at: str | None
    checkpoint: str | None
    lag_seconds: int | None
    gap_detected_at: str | None
    recommendation: str | None


class OperationsView(TypedDict):
    catch_up: CatchUpView
    dead_letters: dict[str, int]


class RedriveView(TypedDict):
    queue: str
    moved: int


def operations_view(settings: Settings, clock: Callable[[], float] = time.time) -> OperationsView:
    state = load_state()
    checkpoint = int(state.checkpoint or 0)
    gap = state.gap_detected_at
    return OperationsView(
        catch_up=CatchUpView(
            last_run_at=iso(state.last_run_at) if state.last_run_at else None,
            checkpoint=iso(from_epoch(checkpoint)) if checkpoint else None,
            lag_seconds=max(0, int(clock()) - checkpoint) if checkpoint else None,
            gap_detected_at=iso(gap) if gap else None,
            recommendation=(
                "Events older than Stripe keeps (30 days) were missed: resync every account."
                if gap
                else None
            ),
        ),
        dead_letters={
            name: _message_count(settings, queue.dead_letters_url)
            for name, queue in dead_letter_queues(settings).items()
        },
    )


def redrive(
    settings: Settings, name: str, *, seconds_left: Callable[[], float] = lambda: 60.0
) -> RedriveView:
    queue = dead_letter_queues(settings).get(name)
    if queue is None:
        raise NotFound(f"No dead-letter queue named {name}.")
    sqs = sqs_client(settings)
    budget = _message_count(settings, queue.dead_letters_url)
    moved = 0
    while moved < budget and seconds_left() > MOVE_VISIBILITY_SECONDS / 4:
        received = sqs.receive_message(
            QueueUrl=queue.dead_letters_url,
            MaxNumberOfMessages=min(SQS_BATCH_LIMIT, budget - moved),
            VisibilityTimeout=MOVE_VISIBILITY_SECONDS,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not received:
            break
        moved += _move(sqs, queue, received)
    logger.info("dead letters redriven", extra={"queue": name, "moved": moved})
    return RedriveView(queue=name, moved=moved)


def _move(sqs: Any, queue: DeadLetterQueue, messages: list[dict[str, Any]]) -> int:
    entries = []
    for index, message in enumerate(messages):
        entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            entry["MessageAttributes"] = message["MessageAttributes"]
        entries.append(entry)
    sent = sqs.send_message_batch(QueueUrl=queue.source_url, Entries=entries)
    delivered = [messages[int(item["Id"])] for item in sent.get("Successful", [])]
    if delivered:
        # Only what reached the source queue leaves the dead-letter queue.
        sqs.delete_message_batch(
            QueueUrl=queue.dead_letters_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(delivered)
            ],
        )
    return len(delivered)


def _message_count(settings: Settings, queue_url: str) -> int:
    if not queue_url:
        return 0
    attributes = sqs_client(settings).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
