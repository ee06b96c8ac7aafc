"""Webhooks (SPEC section 16), the admin's side: register, list, delete, deliveries, send again.
Delivery itself is services/webhook_delivery.py."""

from __future__ import annotations

from entities import valid_id
from entities.clock import now_iso
from entities.errors import FieldErrors, Forbidden, ValidationFailed, not_visible
from entities.text import clean_text
from entities.users import Actor
from entities.webhooks import SECRET_PREFIX, Job, Webhook, check_event_types, new_secret
from services.audit import deny, reason_details, record
from services.card_cipher import ROTATION_BATCH, CardCipher, rotate_stored
from services.webhook_targets import RefusedTarget, check_target

MAX_DESCRIPTION = 200
MAX_DELIVERIES_PAGE = 200


class WebhookSecrets:
    """Signing secrets at rest: encrypted under CARD_KEYS (MultiFernet, like PANs and second factors),
    so a copy of the database alone cannot sign a delivery a receiver would believe."""

    def __init__(self, settings):
        self.settings = settings
        self._cipher: CardCipher | None = None

    @property
    def cipher(self) -> CardCipher:
        if self._cipher is None:  # built on first use, as the card service's
            self._cipher = CardCipher(self.settings.card_keys)
        return self._cipher

    def stored(self, secret: str) -> str:
        return self.cipher.encrypt(secret)

    def revealed(self, hook: Webhook) -> str:
        """The secret that signs ``hook``'s deliveries (cryptography's InvalidToken if no key reads it)."""
        if hook.secret_enc.startswith(SECRET_PREFIX):  # registered before encryption, not rotated yet
            return hook.secret_enc
        return self.cipher.decrypt(hook.secret_enc)

    def rotated(self, stored: str) -> str:
        """Under the newest key; a secret kept before encryption is encrypted now."""
        return self.cipher.encrypt(stored) if stored.startswith(SECRET_PREFIX) else self.cipher.rotate(stored)


class WebhookService:
    def __init__(self, uow_factory, settings, secrets: WebhookSecrets | None = None):
        self.uow = uow_factory
        self.settings = settings
        self.secrets = secrets or WebhookSecrets(settings)

    def register(self, actor: Actor, url, events, description=None) -> Webhook:
        """Admin: subscribe ``url`` to ``events`` (types, or ["*"]) from now on. The URL must be a
        public https:// one (see webhook_targets). The answer carries the secret, shown only here."""
        self._admin_only(actor, "webhook.create", None)
        found = FieldErrors()
        found.check(self._target, url)
        found.check(check_event_types, events)
        description = found.check(clean_text, description, "description", MAX_DESCRIPTION, required=False)
        found.raise_any()
        secret = new_secret()
        with self.uow() as uow:
            hook = Webhook(
                id=None,
                url=url,
                events=list(events),
                description=description,
                created_at=now_iso(),
                secret=secret,
                created_by=actor.user_id,
                secret_enc=self.secrets.stored(secret),
            )
            uow.webhooks.add(hook)
            record(uow, actor, "webhook.create", "success", "webhook", hook.id, url=url, events=hook.events)
            uow.commit()
        return hook

    def rotate_keys(self, actor: Actor, batch: int = ROTATION_BATCH) -> int:
        """Re-encrypt every hook's signing secret under the newest key in CARD_KEYS (``flask
        rotate-card-keys``), encrypting any kept from before secrets were encrypted; the number of hooks."""
        return rotate_stored(
            self.uow,
            actor,
            rows=lambda uow, after, size: uow.webhooks.secrets_after(after, size),
            save=lambda uow, hook_id, token: uow.webhooks.save_secret(hook_id, token),
            rotate=self.secrets.rotated,
            action="webhook.rotate_keys",
            resource_type="webhook",
            batch=batch,
        )

    def encrypt_clear_secrets(self) -> int:
        """Encrypt the signing secrets an older version stored in clear (when a server starts its
        deliverer, after the migrations: they are SQL only, and a database copy must not hold a
        secret that signs). Each one in the same transaction as its audit record; safe with two
        instances starting at once."""
        with self.uow(write=False) as uow:
            if not uow.webhooks.clear_secrets():
                return 0
        encrypted = 0
        with self.uow() as uow:
            for hook_id, secret in uow.webhooks.clear_secrets():
                if uow.webhooks.replace_secret(hook_id, secret, self.secrets.stored(secret)):
                    record(uow, Actor(), "webhook.secret_encrypted", "success", "webhook", hook_id)
                    encrypted += 1
            uow.commit()
        return encrypted

    def _target(self, url) -> None:
        try:
            check_target(
                url,
                allow_private=self.settings.webhook_allow_private,
                allow_http=self.settings.webhook_allow_http,
                must_resolve=False,  # checked again, resolved, at every delivery
            )
        except RefusedTarget as refused:
            raise ValidationFailed(errors=[{"field": "url", "message": str(refused)}]) from None

    def list(self, actor: Actor) -> list[Webhook]:
        self._admin_only(actor, "webhook.list", None)
        with self.uow(write=False) as uow:
            return uow.webhooks.live()

    def delete(self, actor: Actor, hook_id, reason: str | None = None) -> None:
        """Admin: stop the hook; nothing more is sent to it (its queued deliveries included). The
        audit keeps ``reason`` (the pages ask for one; the API may not have one)."""
        self._admin_only(actor, "webhook.delete", hook_id)
        why = reason_details(reason)
        with self.uow() as uow:
            if not valid_id(hook_id) or not uow.webhooks.delete(hook_id, now_iso()):
                raise not_visible("webhook", hook_id)
            record(uow, actor, "webhook.delete", "success", "webhook", hook_id, **why)
            uow.commit()

    def deliveries(self, actor: Actor, hook_id, *, after: int | None = None, limit: int = 50):
        """Admin: the hook's delivery attempts, oldest first. Returns (deliveries, next_cursor)."""
        self._admin_only(actor, "webhook.deliveries", hook_id)
        with self.uow(write=False) as uow:
            if not valid_id(hook_id) or uow.webhooks.get(hook_id) is None:
                raise not_visible("webhook", hook_id)
            found = uow.webhooks.deliveries(hook_id, after, limit + 1)
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)

    def recent_deliveries(self, actor: Actor, hook_id, *, before: int | None = None, limit: int = 10):
        """Admin: the hook's latest delivery attempts, newest first, each with its event's type (the
        admin page). Returns (deliveries, next_cursor)."""
        self._admin_only(actor, "webhook.deliveries", hook_id)
        limit = max(1, min(limit, MAX_DELIVERIES_PAGE))
        with self.uow(write=False) as uow:
            if not valid_id(hook_id) or uow.webhooks.get(hook_id) is None:
                raise not_visible("webhook", hook_id)
            found = uow.webhooks.recent_deliveries(hook_id, before, limit + 1)
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)

    def redeliver(self, actor: Actor, hook_id, delivery_id) -> Job:
        """Admin: send the event of that delivery again, now, with a fresh set of attempts."""
        self._admin_only(actor, "webhook.redeliver", hook_id)
        with self.uow() as uow:
            if not (valid_id(hook_id) and valid_id(delivery_id)) or uow.webhooks.get(hook_id) is None:
                raise not_visible("webhook", hook_id)
            job = uow.webhooks.requeue(hook_id, delivery_id, self.settings.webhook_max_attempts, now_iso())
            if job is None:
                raise not_visible("delivery", delivery_id)
            record(uow, actor, "webhook.redeliver", "success", "webhook", hook_id, event_id=job.event_id)
            uow.commit()
        return job

    def _admin_only(self, actor: Actor, action: str, resource_id) -> None:
        """Webhooks are an admin's: anyone else is audited and refused (403)."""
        if not actor.is_admin:
            with self.uow() as uow:
                deny(uow, actor, action, "webhook", resource_id, error=Forbidden)
