"""Runs localstripe bound to 127.0.0.1 (its own CLI binds every interface) with a fresh store.

localstripe pickles its whole store to /tmp after every write; we keep the store in memory only,
so several stacks (tests, dev) can run side by side without sharing a file."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    resources.store.dump_to_disk = lambda: None
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
