"""What the fresh-process probes share: a script preamble, for tests that run a function in a
new interpreter and inspect what it loaded. The probes run with the repository root as their
working directory and on PYTHONPATH, so the preamble imports the one fake Lambda context (which
loads nothing but the standard library); the scripts call it `Context`."""

PROBE_PREAMBLE = """
import json, sys
from testing.lambda_context import LambdaContext as Context
"""
