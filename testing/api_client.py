"""A thin HTTP client for the local gateway: tests read statuses and JSON like a client does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests


class Api:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=60, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """A listing's pages, each answered 200, following `next_cursor` until it is null."""
        cursor = None
        while True:
            response = self.get(
                path, params={**params, **({} if cursor is None else {"cursor": cursor})}
            )
            assert response.status_code == 200, response.text
            page: dict[str, Any] = response.json()
            yield page
            cursor = page["next_cursor"]
            if cursor is None:
                return
