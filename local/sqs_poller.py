"""Lambda's SQS event source mappings, emulated: receive a batch, invoke the consumer, delete
what succeeded, and report partial batch failures the way Lambda does."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from local.activity import Activity, BatchDone
from local.cfn import load_template, resources_of_type
from local.functions import LambdaFunction
from local.resources import LocalResources, aws_client


@dataclass
class SqsSource:
    function: LambdaFunction
    queue_url: str
    queue_arn: str
    batch_size: int
    reports_failures: bool
    queue_id: str = ""  # the queue's logical id in the template


class SqsPoller:
    """Failed messages become visible again after `retry_seconds` (instead of the queue's full
    visibility timeout) so local retries happen in seconds; the redrive policy still applies."""

    def __init__(
        self,
        resources: LocalResources,
        functions: dict[str, LambdaFunction],
        *,
        retry_seconds: int = 1,
        activity: Activity | None = None,
    ) -> None:
        self.sqs = aws_client("sqs", resources.endpoint_url)
        self.retry_seconds = retry_seconds
        self.activity = activity or Activity()
        self.sources: list[SqsSource] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        template = load_template()
        for logical_id, resource in resources_of_type(
            template, "AWS::Serverless::Function"
        ).items():
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] != "SQS":
                    continue
                queue_id = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                self.sources.append(
                    SqsSource(
                        function=functions[logical_id],
                        queue_url=resources.physical[queue_id],
                        queue_arn=resources.queue_arns[queue_id],
                        batch_size=int(event["Properties"].get("BatchSize", 10)),
                        reports_failures="ReportBatchItemFailures"
                        in event["Properties"].get("FunctionResponseTypes", []),
                        queue_id=queue_id,
                    )
                )

    def start(self) -> None:
        for source in self.sources:
            thread = threading.Thread(target=self._run, args=(source,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()

    def pending_messages(self) -> int:
        """Messages waiting in (or taken from, not yet deleted) the consumers' queues."""
        pending = 0
        for source in self.sources:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=source.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            pending += sum(int(count) for count in attributes.values())
        return pending

    def _run(self, source: SqsSource) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(source, wait_seconds=1)
            except Exception:
                time.sleep(0.5)

    def poll_once(self, source: SqsSource, *, wait_seconds: int = 0) -> int:
        received = self.sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        started = time.perf_counter()
        with self.activity.working():
            failed = self._deliver(source, received)
        self.activity.report(
            BatchDone(
                queue=source.queue_id or source.queue_url.rsplit("/", 1)[-1],
                messages=len(received),
                failures=len(failed),
                milliseconds=(time.perf_counter() - started) * 1000,
                function=source.function.logical_id,
            )
        )
        return len(received)

    def _deliver(self, source: SqsSource, received: list[dict[str, Any]]) -> set[str]:
        """Invokes the consumer with the batch; the ids of the messages that failed (all of
        them when the function raised), which are retried, while the others are deleted."""
        event = {"Records": [self._record(source, message) for message in received]}
        failed: set[str] = {message["MessageId"] for message in received}
        try:
            response = source.function.invoke(event)
            if source.reports_failures and isinstance(response, dict):
                failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
            else:
                failed = set()
        except Exception:
            pass
        for message in received:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_seconds,
                )
            else:
                self.sqs.delete_message(
                    QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return failed

    @staticmethod
    def _record(source: SqsSource, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody")
            or hashlib.md5(message["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": source.queue_arn,
            "awsRegion": "us-east-1",
        }
