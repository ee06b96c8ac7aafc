"""Whole-ledger and audit-chain verification (SPEC section 8)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from entities.audit import GENESIS_HASH
from entities.errors import Forbidden
from entities.users import Actor
from services.audit import deny, record


@dataclass
class Check:
    name: str
    passed: bool
    checked: int
    failures: int
    detail: str = ""


class VerificationService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def run(self) -> list[Check]:
        """Run every check in one read snapshot."""
        with self.uow(write=False) as uow:
            total, postings = uow.verification.ledger_total()
            checks = [Check("ledger_sums_to_zero", total == 0, postings, 0 if total == 0 else 1, f"sum={total}")]
            bad, count = uow.verification.unbalanced_entries()
            checks.append(Check("entries_balanced", not bad, count, len(bad), _ids(bad)))
            bad, count = uow.verification.mismatched_balances()
            checks.append(Check("balances_match_postings", not bad, count, len(bad), _ids(bad)))
            bad, count = uow.verification.negative_balances()
            checks.append(Check("no_negative_balances", not bad, count, len(bad), _ids(bad)))
            checks.append(self._audit_chain(uow))
        return checks

    def _audit_chain(self, uow) -> Check:
        previous, checked, broken = GENESIS_HASH, 0, []
        for entry in uow.audit.iterate():
            checked += 1
            if entry.prev_hash != previous or entry.compute_hash() != entry.hash:
                broken.append(entry.id)
            previous = entry.hash
        return Check("audit_chain_intact", not broken, checked, len(broken), _ids(broken))

    def report(self, actor: Actor) -> dict:
        """Admin: run the checks and audit the run."""
        if not actor.is_admin:
            with self.uow() as uow:
                deny(uow, actor, "verify", error=Forbidden)
        checks = self.run()
        passed = all(c.passed for c in checks)
        with self.uow() as uow:
            record(uow, actor, "verify", "success" if passed else "failure")
            uow.commit()
        return {"passed": passed, "checks": [asdict(c) for c in checks]}


def _ids(ids: list[int]) -> str:
    return "" if not ids else "ids: " + ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
