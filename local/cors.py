"""CORS as the HTTP API does it, from the template's `CorsConfiguration`.

API Gateway answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
itself, route or no route, and adds the configured headers to every other answer for an allowed
origin, ignoring whatever CORS headers the integration returned. An origin that is not allowed
gets no CORS header at all. Locally a page served from any loopback port is allowed too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Locally, a page under development on any port of this machine.
LOOPBACK_ORIGIN = re.compile(r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?")


def _resolve(value: Any, template: dict[str, Any]) -> Any:
    """A !Ref to a template parameter becomes its default (a CommaDelimitedList, a list)."""
    if isinstance(value, dict) and "Ref" in value:
        parameter = template.get("Parameters", {}).get(value["Ref"], {})
        default = parameter.get("Default", "")
        if parameter.get("Type") == "CommaDelimitedList":
            return [item.strip() for item in str(default).split(",") if item.strip()]
        return default
    if isinstance(value, list):
        return [_resolve(item, template) for item in value]
    return value


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip().strip("'") for item in items if str(item).strip())


@dataclass(frozen=True)
class CorsPolicy:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False
    allow_loopback: bool = False

    @classmethod
    def from_template(cls, template: dict[str, Any], *, allow_loopback: bool) -> CorsPolicy | None:
        """The first HttpApi's CorsConfiguration; None when the template configures none."""
        for resource in template.get("Resources", {}).values():
            if resource.get("Type") != "AWS::Serverless::HttpApi":
                continue
            config = resource.get("Properties", {}).get("CorsConfiguration")
            if config is True:  # SAM's shorthand: everything allowed
                return cls(("*",), ("*",), ("*",), allow_loopback=allow_loopback)
            if not isinstance(config, dict):
                return None
            max_age = _resolve(config.get("MaxAge"), template)
            return cls(
                allow_origins=_as_list(_resolve(config.get("AllowOrigins"), template)),
                allow_methods=_as_list(_resolve(config.get("AllowMethods"), template)),
                allow_headers=_as_list(_resolve(config.get("AllowHeaders"), template)),
                expose_headers=_as_list(_resolve(config.get("ExposeHeaders"), template)),
                max_age=None if max_age is None else int(max_age),
                allow_credentials=str(_resolve(config.get("AllowCredentials"), template)).lower()
                == "true",
                allow_loopback=allow_loopback,
            )
        return None

    def allows(self, origin: str) -> bool:
        if self.allow_loopback and LOOPBACK_ORIGIN.fullmatch(origin):
            return True
        for allowed in self.allow_origins:
            # "*" any origin; "https://*" / "http://*" any origin of that scheme.
            if allowed == "*" or origin.lower() == allowed.lower():
                return True
            if allowed.endswith("://*") and origin.lower().startswith(allowed[:-1].lower()):
                return True
        return False

    def _allow_origin_value(self, origin: str) -> str:
        # With credentials the browser needs the origin itself, never "*".
        return "*" if self.allow_origins == ("*",) and not self.allow_credentials else origin

    def preflight(self, origin: str, request_headers: str | None) -> dict[str, str]:
        """The headers of the 204 answer to a preflight; none for an origin not allowed."""
        if not self.allows(origin):
            return {}
        headers = {
            "access-control-allow-origin": self._allow_origin_value(origin),
            "access-control-allow-methods": ",".join(self.allow_methods),
        }
        allow_headers = ",".join(self.allow_headers)
        if self.allow_headers == ("*",) and request_headers:
            allow_headers = request_headers
        if allow_headers:
            headers["access-control-allow-headers"] = allow_headers
        if self.max_age is not None:
            headers["access-control-max-age"] = str(self.max_age)
        if self.allow_credentials:
            headers["access-control-allow-credentials"] = "true"
        headers["vary"] = "Origin"
        return headers

    def response(self, origin: str) -> dict[str, str]:
        """The headers added to an answer for an allowed origin; none otherwise."""
        if not self.allows(origin):
            return {}
        headers = {"access-control-allow-origin": self._allow_origin_value(origin)}
        if self.expose_headers:
            headers["access-control-expose-headers"] = ",".join(self.expose_headers)
        if self.allow_credentials:
            headers["access-control-allow-credentials"] = "true"
        headers["vary"] = "Origin"
        return headers


def is_preflight(method: str, headers: dict[str, str]) -> bool:
    """A browser's preflight: OPTIONS with an Origin and the method it asks about."""
    return (
        method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers
    )
