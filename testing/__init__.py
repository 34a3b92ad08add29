"""Test tooling shared by tests/, bench/ and the local stack (no tests here):

- stripe_objects, webhook_events, sqs_events: Stripe API objects; the signed webhook event and
  the API Gateway event carrying it; the SQS records the Stripe events consumer receives.
- webhook_samples: the committed samples in events/ (`python -m testing.webhook_samples`).
- fake_stripe: the one fake of Stripe (the sync's reads, approval's cancellation).
- account_factory, invoice_factory, reassignment_world: read-model state written straight to
  the tables.
- api_client, waiting: an HTTP client for the local gateway; bounded waits.
- localstripe: an account's customer; webhook deliveries lost while Stripe changes.
- browser: Chromium for the journeys in tests/e2e (pages, screenshots, the axe audit).
- lambda_context, probe: the one fake Lambda context; the fresh-process probes (run a script
  in a new interpreter against the local stack).
- pool_probe: the unassigned-pool query with DynamoDB's ScannedCount and consumed capacity.

Importing this package loads nothing: the probes check what a fresh process loaded."""
