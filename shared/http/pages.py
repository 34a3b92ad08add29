"""Static pages served by their own function on the API's origin (the billing page, the support
console): the HTML and assets from the function's `static/` folder, and the headers every page
and every asset carries. Each page names its own Content-Security-Policy."""

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from shared.http.app import error_response
from shared.http.resolver import Response

HTML = "text/html; charset=utf-8"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@cache
def static_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def base_path(stage: str | None) -> str:
    """Where the page's own links start: `/` on the default stage, `/<stage>/` on a named one."""
    return "/" if stage in ("$default", "", None) else f"/{stage}/"


def page_response(html: str, content_security_policy: str) -> Response[str]:
    return Response(
        status_code=200,
        content_type=HTML,
        body=html,
        headers={**PAGE_HEADERS, "Content-Security-Policy": content_security_policy},
    )


def asset_response(static: Path, assets: Mapping[str, str], name: str) -> Response[str]:
    """The asset `name` from `static`, if `assets` (name -> content type) lists it; else a 404."""
    if name not in assets:
        return error_response(404, "not_found", "No such asset.")
    return Response(
        status_code=200,
        content_type=assets[name],
        body=static_text(static / name),
        headers=ASSET_HEADERS,
    )
