"""The live status page in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The page is loaded, given the token, shows a connector fail and recover by itself, then fail
past its restart budget, and an operator click on Restart brings it back. The daemon's time is
a ManualClock, so every transition happens when the test says, and each is awaited on the page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import TOKEN, recording

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def browser_page() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.script_errors = errors  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()  # before the daemon stops: no keep-alive connection left open


def test_the_page_shows_a_connector_fail_and_recover_and_its_restart_button_works(start_admin, browser_page):
    page = browser_page
    admin = start_admin(recording("flaky", fail_every=2), recording("steady"), token=TOKEN,
                        policy={"initial_backoff": "2s", "jitter": 0, "max_restarts": 1, "window": "60s"})
    admin.wait_refreshed("flaky")
    row = page.locator('tr[data-connector="flaky"]')
    state = row.locator(".state")

    page.goto(admin.url + "/?interval=150")
    expect(page.locator("#message")).to_contain_text("admin token")  # no token yet: 401, asked for
    page.fill("#token", TOKEN)
    page.click("#token-form button[type=submit]")
    expect(state).to_have_text("WAITING")
    expect(page.locator('tr[data-connector="steady"] .state')).to_have_text("WAITING")

    admin.wait_planned("flaky")
    admin.clock.advance(5.0)  # refresh 2 fails: restarted after 2 s
    expect(state).to_have_text("RESTARTING")
    expect(row.locator("td.error")).to_contain_text("refresh 2 failed on purpose")
    expect(row.locator("td").nth(4)).to_contain_text("retry 2026-01-01 00:00:07")

    admin.wait_status("flaky", ConnectorStatus.RESTARTING)
    admin.clock.advance(2.0)  # the retry: a fresh instance whose first refresh (3) works
    expect(state).to_have_text("WAITING")
    expect(row.locator("td.number").first).to_have_text("1")  # one restart

    LOG.wait_for("flaky", "refresh", 3)
    admin.wait_planned("flaky")
    admin.clock.advance(5.0)  # refresh 4 fails: past the budget of 1 restart
    expect(state).to_have_text("FAILED")
    expect(row.locator("td.error")).to_contain_text("gave up")

    row.locator('button[data-action="restart"]').click()
    expect(page.locator("#message")).to_have_text("restart requested for flaky")
    expect(state).to_have_text("WAITING")
    assert LOG.count("flaky", "start") == 3
    expect(row.locator("td.error")).to_have_text("")  # an operator restart clears the error ...
    expect(row.locator("td.number").first).to_have_text("1")  # ... and the count of automatic restarts stays
    assert page.evaluate("sessionStorage.getItem('integration-daemon-token')") == TOKEN
    assert page.script_errors == []  # type: ignore[attr-defined]


def test_the_pause_button_pauses_and_then_resumes_a_connector(start_admin, browser_page):
    page = browser_page
    admin = start_admin(recording("alpha"))  # no token configured: the page works without one
    page.goto(admin.url + "/?interval=150")
    row = page.locator('tr[data-connector="alpha"]')
    expect(row.locator(".state")).to_have_text("WAITING")
    row.locator('button[data-action="pause"]').click()
    expect(row.locator(".state")).to_have_text("PAUSED")
    row.locator('button[data-action="resume"]').click()
    expect(row.locator(".state")).to_have_text("WAITING")
    assert admin.report("alpha").paused is False
