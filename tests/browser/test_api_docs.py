"""SPEC section 10, "API docs for people": /api/v1/docs renders the OpenAPI document with Swagger UI
(from npm), without a login and under the same strict CSP: no violation, no console error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_strict_csp(visitor, live_server):
    me = visitor("api-docs")
    page = me.page
    response = me.goto("/api/v1/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Corebank API")).to_be_visible()
    transfer = page.locator("#operations-money-transfer")
    expect(transfer).to_be_visible()
    transfer.locator(".opblock-summary").first.click()
    expect(transfer).to_contain_text("insufficient_funds")
    expect(transfer).to_contain_text("Idempotency-Key")
    expect(transfer).to_contain_text("4539578763")  # the request example
    SCREENSHOTS.mkdir(exist_ok=True)
    transfer.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "api-docs-transfer-1280.png")  # the screen a reader sees
    me.shoot("docs")
    assert me.watch.unexpected() == []
