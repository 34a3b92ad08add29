"""Starts and stops the whole local system: moto server, localstripe, tables/queues/bucket from
template.yaml, the local API gateway, Lambda's Invoke API, the SQS poller, and the Stripe
webhook registration."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from moto.server import ThreadedMotoServer

from local.activity import Activity
from local.cfn import ROOT
from local.dev_tokens import issue_token
from local.dynamodb import make_moto_dynamodb_faithful
from local.gateway import Gateway
from local.lambda_invoke import Credentials, LambdaInvokeServer
from local.resources import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    LocalResources,
    create_all,
    function_environment,
)
from local.schedules import Scheduler
from local.sqs_poller import SqsPoller

DEFAULT_JWT_SECRET = "local-dev-jwt-secret-not-for-production-use"
DEFAULT_WEBHOOK_SECRETS = "whsec_local_dev_primary,whsec_local_dev_rotated"
STRIPE_SECRET_KEY = "sk_test_local_stack"
STRIPE_PUBLISHABLE_KEY = "pk_test_local_stack"
CURSOR_SECRET = "local-cursor-signing-key"


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: all are held open until each is chosen, so the kernel
    cannot hand out one port twice."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@dataclass
class StackConfig:
    api_port: int = 3000
    aws_port: int = 5000
    lambda_port: int = 5001
    stripe_port: int = 8420
    jwt_secret: str = DEFAULT_JWT_SECRET
    webhook_secrets: str = DEFAULT_WEBHOOK_SECRETS
    prefix: str = "billing-local"
    sqs_retry_seconds: int = 1
    # Seconds between two runs of the Stripe catch-up (API.md); 0 switches the schedule off.
    catch_up_interval_s: float = 60.0

    @classmethod
    def from_environment(cls) -> StackConfig:
        return cls(
            api_port=int(os.environ.get("API_PORT", 3000)),
            aws_port=int(os.environ.get("AWS_PORT", 5000)),
            lambda_port=int(os.environ.get("LAMBDA_PORT", 5001)),
            stripe_port=int(os.environ.get("STRIPE_PORT", 8420)),
            jwt_secret=os.environ.get("LOCAL_JWT_SECRET", DEFAULT_JWT_SECRET),
            webhook_secrets=os.environ.get("STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRETS),
            catch_up_interval_s=float(os.environ.get("CATCHUP_INTERVAL_S", 60)),
        )

    @classmethod
    def on_free_ports(cls, **overrides: Any) -> StackConfig:
        api_port, aws_port, lambda_port, stripe_port = free_ports(4)
        # Tests run the catch-up when they mean to: a background run would hold the one
        # invocation lock while other tests' requests wait.
        overrides.setdefault("catch_up_interval_s", 0.0)
        return cls(
            api_port=api_port,
            aws_port=aws_port,
            lambda_port=lambda_port,
            stripe_port=stripe_port,
            **overrides,
        )


@dataclass
class LocalStack:
    config: StackConfig
    moto: ThreadedMotoServer | None = None
    stripe_process: subprocess.Popen[bytes] | None = None
    resources: LocalResources | None = None
    gateway: Gateway | None = None
    invoke_api: LambdaInvokeServer | None = None
    poller: SqsPoller | None = None
    scheduler: Scheduler | None = None
    environment: dict[str, str] = field(default_factory=dict)
    # Every request and queue batch the stack serves (`make dev` prints a line for each).
    activity: Activity = field(default_factory=Activity)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.config.api_port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.config.aws_port}"

    @property
    def lambda_url(self) -> str:
        return f"http://127.0.0.1:{self.config.lambda_port}"

    @property
    def stripe_url(self) -> str:
        return f"http://127.0.0.1:{self.config.stripe_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.api_url}/v1/webhooks/stripe"

    def token(
        self,
        subject: str,
        *,
        groups: list[str] | None = None,
        email: str | None = None,
        ttl_seconds: int = 30 * 24 * 3600,
    ) -> str:
        return issue_token(
            self.config.jwt_secret, subject, email=email, groups=groups, ttl_seconds=ttl_seconds
        )

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
        make_moto_dynamodb_faithful()
        self._start_stripe()
        self.moto = ThreadedMotoServer(
            ip_address="127.0.0.1", port=self.config.aws_port, verbose=False
        )
        self.moto.start()
        self.resources = create_all(self.aws_url, self.config.prefix)
        self.environment = function_environment(
            self.resources,
            parameters={"StripePublishableKey": STRIPE_PUBLISHABLE_KEY},
            local_overrides=self._local_overrides(),
        )
        os.environ.update(self.environment)
        from shared.runtime import reset

        reset()
        self.gateway = Gateway(
            port=self.config.api_port, jwt_secret=self.config.jwt_secret, activity=self.activity
        )
        self.gateway.start()
        self.invoke_api = LambdaInvokeServer(
            self.gateway.functions,
            port=self.config.lambda_port,
            credentials=Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            activity=self.activity,
        )
        self.invoke_api.start()
        self.poller = SqsPoller(
            self.resources,
            self.gateway.functions,
            retry_seconds=self.config.sqs_retry_seconds,
            activity=self.activity,
        )
        self.poller.start()
        self.scheduler = Scheduler(
            self.gateway.functions,
            interval_seconds=self.config.catch_up_interval_s,
            activity=self.activity,
        )
        self.scheduler.start()
        self._wait_for_stripe()
        self.register_webhook()
        self._wait_for(f"{self.api_url}/v1/health")

    def _local_overrides(self) -> dict[str, str]:
        return {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_ENDPOINT_URL": self.aws_url,
            # Lambda's Invoke API has its own port (the download invokes the renderer); the
            # template gives the download the renderer's name, and locally that is its id.
            "AWS_ENDPOINT_URL_LAMBDA": self.lambda_url,
            "RENDERER_FUNCTION_NAME": "InvoiceRendererFunction",
            "STRIPE_API_BASE": self.stripe_url,
            "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE_KEY,
            "STRIPE_JS_URL": f"{self.stripe_url}/js.stripe.com/v3/",
            "STRIPE_WEBHOOK_SECRETS": self.config.webhook_secrets,
            "CURSOR_SECRET": CURSOR_SECRET,
            # The catch-up reports its lag in schedule intervals: locally, CATCHUP_INTERVAL_S.
            "CATCH_UP_RATE_MINUTES": str((self.config.catch_up_interval_s or 60.0) / 60),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "AccountBilling",
            "POWERTOOLS_SERVICE_NAME": "account-billing-local",
        }

    def register_webhook(self, url: str | None = None) -> None:
        """localstripe's webhook to our intake (or to `url`: tests point it elsewhere to lose
        deliveries)."""
        primary_secret = self.config.webhook_secrets.split(",")[0].strip()
        response = requests.post(
            f"{self.stripe_url}/_config/webhooks/account-billing",
            data={"url": url or self.webhook_url, "secret": primary_secret},
            timeout=5,
        )
        response.raise_for_status()

    def _start_stripe(self) -> None:
        self.stripe_process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.localstripe_server",
                "--port",
                str(self.config.stripe_port),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _wait_for_stripe(self) -> None:
        self._wait_for(f"{self.stripe_url}/js.stripe.com/v3/")

    @staticmethod
    def _wait_for(url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")
            time.sleep(0.1)

    def reset_stripe(self) -> None:
        requests.delete(f"{self.stripe_url}/_config/data", timeout=5).raise_for_status()
        self.register_webhook()

    def wait_until_quiet(self, *, quiet_seconds: float = 2.0, timeout: float = 30.0) -> bool:
        """Waits until nothing has been served for `quiet_seconds` and the consumers' queues
        are empty (localstripe sends each webhook a second after its event)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.activity.wait_until_quiet(quiet_seconds=quiet_seconds, timeout=left) and (
                self.poller is None or self.poller.pending_messages() == 0
            ):
                return True
            time.sleep(0.2)

    def stop(self) -> None:
        if self.scheduler:
            self.scheduler.stop()
        if self.poller:
            self.poller.stop()
        if self.invoke_api:
            self.invoke_api.stop()
        if self.gateway:
            self.gateway.stop()
        if self.stripe_process and self.stripe_process.poll() is None:
            self.stripe_process.terminate()
            try:
                self.stripe_process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.stripe_process.kill()
        if self.moto:
            self.moto.stop()
