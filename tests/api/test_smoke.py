def test_register_login_open_deposit_transfer(api, client):
    _, alice = api.customer("Alice Cooper")
    source = api.funded_account(alice, 10_000)
    target = api.account(alice, type="savings")
    response = api.transfer(alice, source["id"], target["number"], 2_500)
    assert response.status_code == 201
    assert response.json["postings"][0]["balance_after_cents"] == 7_500
    assert api.get_account(alice, target["id"])["balance_cents"] == 2_500
