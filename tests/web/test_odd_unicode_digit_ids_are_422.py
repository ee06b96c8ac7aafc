"""An id made of Unicode digits that are not ASCII 0-9 ("²", "١", "１") is a 422 on web forms and
filters, never a 500."""

import pytest

# str.isdigit() accepts "²" and "١", which int() refuses or reads as another id: these were 500s.
ODD_DIGITS = ["²", "١", "１"]


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_an_odd_unicode_digit_account_id_is_422_not_500(web, client, digits):
    web.account(web.customer())
    assert client.get("/statements", query_string={"account_id": digits}).status_code == 422
    assert web.post("/cards", {"account_id": digits}).status_code == 422


@pytest.mark.parametrize("digits", ODD_DIGITS)
def test_an_odd_unicode_digit_audit_actor_filter_is_422_not_500(web, client, digits):
    web.staff("admin")
    assert client.get("/admin/audit", query_string={"actor_id": digits}).status_code == 422
