"""Playwright against a live server on 127.0.0.1 (a free port, a fresh SQLite file), with Debian's Chromium.

Every page the journeys visit is screenshotted at 1280x800 and 390x844 into tests/browser/screenshots/,
checked for horizontal overflow at 390 px, and watched for console errors and CSP violations."""

from __future__ import annotations

import itertools
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from entities.users import Actor, Role
from tests.conftest import PASSWORD, PIN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
# axe-core from the npm registry (the Makefile's test target fetches it; never committed).
AXE = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  const where = (v) => v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ");
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${where(v)}`);
}"""
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
_emails = itertools.count(1)


@pytest.fixture(scope="session")
def browser():
    required = os.environ.get("COREBANK_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
    except Exception as exc:  # the package or its driver is missing
        if required:
            pytest.fail(f"Playwright is not usable: {exc}")
        pytest.skip(f"Playwright is not usable: {exc}")
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:
        playwright.stop()
        if required:
            pytest.fail(f"Chromium cannot be launched from {CHROMIUM}: {exc}")
        pytest.skip(f"Chromium cannot be launched from {CHROMIUM}: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.services = app.extensions["corebank"]
        self.counter = Actor(role=Role.TELLER, ip="test", user_agent="browser fixture")
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)

    # arranging state directly through the services
    def user(self, full_name, role="customer"):
        email = f"browser{next(_emails)}@example.com"
        return self.services.identity.register(Actor(), email, PASSWORD, full_name, role=Role(role))

    def account(self, user, amount_cents=0, type="checking"):
        actor = Actor(user_id=user.id, role=user.role)
        account = self.services.accounts.open(actor, type, PIN)
        if amount_cents:  # cash at the counter from a teller who is not the owner (staff never fund their own)
            self.services.ledger.deposit(self.counter, account.id, amount_cents)
        return account

    def carded(self, full_name, amount_cents):
        """A new customer with a funded checking account and its debit card: (user, account, card)."""
        user = self.user(full_name)
        account = self.account(user, amount_cents)
        card = self.services.cards.issue(Actor(user_id=user.id, role=user.role), account.id).card
        return user, account, card


@pytest.fixture(scope="module")
def live_settings():
    """Settings a test module adds to its live server's (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, live_settings):
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "DATABASE_URL": f"sqlite:///{folder / 'corebank.db'}",
            "BCRYPT_COST": 4,
            "RATELIMIT_ENABLED": False,
            "LOG_DIR": str(folder / "logs"),
            **live_settings,
        }
    )
    server = LiveServer(app).start()
    yield server
    server.stop()


class Watcher:
    """Console errors, uncaught page errors and CSP violations seen by one browser context."""

    def __init__(self):
        self.problems: list[str] = []

    def console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def page_error(self, error):
        self.problems.append(f"page error: {error}")

    def csp(self, source, detail):
        self.problems.append(f"CSP violation: {detail}")

    def unexpected(self, allow=()):
        """Problems, minus the network errors a test provoked on purpose (e.g. a wrong password's 401)."""
        allowed = [re.compile(pattern) for pattern in allow]
        return [p for p in self.problems if not any(a.search(p) for a in allowed)]


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : "";
  const source = `${event.sourceFile}:${event.lineNumber}`;
  const blocked = event.blockedURI || "inline";
  window.reportCspViolation(`${event.violatedDirective} blocked ${blocked} at ${source} on ${where}`);
});
"""


class Visitor:
    """One person at one browser: a page, its watcher, and a screenshot helper."""

    def __init__(self, browser, base_url, name):
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(viewport=DESKTOP, base_url=base_url)
        self.watch = Watcher()
        self.context.expose_binding("reportCspViolation", self.watch.csp)
        self.context.add_init_script(CSP_LISTENER)
        self.page = self.context.new_page()
        self.page.on("console", self.watch.console)
        self.page.on("pageerror", self.watch.page_error)
        self.page.set_default_timeout(10_000)

    def goto(self, path):
        response = self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return response

    def shoot(self, label):
        """Screenshot at desktop and phone sizes; at 390 px nothing may overflow the page sideways."""
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.wait_for_load_state("networkidle")
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{label}-1280.png", full_page=True)
        self.page.set_viewport_size(PHONE)
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{label}-390.png", full_page=True)
        self.page.set_viewport_size(DESKTOP)
        assert overflow <= 0, f"{label} overflows 390 px by {overflow} px"

    def axe(self) -> list[str]:
        """axe-core's violations on the page as it is now. The script is evaluated through the
        browser's debugging protocol, which the page's CSP does not govern (an injected <script>
        would be refused as inline)."""
        if not AXE.exists():
            message = f"axe-core is missing at {AXE}: run make test (or make {AXE.relative_to(AXE.parents[2])})"
            if os.environ.get("COREBANK_REQUIRE_BROWSER") == "1":
                pytest.fail(message)
            pytest.skip(message)
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text())
        return self.page.evaluate(AXE_RUN)

    def axe_both_sizes(self, label: str = "") -> list[str]:
        """axe-core at 1280x800 and at 390x844, each violation tagged with its size."""
        found = [f"1280 {label}: {v}" for v in self.axe()]
        self.page.set_viewport_size(PHONE)
        try:
            found += [f"390 {label}: {v}" for v in self.axe()]
        finally:
            self.page.set_viewport_size(DESKTOP)
        return found

    def mark_document(self):
        """Tag the live document: if the tag survives an action, the page was not reloaded."""
        self.page.evaluate("document.documentElement.dataset.sameDocument = 'yes'")

    def same_document(self) -> bool:
        return self.page.evaluate("document.documentElement.dataset.sameDocument === 'yes'")

    def login(self, email, password=PASSWORD):
        self.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as answer:
            self.page.get_by_role("button", name="Log in").click()
        if answer.value.status == 204:  # HX-Redirect: wait until the browser has left the login page
            self.page.wait_for_url(lambda url: "/login" not in url)
            self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser, live_server):
    opened = []

    def open_visitor(name):
        person = Visitor(browser, live_server.url, name)
        opened.append(person)
        return person

    yield open_visitor
    for person in opened:
        person.close()
