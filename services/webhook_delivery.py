"""Webhook delivery (SPEC section 16): at least once, signed as Standard Webhooks do it, retried
with exponential backoff, its whole state in the database (webhook_jobs), so a restarted server
carries on where the last one stopped.

A pass: queue every new event for each live hook that subscribed to its type (the hook's
after_seq cursor), then attempt every due job (a few at a time: one slow receiver must not hold
the others up), each attempt recorded with its outcome and the next attempt's time. One pass runs
at a time across every instance (the worker lock, repository/worker_lock.py)."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from cryptography.fernet import InvalidToken

from entities import clock
from entities.clock import iso, now_iso
from entities.webhooks import Delivery, Job, retry_delay_seconds, sign
from repository.worker_lock import WorkerLock
from services.webhook_targets import RefusedTarget, check_target
from services.webhooks import WebhookSecrets

TIMEOUT_S = 5.0
PARALLEL = 8
DUE_BATCH = 64
FAN_OUT_BATCH = 500
WORKER_LOCK = 0x636F7265_686F6F6B  # "corehook": one delivery worker across every instance
USER_AGENT = "Corebank-Webhooks/1"

log = logging.getLogger("corebank.webhooks")


class Dispatcher:
    def __init__(
        self, uow_factory, settings, transport: httpx.BaseTransport | None = None, secrets: WebhookSecrets | None = None
    ):
        self.uow = uow_factory
        self.settings = settings
        self.secrets = secrets or WebhookSecrets(settings)
        # No redirects (a 3xx is a failed attempt, never a hop to an unchecked address), no proxy
        # from the environment (it would connect by name, past the address check).
        self.client = httpx.Client(
            timeout=TIMEOUT_S,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={"user-agent": USER_AGENT},
        )

    def run_once(self) -> int:
        """One pass (the caller holds the worker lock): queue new events, attempt what is due.
        Returns the number of attempts made."""
        self.fan_out()
        with self.uow(write=False) as uow:
            jobs = uow.webhooks.due(now_iso(), DUE_BATCH)
        if not jobs:
            return 0
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(jobs)), thread_name_prefix="corebank-webhook") as pool:
            return sum(pool.map(self.attempt, jobs))

    def fan_out(self) -> int:
        """Queue each new numbered event for every live hook subscribed to its type."""
        with self.uow(write=False) as uow:
            hooks, latest = uow.webhooks.live(), uow.events.latest_id()
        behind = [hook for hook in hooks if hook.after_seq < latest]
        if not behind:
            return 0
        queued, now = 0, now_iso()
        with self.uow() as uow:
            for hook in behind:
                batch = uow.events.page(hook.after_seq, FAN_OUT_BATCH)
                for event in batch:
                    if hook.wants(event.type):
                        uow.webhooks.queue(hook.id, event.id, self.settings.webhook_max_attempts, now)
                        queued += 1
                if batch:
                    uow.webhooks.advance(hook.id, batch[-1].id)
            uow.commit()
        return queued

    def attempt(self, job: Job) -> int:
        """POST the job's event to its hook once and record the outcome; 1 if an attempt was made."""
        with self.uow(write=False) as uow:
            hook, event = uow.webhooks.get(job.webhook_id), uow.events.get(job.event_id)
        if hook is None or event is None:  # deleted since it was found due
            return 0
        body = json.dumps(event.representation(), separators=(",", ":")).encode()
        status_code, error = self._post(hook, str(event.id), body)
        number = job.attempts + 1
        if status_code is not None and 200 <= status_code < 300:
            state, next_at = "delivered", None
        elif number >= job.max_attempts:
            state, next_at = "failed", None
        else:
            delay = retry_delay_seconds(number, self.settings.webhook_retry_seconds)
            state, next_at = "pending", iso(clock.utcnow() + timedelta(seconds=delay))
        delivery = Delivery(None, event.id, number, status_code, error, now_iso(), next_at)
        with self.uow() as uow:
            stored = uow.webhooks.record(job, delivery, state)
            uow.commit()
        return 1 if stored else 0

    def _post(self, hook, message_id: str, body: bytes) -> tuple[int | None, str | None]:
        timestamp = int(time.time())
        try:
            secret = self.secrets.revealed(hook)
        except InvalidToken:  # its key was dropped from CARD_KEYS too early: nothing is sent unsigned
            log.error("webhook %s: its signing secret is unreadable under every key in CARD_KEYS", hook.id)
            return None, "not sent: the signing secret is unreadable under the configured keys"
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
        }
        try:
            target = check_target(
                hook.url, allow_private=self.settings.webhook_allow_private, allow_http=self.settings.webhook_allow_http
            )
            extensions = {"sni_hostname": target.host} if target.url.startswith("https:") else {}
            with self.client.stream(
                "POST",
                target.pinned_url,
                content=body,
                headers={**headers, "host": target.host_header},
                extensions=extensions,
            ) as response:  # the answer's body is never read: only its status counts
                code = response.status_code
            return code, None if 200 <= code < 300 else f"answered {code}"
        except RefusedTarget as refused:
            return None, f"refused: {refused}"
        except httpx.TimeoutException:
            return None, f"no answer within {TIMEOUT_S:g} s"
        except httpx.HTTPError as failure:
            return None, f"{type(failure).__name__}: could not deliver"


class DeliveryWorker(threading.Thread):
    """The background deliverer of one process. Every process may run one; only the holder of the
    worker lock delivers, the others wait to take over (within INTERVAL_S of its death)."""

    INTERVAL_S = 0.5

    def __init__(self, dispatcher: Dispatcher, database_url: str):
        super().__init__(name="corebank-webhooks", daemon=True)
        self.dispatcher = dispatcher
        self.lock = WorkerLock(database_url, WORKER_LOCK, "webhooks")
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=TIMEOUT_S + 5)

    def run(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    if self.lock.acquire():
                        self.dispatcher.run_once()
                except Exception:  # the database is down, or a pass failed: the next one retries
                    log.exception("webhook delivery pass failed; retrying")
                self._stopped.wait(self.INTERVAL_S)
        finally:
            self.lock.release()


def deliver_once(dispatcher: Dispatcher, database_url: str) -> int | None:
    """One pass under the worker lock (``flask deliver-webhooks``); None when another worker holds it."""
    lock = WorkerLock(database_url, WORKER_LOCK, "webhooks")
    if not lock.acquire():
        return None
    try:
        return dispatcher.run_once()
    finally:
        lock.release()
