"""A second factor for tests: enrol through the API, and a clock that moves so each code is new."""

from __future__ import annotations

from datetime import timedelta

from entities import clock, mfa
from services.totp import code_at
from tests.conftest import PASSWORD


class TotpClock:
    """entities.clock.utcnow, shifted: ``tick()`` moves one 30-second step on, so the next code is
    one the server has not accepted yet (a code counts once)."""

    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        real = clock.utcnow
        monkeypatch.setattr(clock, "utcnow", lambda: real() + self.offset)
        self._real = real

    def now(self):
        return self._real() + self.offset

    def tick(self, steps: int = 1) -> None:
        self.offset += timedelta(seconds=mfa.STEP_SECONDS * steps)

    def code(self, secret: str) -> str:
        """The code of the next step (advancing the clock first): one the server has not accepted yet."""
        self.tick()
        return code_at(secret, mfa.step_of(self.now()))


def enrol(client, headers, totp: TotpClock, password: str = PASSWORD) -> tuple[str, list[str]]:
    """Enrol and confirm a factor through the API: (secret, recovery codes)."""
    response = client.post("/api/v1/me/mfa", json={"password": password}, headers=headers)
    assert response.status_code == 201, response.json
    secret = response.json["secret"]
    response = client.post("/api/v1/me/mfa/confirm", json={"code": totp.code(secret)}, headers=headers)
    assert response.status_code == 200, response.json
    return secret, response.json["recovery_codes"]


def login_with_code(client, email: str, secret: str, totp: TotpClock, password: str = PASSWORD) -> dict:
    """Both login steps: the token pair."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200 and response.json["mfa_required"] is True, response.json
    response = client.post(
        "/api/v1/auth/mfa", json={"mfa_token": response.json["mfa_token"], "code": totp.code(secret)}
    )
    assert response.status_code == 200, response.json
    return response.json
