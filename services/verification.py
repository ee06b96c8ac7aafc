"""Whole-ledger and audit-chain verification (SPEC section 8), and checkpoints of the chain (section 7)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from entities.audit import GENESIS_HASH, Checkpoint
from entities.clock import iso, utcnow
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


# SPEC section 17: a record may wait for the sealer briefly, never this long.
UNSEALED_GRACE = timedelta(minutes=1)


class VerificationService:
    def __init__(self, uow_factory):
        self.uow = uow_factory

    def run(self, checkpoint: Checkpoint | None = None) -> list[Check]:
        """Run every check in one read snapshot; with ``checkpoint``, also prove the log still holds it.
        On PostgreSQL the sealer is run to the end first, so what is left unsealed is what is in flight."""
        seal = getattr(self.uow, "seal", None)
        if seal is not None:
            seal()
        with self.uow(write=False) as uow:
            total, postings = uow.verification.ledger_total()
            checks = [Check("ledger_sums_to_zero", total == 0, postings, 0 if total == 0 else 1, f"sum={total}")]
            for name, query in (
                ("entries_balanced", uow.verification.unbalanced_entries),
                ("balances_match_postings", uow.verification.mismatched_balances),
                ("no_negative_balances", uow.verification.negative_balances),
                ("holds_match_reservations", uow.verification.unmatched_reservations),
                ("captures_match_entries", uow.verification.unmatched_captures),
                ("holds_audited", uow.verification.unaudited_holds),
                ("approvals_executed", uow.verification.unexecuted_approvals),
            ):
                checks.append(_check(name, *query()))
            walk = _ChainWalk(uow, checkpoint)
            checks.append(walk.intact_check())
            checks.append(_unsealed_check(walk.waiting, walk.oldest, sealed=walk.checked))
            checks.append(_check("journal_entries_audited", *uow.verification.unaudited_entries()))
            checks.append(_check("money_audit_has_entries", *uow.verification.unmatched_money_records()))
            missing, expected = uow.verification.missing_triggers()
            checks.append(_check("append_only_triggers_present", missing, expected, "missing or altered: "))
            if checkpoint is not None:
                checks.append(walk.checkpoint_check())
        return checks

    def checkpoint(self) -> Checkpoint:
        """The chain as it stands, for the operator's CLI."""
        with self.uow(write=False) as uow:
            return uow.audit.checkpoint()

    def issue_checkpoint(self, actor: Actor) -> Checkpoint:
        """Admin: the chain as it stands before this call's own audit record, which names the head."""
        with self.uow() as uow:
            if not actor.is_admin:
                deny(uow, actor, "audit.checkpoint", error=Forbidden)
            checkpoint = uow.audit.checkpoint()
            record(uow, actor, "audit.checkpoint", "success", **checkpoint.to_dict())
            uow.commit()
        return checkpoint

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


class _ChainWalk:
    """One pass over the log: the records whose link, keyed hash or MAC is wrong, the records not
    chained yet (and those of them no writer of ours wrote), whether that is every record the log
    holds, and what the log holds up to a checkpoint's last id."""

    def __init__(self, uow, checkpoint: Checkpoint | None):
        self.checkpoint = checkpoint
        limit = checkpoint.last_id if checkpoint else 0
        previous, self.checked, self.broken, self.broken_held = GENESIS_HASH, 0, [], []
        self.held, self.hash_at_last_id = 0, None
        within = bool(limit)  # walking the part of the chain the checkpoint covers (up to its last id)
        for entry, mac_right in uow.audit.walk():  # chain order: id order on SQLite, the sealer's on PostgreSQL
            self.checked += 1
            intact = mac_right and entry.prev_hash == previous and uow.audit.hash_of(entry) == entry.hash
            if not intact:
                self.broken.append(entry.id)
            previous = entry.hash
            if within:
                self.held += 1
                if not intact:
                    self.broken_held.append(entry.id)
            if entry.id == limit:
                self.hash_at_last_id = entry.hash
                within = False
        # PostgreSQL: what waits for the sealer must be what our writers wrote; nothing may be both
        # outside the chain and outside that queue (on SQLite the walk is the whole log).
        self.waiting, self.oldest = uow.audit.unsealed()
        self.broken = sorted({*self.broken, *uow.audit.unsealed_forgeries(), *uow.audit.copies()})
        self.total = uow.audit.count()

    def intact_check(self) -> Check:
        walked = self.checked + self.waiting
        problems = [_ids(self.broken)] if self.broken else []
        if walked != self.total:
            problems.append(f"{self.total} records in the log, {walked} walked")
        failures = len(self.broken) + (walked != self.total)
        return Check("audit_chain_intact", not problems, walked, failures, "; ".join(problems))

    def checkpoint_check(self) -> Check:
        point = self.checkpoint
        problems = []
        if point.last_id and self.hash_at_last_id is None:
            problems.append(f"record {point.last_id} is gone")
        elif point.last_id and self.hash_at_last_id != point.head:
            problems.append(f"record {point.last_id} has another hash")
        if self.held != point.count:
            problems.append(f"{self.held} records up to id {point.last_id}, the checkpoint holds {point.count}")
        broken = self.broken_held
        if broken:
            problems.append(_ids(broken))
        return Check("audit_extends_checkpoint", not problems, point.count, len(problems), "; ".join(problems))


def _unsealed_check(count: int, oldest: str | None, *, sealed: int) -> Check:
    """PostgreSQL's sealer chains records after their commit: report how many wait, fail if one waited
    longer than UNSEALED_GRACE (the sealer is down, or a writer forged a row without its chain)."""
    stale = oldest is not None and oldest < iso(utcnow() - UNSEALED_GRACE)
    detail = f"{count} waiting for the sealer, oldest {oldest}" if count else ""
    return Check("audit_all_sealed", not stale, sealed + count, 1 if stale else 0, detail)


def _check(name: str, bad: list, checked: int, label: str = "ids: ") -> Check:
    return Check(name, not bad, checked, len(bad), _ids(bad, label))


def _ids(ids: list, label: str = "ids: ") -> str:
    return "" if not ids else label + ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
