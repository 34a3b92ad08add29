"""The pages in a real Chromium, for the journeys in tests/e2e: the one way to launch it, a page
that collects what went wrong in its console, screenshots (and downloads) in artifacts/browser/
(git-ignored) at desktop and at phone width, the axe-core audit, and the few steps the journeys
share (the billing page's card field, the support console signed in, a fact it shows).

Playwright is imported only when a browser is launched."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.cfn import ROOT

if TYPE_CHECKING:
    from local.stack import LocalStack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
ARTIFACTS = ROOT / "artifacts" / "browser"
SUPPORT_CONSOLE = "/support"


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def open_page(browser: Any, url: str | None = None, **options: Any) -> Iterator[Any]:
    """A page in a context of its own (desktop width, downloads accepted, unless `options` say
    otherwise), at `url` if given; `page.problems` collects console errors and uncaught
    exceptions. The context is closed afterwards."""
    context = browser.new_context(**{"viewport": DESKTOP, "accept_downloads": True, **options})
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                problems.append(f"{message.text} @ {message.location.get('url', '')}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems
        if url is not None:
            page.goto(url)
        yield page
    finally:
        context.close()


def signed_in_url(stack: LocalStack, path: str, token: str) -> str:
    """A page of the local stack, signed in with `token` (the pages read it from `?token=`)."""
    return f"{stack.api_url}{path}?token={token}"


class Artifacts:
    """Where one journey's screenshots and downloads land: artifacts/browser/<folder>."""

    def __init__(self, folder: str = "") -> None:
        self.folder = ARTIFACTS / folder

    def path(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / name

    def shot(self, page: Any, name: str) -> None:
        """The page as it stands."""
        page.screenshot(path=str(self.path(f"{name}.png")), full_page=True)

    def downloaded_pdf(self, page: Any, button: Any) -> tuple[str, str]:
        """Clicks `button` and keeps the file it downloads here; it must be a PDF. Returns the
        file's name and the PDF's text."""
        from pypdf import PdfReader

        with page.expect_download() as download_info:
            button.click()
        download = download_info.value
        saved = self.path(download.suggested_filename)
        download.save_as(saved)
        pdf = saved.read_bytes()
        assert pdf.startswith(b"%PDF"), pdf[:20]
        text = "".join(part.extract_text() for part in PdfReader(io.BytesIO(pdf)).pages)
        return str(download.suggested_filename), text

    def desktop_and_phone(self, page: Any, name: str) -> None:
        """The page as it stands, at desktop and at phone width."""
        page.screenshot(path=str(self.path(f"{name}-desktop.png")), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(self.path(f"{name}-phone.png")), full_page=True)
        page.set_viewport_size(DESKTOP)


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands (axe is injected as a
    script: open the page with `bypass_csp=True`, or its Content-Security-Policy refuses it)."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    results = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["html"][:120] for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def fill_card(page: Any, number: str) -> None:
    """The billing page's card field (locally localstripe's stand-in for Stripe's iframe)."""
    field = page.locator("#card-element")
    field.locator("input[placeholder=number]").fill(number)
    field.locator("input[placeholder=exp_month]").fill("12")
    field.locator("input[placeholder=exp_year]").fill("31")
    field.locator("input[placeholder=cvc]").fill("123")
    field.locator("input[placeholder=postal_code]").fill("78701")


def console(
    browser: Any, stack: LocalStack, token: str, **options: Any
) -> AbstractContextManager[Any]:
    """The support console signed in with `token` (a context manager, as `open_page`)."""
    return open_page(browser, signed_in_url(stack, SUPPORT_CONSOLE, token), **options)


def fact(scope: Any, term: str) -> str:
    """What the console shows for `term` in a definition list within `scope`."""
    return str(scope.locator(f"[data-fact='{term}'] dd").inner_text())
