"""Browser tests: the cookie banner and the privacy center in Debian's Chromium (Playwright), on the local cloud.

Chromium is never downloaded (no `playwright install`): the suite drives /usr/bin/chromium. Where it is missing the
suite is skipped with a loud warning, unless REQUIRE_BROWSER=1 (CI), where it fails.
"""

import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import WITH_CONNECTED_SYSTEMS, Cloud, own_cloud
from tests.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
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
SCREENSHOTS = ROOT / "test-output" / "browser"
MISSING = f"Chromium not found at {CHROMIUM}: browser tests SKIPPED"
GPC_ON = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def _chromium_missing() -> bool:
    return not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One Chromium and one local cloud per session: every browser test runs on the same xdist worker.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("browser"))
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Iterator[None]:
    # Loud, after the short summary: a skipped browser suite must not pass unnoticed on a developer's machine.
    yield
    if _chromium_missing():
        verdict = "REQUIRE_BROWSER=1, so they FAILED" if _browser_required() else "apt-get install chromium"
        terminalreporter.write_sep("!", "BROWSER TESTS DID NOT RUN", red=True, bold=True)
        terminalreporter.write_line(f"{MISSING} ({verdict})", red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if _chromium_missing():
        if _browser_required():
            pytest.fail(f"{MISSING}; REQUIRE_BROWSER=1 makes that a failure", pytrace=False)
        # Also a warning: under xdist the controller never loads this conftest, so the summary hook above stays
        # silent in `make test`; warnings travel from the worker to the controller's "warnings summary".
        warnings.warn(pytest.PytestWarning(MISSING), stacklevel=1)
        pytest.skip(MISSING)
    from playwright.sync_api import expect, sync_playwright

    # The same patience for assertions as for actions: the first calls to a cold local cloud on a busy machine
    # take longer than expect()'s default 5 s.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A local cloud of our own (the e2e `cloud` fixture is not visible here); it also serves web/ at /."""
    yield from own_cloud(tmp_path_factory, "browser-cloud")


@pytest.fixture(scope="module")
def systems_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """A local cloud of the module's own deployed with connected systems (ConnectedSystems=crm,mailer): every request
    then waits for both to report."""
    yield from own_cloud(tmp_path_factory, "browser-cloud-systems", *WITH_CONNECTED_SYSTEMS)


def _new_page(browser: Any, cloud: Cloud, init_script: str | None = None, **options: Any) -> Iterator[Any]:
    settings = {"viewport": {"width": 1100, "height": 900}, "locale": "en-GB", **options}
    context = browser.new_context(base_url=cloud.url, **settings)
    if init_script:
        context.add_init_script(init_script)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, cloud: Cloud) -> Iterator[Any]:
    """A fresh browser context (no cookies, no storage) and one page in it."""
    yield from _new_page(browser, cloud)


@pytest.fixture
def systems_page(browser: Any, systems_cloud: Cloud) -> Iterator[Any]:
    """A fresh browser context on the local cloud with connected systems (`systems_cloud`)."""
    yield from _new_page(browser, systems_cloud)


@pytest.fixture
def gpc_page(browser: Any, cloud: Cloud) -> Iterator[Any]:
    """A fresh context whose pages see navigator.globalPrivacyControl === true."""
    yield from _new_page(browser, cloud, GPC_ON)


@pytest.fixture
def page_with(browser: Any, cloud: Cloud) -> Iterator[Callable[..., Any]]:
    """page_with(locale="de-DE", reduced_motion="reduce", ...): a page in a fresh context with those options."""
    opened: list[Iterator[Any]] = []

    def open_page(init_script: str | None = None, **options: Any) -> Any:
        pages = _new_page(browser, cloud, init_script, **options)
        opened.append(pages)
        return next(pages)

    yield open_page
    for pages in opened:
        next(pages, None)  # closes the context and checks the page raised no JavaScript error


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, screenshot_dir: Path) -> Callable[..., Path]:
    """screenshot(page) saves test-output/browser/<test name>.png; screenshot(page, "step") <test name>--step.png."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page: Any, step: str | None = None) -> Path:
        path = screenshot_dir / (f"{name}--{step}.png" if step else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
