"""A lead move whose answer is lost on the way back (the transaction was applied, then the
connection dropped): the job sends the very same transaction again with its ClientRequestToken,
DynamoDB (and the local stack's, local/dynamodb.py) answers it as the first, and the job's
counts stay exact. The fault is real network loss, made by a proxy in front of the local
DynamoDB that drops the first transaction's answer; botocore's own retries are off, so the
loss reaches the job (as it does once they are used up)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from pynamodb.connection import Connection

from shared.leads.reassignment import default_deps, reassign_leads
from shared.runtime import cached_settings
from testing.reassignment_world import World
from testing.tables import all_table_models

TRANSACT_WRITE = "DynamoDB_20120810.TransactWriteItems"


class LosesFirstTransactionAnswer(ThreadingHTTPServer):
    """Forwards every request to DynamoDB; of the first lead move (a TransactWriteItems of the
    lead, the agents and the ticket), it forwards the request, reads DynamoDB's answer, and
    closes the connection instead of passing it on."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.lost = 0
        self.transactions = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: LosesFirstTransactionAnswer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        upstream = http.client.HTTPConnection(str(self.server.target.netloc))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request("POST", self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        with self.server.lock:
            is_transaction = self.headers.get("X-Amz-Target") == TRANSACT_WRITE
            self.server.transactions += is_transaction
            is_lead_move = is_transaction and len(json.loads(body)["TransactItems"]) >= 3
            lose = is_lead_move and self.server.lost == 0
            self.server.lost += lose
        if lose:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def lossy_dynamodb(stack) -> Iterator[LosesFirstTransactionAnswer]:
    proxy = LosesFirstTransactionAnswer(stack.aws_url)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()


def connection_through(url: str) -> Connection:
    settings = cached_settings()
    connection = Connection(region=settings.aws_region, host=url, max_retry_attempts=0)
    for model in all_table_models().values():
        connection.add_meta_table(model._get_connection().get_meta_table())
    return connection


def test_a_lost_answer_is_retried_as_the_same_transaction_and_counted_once(lossy_dynamodb):
    # Given an approved departure with 6 leads, 4 of which have a candidate
    world = World()
    world.add_agent("a", ["t1"])
    world.add_agent("b", ["t1"])
    world.add_departing(["t1", "t9"], ["t1", "t1", "t1", "t1", "t9", "t9"])
    job = world.approve_departure()

    # When the job runs with the first lead move's answer lost on the network
    result = reassign_leads(job, default_deps(connection=connection_through(lossy_dynamodb.url)))

    # Then that move was sent again (same token) and every lead is counted once, as placed
    assert lossy_dynamodb.lost == 1
    assert lossy_dynamodb.transactions >= 7  # 6 moves + the retried one (+ bookkeeping)
    assert (result.reassigned, result.unassigned, result.already_moved) == (4, 2, 0)
    assert result.completed
    world.assert_done()
    progress = world.ticket().reassignment
    assert progress is not None
    assert (int(progress.reassigned), int(progress.unassigned), int(progress.total)) == (4, 2, 6)
