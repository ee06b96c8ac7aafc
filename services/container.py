"""Builds every service over one unit-of-work factory."""

from __future__ import annotations

from repository.unit_of_work import factory
from services.account_events import AccountEventService
from services.accounts import AccountService
from services.admin import AdminService
from services.approvals import ApprovalService
from services.audit import AuditService
from services.cards import CardService
from services.demo import DemoSeeder
from services.events import EventService
from services.holds import HoldService
from services.identity import IdentityService
from services.ledger import LedgerService
from services.mfa import MfaService
from services.overview import OverviewService
from services.settings import ServiceSettings
from services.statements import StatementService
from services.tokens import TokenService
from services.verification import VerificationService
from services.web_sessions import WebSessionService
from services.webhook_delivery import DeliveryWorker, Dispatcher, deliver_once
from services.webhooks import WebhookService


class Services:
    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.uow = factory(settings.database_url, audit_key=settings.audit_key, events_outbox=settings.events_outbox)
        self.audit = AuditService(self.uow)
        self.mfa = MfaService(self.uow, settings)
        self.identity = IdentityService(self.uow, settings, self.mfa)
        self.tokens = TokenService(self.uow, settings)
        self.web_sessions = WebSessionService(self.uow, settings)
        self.accounts = AccountService(self.uow, settings)
        self.ledger = LedgerService(self.uow, settings, self.mfa)
        self.cards = CardService(self.uow, settings, self.ledger)
        self.holds = HoldService(self.uow, settings, self.ledger)
        self.statements = StatementService(self.uow)
        self.admin = AdminService(self.uow, settings)
        self.approvals = ApprovalService(self.uow, self.ledger, self.admin)
        self.verification = VerificationService(self.uow)
        self.overview = OverviewService(self.uow)
        self.demo = DemoSeeder(self.uow, settings)
        self.events = EventService(self.uow)
        self.account_events = AccountEventService(self.uow)
        self.webhooks = WebhookService(self.uow, settings)
        self.dispatcher = Dispatcher(self.uow, settings, secrets=self.webhooks.secrets)
        self._worker: DeliveryWorker | None = None

    def start_delivery_worker(self) -> DeliveryWorker:
        """Start this process's webhook deliverer (run.py, in each server process; one delivers),
        after encrypting any signing secret an older version kept in clear."""
        if self._worker is None:
            self.webhooks.encrypt_clear_secrets()
            self._worker = DeliveryWorker(self.dispatcher, self.settings.database_url)
            self._worker.start()
        return self._worker

    def stop_delivery_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def deliver_webhooks(self) -> int | None:
        """One delivery pass now (``flask deliver-webhooks``); None if a running worker holds the lock."""
        return deliver_once(self.dispatcher, self.settings.database_url)
