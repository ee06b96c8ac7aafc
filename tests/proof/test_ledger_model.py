"""Model-based test: Hypothesis drives services.ledger (and the account status changes that
matter to it) with random sequences of deposits, withdrawals, transfers, teller reversals,
freezes, wrong PINs, unlocks and idempotent retries, and compares every outcome with a plain
in-memory model. After every step: balances, statuses and PIN locks match the model, no
balance is negative, and verification (SPEC section 8) passes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from app import create_app
from entities.errors import DomainError
from entities.ledger import JournalEntry
from entities.users import Actor, Role
from services.idempotency import IdempotentRequest, Replayed

PIN, WRONG_PIN = "2468", "1357"
PASSWORD = "model based password 1"
VAULT = "vault"
_run = itertools.count(1)

amounts = st.one_of(st.integers(min_value=1, max_value=5_000), st.integers(min_value=1, max_value=80_000))
account_index = st.integers(min_value=0, max_value=2)
mostly_true = st.integers(min_value=0, max_value=4).map(bool)  # 4 in 5: most PINs are right
OPENING_CENTS = 20_000
PIN_UNLOCKS_PER_DAY = 3  # the default (SPEC section 1); a model run lasts well under 24 hours


def render(entry, error) -> tuple[int, dict]:
    """What the API would answer; here only its identity matters."""
    if error is None:
        return 201, {"entry_id": entry.id}
    return 422, {"code": error.code, "entry_id": error.extra.get("entry_id")}


@dataclass
class Entry:
    kind: str
    debit: int | str  # account id or VAULT
    credit: int | str
    amount: int
    posted: bool
    reversed: bool = False


@dataclass
class Remembered:
    """A key whose first answer was stored: how to send the same request again, and that answer."""

    actor: Actor
    key: str
    call: object  # idem -> result
    fingerprint: str
    answer: tuple[int, dict]


class LedgerMachine(RuleBasedStateMachine):
    services = None  # set by the test: one app per test run, fresh customers per example

    def __init__(self):
        super().__init__()
        run = next(_run)
        self.teller = self._user(f"model-teller-{run}", Role.TELLER)
        self.admin = self._user(f"model-admin-{run}", Role.ADMIN)
        self.alice = self._user(f"model-alice-{run}", Role.CUSTOMER)
        self.bob = self._user(f"model-bob-{run}", Role.CUSTOMER)
        owners = [self.alice, self.alice, self.bob]
        self.accounts = [self.services.accounts.open(owner, "checking", PIN) for owner in owners]
        self.owner = {a.id: owner for a, owner in zip(self.accounts, owners, strict=True)}
        self.balance = {a.id: 0 for a in self.accounts}
        self.frozen = {a.id: False for a in self.accounts}
        self.pin_failures = {a.id: 0 for a in self.accounts}
        self.locked = {a.id: False for a in self.accounts}
        self.teller_unlocks = {a.id: 0 for a in self.accounts}
        self.entries: dict[int, Entry] = {}
        self.remembered: list[Remembered] = []
        self.keys = itertools.count(1)
        for index in range(len(self.accounts)):
            self.deposit(index, OPENING_CENTS, by_teller=True, keyed=False)

    def _user(self, name: str, role: Role) -> Actor:
        user = self.services.identity.register(Actor(), f"{name}@example.com", PASSWORD, name.title(), role=role)
        return Actor(user_id=user.id, role=role)

    def _account(self, index: int) -> int:
        return self.accounts[index].id

    # --- the operations -------------------------------------------------------------------
    @rule(index=account_index, amount=amounts, by_teller=st.booleans(), keyed=st.booleans())
    def deposit(self, index, amount, by_teller, keyed):
        account_id = self._account(index)
        actor = self.teller if by_teller else self.owner[account_id]
        expected = "account_unavailable" if self.frozen[account_id] else None
        self._run(
            actor,
            f"deposit {account_id} {amount}",
            keyed,
            lambda idem: self.services.ledger.deposit(actor, account_id, amount, None, idem),
            expected,
            Entry("deposit", VAULT, account_id, amount, expected is None),
        )

    @rule(index=account_index, amount=amounts, right_pin=mostly_true, keyed=st.booleans())
    def withdraw(self, index, amount, right_pin, keyed):
        account_id = self._account(index)
        actor = self.owner[account_id]
        pin = PIN if right_pin else WRONG_PIN
        expected = self._pin_outcome(account_id, right_pin) or self._decline([account_id], account_id, amount)
        self._run(
            actor,
            f"withdraw {account_id} {amount} {pin}",
            keyed,
            lambda idem: self.services.ledger.withdraw(actor, account_id, amount, pin, None, idem),
            expected,
            Entry("withdrawal", account_id, VAULT, amount, expected is None),
        )

    @rule(source=account_index, offset=st.integers(0, 5), amount=amounts, right_pin=mostly_true, keyed=st.booleans())
    def transfer(self, source, offset, amount, right_pin, keyed):
        to = (source + offset) % len(self.accounts)  # offset 0 or 3: the same account, refused
        source_id, target_id = self._account(source), self._account(to)
        actor = self.owner[source_id]
        number = self.accounts[to].number
        pin = PIN if right_pin else WRONG_PIN
        if source_id == target_id:
            expected = "same_account"  # validation: nothing recorded, the PIN is not even checked
        else:
            expected = self._pin_outcome(source_id, right_pin) or self._decline(
                [source_id, target_id], source_id, amount
            )
        self._run(
            actor,
            f"transfer {source_id} {number} {amount} {pin}",
            keyed,
            lambda idem: self.services.ledger.transfer(actor, source_id, number, amount, pin, None, idem),
            expected,
            Entry("transfer", source_id, target_id, amount, expected is None),
        )

    @precondition(lambda self: self.entries)
    @rule(pick=st.integers(min_value=0, max_value=10**6), keyed=st.booleans())
    def reverse(self, pick, keyed):
        self._reverse(sorted(self.entries)[pick % len(self.entries)], keyed)

    @precondition(lambda self: any(e.posted and not e.reversed and e.kind != "reversal" for e in self.entries.values()))
    @rule(keyed=st.booleans())
    def reverse_the_latest_posting(self, keyed):
        """Most reversals of a random entry are refused; this one usually posts (or is declined for funds)."""
        candidates = [i for i, e in self.entries.items() if e.posted and not e.reversed and e.kind != "reversal"]
        self._reverse(max(candidates), keyed)

    def _reverse(self, entry_id: int, keyed: bool) -> None:
        original = self.entries[entry_id]
        back_from, back_to = original.credit, original.debit
        if not original.posted or original.kind == "reversal":
            expected = "not_reversible"
        elif original.reversed:
            expected = "already_reversed"
        elif back_from != VAULT and self.balance[back_from] < original.amount:
            expected = "insufficient_funds"  # frozen accounts still take a teller's reversal
        else:
            expected = None
        outcome = self._run(
            self.teller,
            f"reverse {entry_id}",
            keyed,
            lambda idem: self.services.ledger.reverse(self.teller, entry_id, None, idem),
            expected,
            Entry("reversal", back_from, back_to, original.amount, expected is None),
        )
        if outcome is not None and expected is None:
            original.reversed = True

    @rule(index=account_index)
    def customer_cannot_reverse(self, index):
        account_id = self._account(index)
        if self.entries:
            self._expect_error(
                "forbidden", lambda: self.services.ledger.reverse(self.owner[account_id], max(self.entries))
            )

    @rule(index=account_index, amount=amounts)
    def other_customer_gets_not_found(self, index, amount):
        account_id = self._account(index)
        stranger = self.bob if self.owner[account_id] is self.alice else self.alice
        self._expect_error("not_found", lambda: self.services.ledger.deposit(stranger, account_id, amount))
        self._expect_error("not_found", lambda: self.services.ledger.withdraw(stranger, account_id, amount, PIN))

    @rule(index=account_index, freeze=st.booleans())
    def freeze_or_unfreeze(self, index, freeze):
        account_id = self._account(index)
        change = self.services.accounts.freeze if freeze else self.services.accounts.unfreeze
        change(self.teller, account_id)
        self.frozen[account_id] = freeze

    @rule(index=account_index, by_admin=st.booleans())
    def unlock(self, index, by_admin):
        """A teller lifts one account's PIN lock at most PIN_UNLOCKS_PER_DAY (3) times a day; an admin always."""
        account_id = self._account(index)
        if not by_admin and self.teller_unlocks[account_id] >= PIN_UNLOCKS_PER_DAY:
            self._expect_error("unlock_limit", lambda: self.services.accounts.unlock(self.teller, account_id))
            return
        self.services.accounts.unlock(self.admin if by_admin else self.teller, account_id)
        self.teller_unlocks[account_id] += 0 if by_admin else 1
        self.pin_failures[account_id], self.locked[account_id] = 0, False

    @precondition(lambda self: self.remembered)
    @rule(pick=st.integers(min_value=0, max_value=10**6))
    def retry_with_the_same_key(self, pick):
        """The same key and request again: the first answer, replayed; no money moves."""
        memo = self.remembered[pick % len(self.remembered)]
        result = memo.call(IdempotentRequest(memo.key, memo.fingerprint, render))
        assert isinstance(result, Replayed), result
        assert (result.status, result.body) == memo.answer

    @precondition(lambda self: self.remembered)
    @rule(pick=st.integers(min_value=0, max_value=10**6), amount=amounts)
    def same_key_for_another_request_is_refused(self, pick, amount):
        memo = self.remembered[pick % len(self.remembered)]
        account_id = next(a for a, owner in self.owner.items() if memo.actor.is_staff or owner is memo.actor)
        idem = IdempotentRequest(memo.key, f"another request {amount}", render)
        self._expect_error(
            "idempotency_key_reused",
            lambda: self.services.ledger.deposit(memo.actor, account_id, amount, None, idem),
        )

    # --- the model's rules ----------------------------------------------------------------
    def _pin_outcome(self, account_id: int, right_pin: bool) -> str | None:
        """A PIN-locked account declines (recorded) before the PIN is read; a wrong PIN is refused
        (not a ledger decline) and the third in a row locks the account; a right one resets."""
        if self.locked[account_id]:
            return "account_locked"
        if not right_pin:
            self.pin_failures[account_id] += 1
            self.locked[account_id] = self.pin_failures[account_id] >= 3
            return "invalid_pin"
        self.pin_failures[account_id] = 0
        return None

    def _decline(self, customer_accounts: list[int], debit: int, amount: int) -> str | None:
        if any(self.frozen[a] for a in customer_accounts):
            return "account_unavailable"
        if self.balance[debit] < amount:
            return "insufficient_funds"
        return None

    def _run(self, actor, fingerprint, keyed, call, expected, entry: Entry):
        """Call with (or without) a fresh key; check the outcome against ``expected``
        (None: posted; a decline code: recorded decline; any other code: refused, nothing recorded)."""
        key = f"key-{next(self.keys)}"
        idem = IdempotentRequest(key, fingerprint, render) if keyed else None
        try:
            result = call(idem)
        except DomainError as error:
            assert error.code == expected, (error.code, expected)
            entry_id = error.extra.get("entry_id")
            recorded = expected in ("account_unavailable", "insufficient_funds", "account_locked")
            assert (entry_id is not None) == recorded, (expected, entry_id)
            if not recorded:
                return None
            self.entries[entry_id] = entry
            answer = render(None, error)
        else:
            assert expected is None, f"expected {expected}, got a posted entry"
            assert isinstance(result, JournalEntry) and result.id not in self.entries
            for account, sign in ((entry.debit, -1), (entry.credit, 1)):
                if account != VAULT:
                    self.balance[account] += sign * entry.amount
            self.entries[result.id] = entry
            answer = render(result, None)
        if keyed:
            self.remembered.append(Remembered(actor, key, call, fingerprint, answer))
        return answer

    def _expect_error(self, code: str, call) -> None:
        try:
            call()
        except DomainError as error:
            assert error.code == code, (error.code, code)
        else:
            raise AssertionError(f"expected {code}")

    # --- invariants -----------------------------------------------------------------------
    @invariant()
    def accounts_match_the_model(self):
        for account_id in self.balance:
            account = self.services.accounts.get(self.teller, account_id)
            assert account.balance_cents == self.balance[account_id] >= 0
            assert (account.status == "frozen") == self.frozen[account_id]
            assert account.pin_locked == self.locked[account_id]
            assert account.pin_failures == self.pin_failures[account_id]

    @invariant()
    def histories_hold_exactly_the_model_entries(self):
        for account_id in self.balance:
            items, _ = self.services.ledger.history(self.teller, account_id, limit=200)
            shown = sorted(i.entry_id for i in items)
            expected = sorted(
                entry_id
                for entry_id, entry in self.entries.items()
                if account_id in ((entry.debit, entry.credit) if entry.posted else (_declined_on(entry),))
            )
            assert shown == expected

    @invariant()
    def verification_passes(self):
        failed = [c for c in self.services.verification.run() if not c.passed]
        assert not failed, failed


def _declined_on(entry: Entry):
    """The account a declined entry is recorded on: the debited customer account, else the credited one."""
    return entry.debit if entry.debit != VAULT else entry.credit


def test_ledger_service_matches_the_model(tmp_path):
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'model.db'}",
            "BCRYPT_COST": 4,
            "RATELIMIT_ENABLED": False,
            "LOG_DIR": str(tmp_path / "logs"),
        }
    )
    LedgerMachine.services = app.extensions["corebank"]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
