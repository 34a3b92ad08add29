"""What the fresh-process probes share: a script preamble with the Lambda context Powertools
reads, for tests that run a function in a new interpreter and inspect what it loaded."""

PROBE_PREAMBLE = """
import json, sys

class Context:
    function_name = "probe"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
    memory_limit_in_mb = 512
    aws_request_id = "probe"
    log_group_name = "/aws/lambda/probe"
    log_stream_name = "probe"
    def get_remaining_time_in_millis(self):
        return 30000
"""
