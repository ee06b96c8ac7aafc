"""SPEC section 10 (issue 14, item 1): a statement read on a 390 px phone shows every amount and
balance whole, inside the screen; the scrolling region is reachable by keyboard; axe-core finds
nothing to fix at either size."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.conftest import PIN

pytestmark = pytest.mark.browser

# Every amount and balance cell must lie inside the screen and show its whole text.
CLIPPED = """() => {
  const cells = [...document.querySelectorAll(
    ".statement-lines tbody td:nth-child(3), .statement-lines tbody td:nth-child(4)")];
  return {
    count: cells.length,
    clipped: cells.filter((td) => {
      const box = td.getBoundingClientRect();
      return box.left < 0 || box.right > window.innerWidth || td.scrollWidth > td.clientWidth + 1;
    }).map((td) => td.textContent.trim()),
  };
}"""


def test_a_statement_at_390_px_shows_every_amount_whole(visitor, live_server):
    dana = live_server.user("Dana Scully")
    account = live_server.account(dana, 1_234_567_89)
    other = live_server.account(live_server.user("Walter Skinner"))
    services = live_server.services
    actor = type(live_server.counter)(user_id=dana.id, role=dana.role)
    for cents in (4_250, 661_53, 12_00):
        services.ledger.withdraw(actor, account.id, cents, PIN, "Groceries and a long memo for the line")
    services.ledger.transfer(actor, account.id, other.number, 99_999_99, PIN, "Rent")
    me = visitor("statement-phone")
    me.login(dana.email)
    me.goto(f"/statements?account_id={account.id}")
    me.page.set_viewport_size(PHONE)

    shown = me.page.evaluate(CLIPPED)
    assert shown["count"] == 10  # five lines: the cash deposit, three withdrawals, the transfer
    assert shown["clipped"] == []
    assert "-$42.50" in me.page.locator(".statement-lines").inner_text()
    region = me.page.locator(".table-wrap").first
    assert region.get_attribute("tabindex") == "0"
    me.page.keyboard.press("Tab")  # the region is in the tab order (after the links before it)
    assert me.axe_both_sizes("statement") == []
    me.shoot("statement")
    assert me.watch.unexpected() == []
