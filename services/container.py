"""Builds every service over one unit-of-work factory."""

from __future__ import annotations

from repository.unit_of_work import factory
from services.accounts import AccountService
from services.admin import AdminService
from services.audit import AuditService
from services.cards import CardService
from services.demo import DemoSeeder
from services.holds import HoldService
from services.identity import IdentityService
from services.ledger import LedgerService
from services.overview import OverviewService
from services.settings import ServiceSettings
from services.statements import StatementService
from services.tokens import TokenService
from services.verification import VerificationService
from services.web_sessions import WebSessionService


class Services:
    def __init__(self, settings: ServiceSettings):
        self.settings = settings
        self.uow = factory(settings.database_url, audit_key=settings.audit_key)
        self.audit = AuditService(self.uow)
        self.identity = IdentityService(self.uow, settings)
        self.tokens = TokenService(self.uow, settings)
        self.web_sessions = WebSessionService(self.uow, settings)
        self.accounts = AccountService(self.uow, settings)
        self.ledger = LedgerService(self.uow, settings)
        self.cards = CardService(self.uow, settings, self.ledger)
        self.holds = HoldService(self.uow, settings, self.ledger)
        self.statements = StatementService(self.uow)
        self.admin = AdminService(self.uow, settings)
        self.verification = VerificationService(self.uow)
        self.overview = OverviewService(self.uow)
        self.demo = DemoSeeder(self.uow, settings)
