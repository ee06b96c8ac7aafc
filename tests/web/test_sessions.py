"""Web sessions (SPEC section 2): idle and absolute timeouts, listing and ending sessions, password change."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from entities.clock import iso, parse_iso, utcnow
from tests.conftest import PASSWORD

HX = {"HX-Request": "true"}


def _age_session(web, **ago):
    web.sql("UPDATE sessions SET last_seen_at = ?", iso(utcnow() - timedelta(**ago)))


def test_a_session_idle_for_more_than_15_minutes_is_refused(web, client):
    web.customer()
    _age_session(web, minutes=16)
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_a_session_idle_for_14_minutes_still_works_and_is_refreshed(web, client):
    web.customer()
    _age_session(web, minutes=14)
    assert client.get("/").status_code == 200
    (last_seen,) = web.sql("SELECT last_seen_at FROM sessions")[0]
    assert last_seen > iso(utcnow() - timedelta(minutes=1))


def test_an_idle_session_on_htmx_gets_hx_redirect(web, client):
    web.customer()
    _age_session(web, minutes=16)
    response = client.get("/dashboard/overview", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_a_session_past_its_absolute_12_hours_is_refused(web, client):
    web.customer()
    web.sql("UPDATE sessions SET expires_at = ?", iso(utcnow() - timedelta(seconds=1)))
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_security_page_lists_sessions_and_marks_this_one(web, client, services):
    user = web.customer()
    services.tokens.issue(web.actor(user), user)  # an API login elsewhere
    body = client.get("/settings/security").get_data(as_text=True)
    assert "This session" in body
    assert body.count("End session") == 1  # only the other one can be ended here
    assert "API" in body


def test_ending_another_session_revokes_it(web, client, services):
    user = web.customer()
    services.tokens.issue(web.actor(user), user)
    (api_id,) = web.sql("SELECT id FROM sessions WHERE kind = 'api'")[0]
    response = web.post(f"/settings/sessions/{api_id}/end", htmx=True)
    assert response.status_code == 200
    assert "sessions-changed" in response.headers["HX-Trigger"]
    assert web.sql("SELECT revoked_at IS NOT NULL FROM sessions WHERE id = ?", api_id) == [(1,)]


def test_ending_someone_elses_session_is_404(web, client):
    other = web.user("Other Person")
    other_client = client.application.test_client()
    token = other_client.get("/login").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    other_client.post("/login", data={"email": other.email, "password": PASSWORD, "csrf_token": token})
    (other_id,) = web.sql("SELECT id FROM sessions WHERE user_id = ?", other.id)[0]
    web.customer()
    response = web.post(f"/settings/sessions/{other_id}/end")
    assert response.status_code == 404
    assert web.sql("SELECT revoked_at FROM sessions WHERE id = ?", other_id) == [(None,)]


def test_password_change_keeps_this_session_and_revokes_the_others(web, client, services):
    user = web.customer()
    services.tokens.issue(web.actor(user), user)
    response = web.post(
        "/settings/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase"}, htmx=True
    )
    assert response.status_code == 200
    assert "Password changed" in response.headers["HX-Trigger"]
    assert web.sql("SELECT kind, revoked_at IS NOT NULL FROM sessions ORDER BY kind") == [("api", 1), ("web", 0)]
    assert client.get("/").status_code == 200


def test_password_change_with_the_wrong_current_password_shows_the_field_error(web):
    web.customer()
    response = web.post(
        "/settings/password", {"current_password": "not my password", "new_password": "a brand new passphrase"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="password-current_password-error"' in body
    assert "is incorrect" in body


def test_profile_time_zone_changes_how_times_are_shown(web, client):
    user = web.customer()
    account = web.account(user, 1_000)
    (created_at,) = web.sql("SELECT created_at FROM postings WHERE account_id = ?", account.id)[0]
    moment = parse_iso(created_at)
    shown = 'datetime="%Y-%m-%dT%H:%M%z"'  # the <time> element carries the local time and its offset
    assert moment.strftime(shown) in client.get(f"/accounts/{account.id}").get_data(as_text=True)
    response = web.post("/settings/profile", {"full_name": user.full_name, "timezone": "Asia/Tokyo"})
    assert response.status_code == 303
    tokyo = moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime(shown)
    assert tokyo in client.get(f"/accounts/{account.id}").get_data(as_text=True)


def test_unknown_time_zone_is_a_field_error(web):
    web.customer()
    response = web.post("/settings/profile", {"full_name": "Name", "timezone": "Mars/Olympus"}, htmx=True)
    assert response.status_code == 422
    assert "unknown time zone" in response.get_data(as_text=True)


def test_idle_expired_web_sessions_are_not_listed(web, services):
    user = web.customer()
    _age_session(web, minutes=16)
    assert services.web_sessions.list(web.actor(user)) == []
    _age_session(web, minutes=5)
    assert len(services.web_sessions.list(web.actor(user))) == 1
