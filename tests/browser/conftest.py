"""Real-browser journeys: the product runs in its own processes (migrate, demo load, the web
server) on a scratch database of the suite's kind, and Playwright drives Debian's Chromium.

The served app is made once per run (a session fixture) and Chromium once per run of journeys
(see Chromium): the root conftest's scheduler gives all browser tests to one worker as one unit,
which runs them one module after the other. The modules share the demo county, so each journey
writes only what no other reads: casework an intake for a child it looks up (and a sweep as of
2027), eligibility the parameter rehab_age_max and a screening run, handlers the demo's T01 of
秦小宝 (accepted, decided) and 桓仁镇's part of 秦小雪's T01, policy the task table's second
version and a report on task 10, registry and a11y a child each with its own ID number,
not_recorded another (and the screening at once and suggestion it brings); smoke nothing but
log-ins and a language. A new journey that needs the untouched demo data must not rely on
running first: give it a fresh copy (a SQLite file copy, or CREATE DATABASE ... TEMPLATE on
PostgreSQL, of a database loaded once), not another migrate and demo load.

Accessibility: every page a journey reaches is checked with axe-core against WCAG 2.1 A and AA
(a11y.py) without the journey asking. The `browser` fixture (and so `page`) hands out pages that
run the check after each navigation (goto, reload, wait_for_url, wait_for_load_state, ...) and on
their last state when their context closes, and `screenshot` checks the page it saves. A journey
calls `check_a11y(page)` itself only for a state reached without a navigation (an htmx swap, a
field a script shows) that it takes no screenshot of. A new journey gets all of this by taking
`page` or `browser`, as every journey must; one that runs at 1280 px and 375 px is checked at
both. `SHOUHU_A11Y_REPORT=file` writes the violations to `file` instead of failing (to survey
many pages at once). docs/accessibility.md says more."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shouhu.accounts.personas import PERSONA_KEYS, signs_in_with_code
from shouhu.core.testing.processes import free_port, scratch_database, shouhu_process, shouhu_run

from .a11y import CheckedBrowser, check_a11y

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own loopback server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"server at {url} did not come up")


def drain(process: subprocess.Popen[str], name: str) -> None:
    """Copy a served process's output (runserver logs a line per request) to test-artifacts/<name>.log
    as it comes: left in its pipe, it fills the pipe's 64 KB after some hundred requests and the
    process blocks on its next write, so the browser waits for pages that never come."""

    def copy() -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        with open(ARTIFACTS / f"{name}.log", "w", encoding="utf-8") as log:
            for line in process.stdout or ():
                log.write(line)
                log.flush()

    threading.Thread(target=copy, name=f"drain-{name}", daemon=True).start()


@dataclass(frozen=True)
class ServedStack:
    """The served app's address, its scratch database and data directory (so a test module can
    start more processes against the same database, e.g. a worker). One per test run."""

    base: str
    database_url: str
    data_dir: str


@pytest.fixture(scope="session")
def served_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedStack]:
    tmp = tmp_path_factory.mktemp("served")
    with scratch_database(tmp, migrated=True) as url:
        media = str(tmp / "data")
        shouhu_run(["demo", "load"], url, SHOUHU_DATA_DIR=media)
        port = free_port()
        server = shouhu_process(["runserver", f"127.0.0.1:{port}", "--noreload"], url, SHOUHU_DATA_DIR=media)
        drain(server, "server")
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/api/v1/health")
            yield ServedStack(base, url, media)
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def worker(served_stack: ServedStack) -> Iterator[None]:
    """The served app has no worker: a module whose journeys need one (a screening run, reading an
    uploaded table) starts one on the same scratch database for its duration."""
    process = shouhu_process(
        ["worker", "--interval", "0.2"], served_stack.database_url, SHOUHU_DATA_DIR=served_stack.data_dir
    )
    drain(process, "worker")
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def served_app(served_stack: ServedStack) -> str:
    return served_stack.base


class Chromium:
    """One Chromium for the browser journeys, started by the first and stopped after the last one
    a worker runs in a row: Playwright's sync API runs an event loop in the test thread while it is
    open, and Django refuses database calls from a thread with a running loop
    (SynchronousOnlyOperation), so it must not stay open into the worker's other tests."""

    def __init__(self) -> None:
        self.playwright: Any = None
        self.instance: Any = None

    def get(self) -> Any:
        if self.instance is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            try:
                self.instance = self.playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
            except Exception:
                # A failed launch (Chromium not installed) must not leave the loop running: each
                # later test of the worker would error with "Sync API inside the asyncio loop".
                self.stop()
                raise
        return self.instance

    def stop(self) -> None:
        if self.instance is not None:
            self.instance.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.instance = self.playwright = None


CHROMIUM_PROCESS = Chromium()
HERE = Path(__file__).resolve().parent


@pytest.fixture
def browser() -> Iterator[Any]:
    """The journeys' Chromium, wrapped so every page a journey opens checks itself with axe-core
    (a11y.py) after each navigation and when its context closes; contexts a test leaves open are
    closed (and so checked) here."""
    checked = CheckedBrowser(CHROMIUM_PROCESS.get())
    yield checked
    checked.close_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """(Called for this folder's tests only.) Stop Chromium once the next test is not a journey —
    also when this test's teardown fails (an accessibility check on its last page), or every
    later test of the worker would meet Playwright's event loop (SynchronousOnlyOperation)."""
    try:
        return (yield)
    finally:
        if nextitem is None or HERE not in Path(nextitem.path).resolve().parents:
            CHROMIUM_PROCESS.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page on a 375 px phone (the village director's and many supervisors' screen)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


def assert_fits(page: Any) -> None:
    """The page does not scroll sideways (on a phone: nothing is cut off at the right)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def screenshot(page: Any, name: str) -> Path:
    """Check the page with axe (a journey marks the states worth seeing, some reached without a
    navigation) and, with SHOUHU_SCREENSHOTS=1, save it to test-artifacts/<name>.png to look at:
    off by default, a full-page PNG of each costs more than the check (docs/accessibility.md)."""
    check_a11y(page)
    path = ARTIFACTS / f"{name}.png"
    if os.environ.get("SHOUHU_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    return path


# The demo personas whose roles must sign in with two-factor, and the last TOTP period each used:
# django-otp takes a period's code once, and the one of the next period too, so a third sign-in
# within one period waits for the next (demo_code).
TWO_FACTOR_PERSONAS = {key for key in PERSONA_KEYS if signs_in_with_code(key)}
_LAST_PERIOD: dict[str, int] = {}


def demo_code(username: str) -> str:
    """The code the demo authenticator (README, "Demo") shows for a period this persona has not used."""
    from binascii import unhexlify

    from django_otp.oath import totp

    from shouhu.accounts.signin.two_factor import DEMO_TOTP_KEY

    now = int(time.time()) // 30
    period = max(now, _LAST_PERIOD.get(username, -1) + 1)
    if period > now + 1:
        time.sleep((period - 1) * 30 - time.time() + 0.5)
        now = period - 1
    _LAST_PERIOD[username] = period
    return f"{totp(unhexlify(DEMO_TOTP_KEY), drift=period - now):06d}"


# A persona's session, once it has signed in through the form in this run: later journeys start
# from it instead of the form (the sign-in pages have journeys of their own), so a two-factor
# persona does not wait for a fresh code at each of its many sign-ins (demo_code).
_SESSIONS: dict[tuple[str, str], list[dict[str, Any]]] = {}


def log_in(page: Any, base: str, username: str, password: str = "shouhu-demo-2026") -> None:  # noqa: S107
    """`username` signed in, on the home page: through the form the first time in a run, then with
    that session's cookie while the server still honours it (a journey may sign out)."""
    key = (base, username)
    if key in _SESSIONS and password == "shouhu-demo-2026":
        page.context.add_cookies(_SESSIONS[key])
        page.goto(f"{base}/")
        if page.url == f"{base}/":
            return
        del _SESSIONS[key]  # signed out since: the form again
    _sign_in_through_the_form(page, base, username, password)
    _SESSIONS[key] = [c for c in page.context.cookies() if c["name"] == "sessionid"]


def _sign_in_through_the_form(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The sign-in form's own button: a page still signed in as another persona has 退出 in its header.
    page.click("form:has(input[name=password]) button[type=submit]")
    if username in TWO_FACTOR_PERSONAS:
        try:
            page.wait_for_url(f"{base}/login/code/")
        except Exception as error:  # say where the sign-in went instead, and what the page said
            said = " ".join(page.locator("body").inner_text().split())[:400]
            raise AssertionError(f"{username}: after the password, {page.url} instead of the code: {said}") from error
        page.fill("input[name=code]", demo_code(username))
        page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(f"{base}/")
