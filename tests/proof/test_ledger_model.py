"""Model-based test: Hypothesis drives services.ledger and services.holds (and the account status
changes that matter to them) with random sequences of deposits, withdrawals, transfers, teller
reversals, card authorisations, captures (full and partial), voids, the passing of time (expiry),
freezes, wrong PINs, unlocks and idempotent retries, and compares every outcome with a plain
in-memory model. After every step: balances, available balances (balance less pending holds),
statuses and PIN locks match the model, no balance is negative, and verification (SPEC section 8)
passes. The clock is the model's: entities.clock.utcnow is replaced for the run."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from app import create_app
from entities import clock
from entities.errors import DomainError
from entities.holds import Hold
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
HOLD_EXPIRY_SECONDS = 600


class ModelClock:
    """The time the services read through entities.clock during the run: the real time at the start
    plus what the model let pass (a few hours at most, so code reading the real clock, such as the
    24-hour window of PIN unlocks, still sees every record of the run)."""

    epoch = datetime.now(UTC)
    seconds = 0.0

    @classmethod
    def now(cls) -> datetime:
        return cls.epoch + timedelta(seconds=cls.seconds)


@dataclass
class ModelHold:
    account: int
    amount: int
    created: float  # model seconds
    status: str = "pending"

    def live_status(self, now: float) -> str:
        if self.status == "pending" and now >= self.created + HOLD_EXPIRY_SECONDS:
            return "expired"
        return self.status


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
        self.holds: dict[int, ModelHold] = {}
        self.cards = {a.id: self.services.cards.issue(self.owner[a.id], a.id).card.id for a in self.accounts}
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
        elif back_from != VAULT and self._available(back_from) < original.amount:
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

    @rule(index=account_index, amount=amounts, right_pin=mostly_true, keyed=st.booleans())
    def authorize(self, index, amount, right_pin, keyed):
        """Same checks and order as a purchase; a success reserves instead of posting."""
        account_id = self._account(index)
        actor = self.owner[account_id]
        pin = PIN if right_pin else WRONG_PIN
        expected = self._pin_outcome(account_id, right_pin) or self._decline([account_id], account_id, amount)
        key = f"key-{next(self.keys)}"
        idem = IdempotentRequest(key, f"authorize {account_id} {amount} {pin}", render) if keyed else None
        try:
            result = self.services.holds.authorize(actor, self.cards[account_id], amount, "Model Shop", pin, idem)
        except DomainError as error:
            assert error.code == expected, (error.code, expected)
            entry_id = error.extra.get("entry_id")
            assert (entry_id is not None) == (expected != "invalid_pin"), (expected, entry_id)
            if entry_id is not None:
                self.entries[entry_id] = Entry("card_purchase", account_id, VAULT, amount, False)
            return
        assert expected is None, f"expected {expected}, got a hold"
        assert isinstance(result, Hold) and result.status == "pending" and result.id not in self.holds
        self.holds[result.id] = ModelHold(account_id, amount, ModelClock.seconds)

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(min_value=0, max_value=10**6), part=st.integers(min_value=0, max_value=12))
    def capture(self, pick, part):
        """part 0: all of it; 1-10: a tenth each; 11-12: more than held (refused)."""
        hold_id = sorted(self.holds)[pick % len(self.holds)]
        hold = self.holds[hold_id]
        amount = None if part == 0 else max(1, hold.amount * part // 10) + (1 if part > 10 else 0)
        actor = self.owner[hold.account]
        status = hold.live_status(ModelClock.seconds)
        if status != "pending":
            if status == "expired":
                hold.status = "expired"
            self._expect_error("hold_not_pending", lambda: self.services.holds.capture(actor, hold_id, amount))
            return
        if amount is not None and amount > hold.amount:
            self._expect_error("validation_error", lambda: self.services.holds.capture(actor, hold_id, amount))
            return
        taken = hold.amount if amount is None else amount
        if self.frozen[hold.account]:  # SPEC 4: a frozen account takes no money out; the hold stays pending
            try:
                self.services.holds.capture(actor, hold_id, amount)
            except DomainError as error:
                assert error.code == "account_unavailable", error.code
                self.entries[error.extra["entry_id"]] = Entry("card_purchase", hold.account, VAULT, taken, False)
                return
            raise AssertionError("expected account_unavailable")
        entry = self.services.holds.capture(actor, hold_id, amount)
        assert (entry.kind, entry.amount_cents, entry.hold_id) == ("card_purchase", taken, hold_id)
        hold.status = "captured"
        self.balance[hold.account] -= taken
        self.entries[entry.id] = Entry("card_purchase", hold.account, VAULT, taken, True)

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(min_value=0, max_value=10**6), by_teller=st.booleans())
    def void(self, pick, by_teller):
        hold_id = sorted(self.holds)[pick % len(self.holds)]
        hold = self.holds[hold_id]
        actor = self.teller if by_teller else self.owner[hold.account]
        status = hold.live_status(ModelClock.seconds)
        if status != "pending":
            if status == "expired":
                hold.status = "expired"
            self._expect_error("hold_not_pending", lambda: self.services.holds.void(actor, hold_id))
            return
        assert self.services.holds.void(actor, hold_id).status == "voided"
        hold.status = "voided"

    @precondition(lambda self: any(self._held(a) for a in self.balance))
    @rule(extra=st.integers(min_value=0, max_value=3), keyed=st.booleans())
    def withdraw_into_what_is_held(self, extra, keyed):
        """The edge random amounts rarely hit: just over the available balance, within the balance."""
        account_id = next(a for a in self.balance if self._held(a))
        amount = min(self._available(account_id) + 1 + extra, self.balance[account_id])
        self.withdraw(self.accounts.index(next(a for a in self.accounts if a.id == account_id)), amount, True, keyed)

    @rule(seconds=st.sampled_from([1, 60, 299, 600, 601, 900]))
    def time_passes(self, seconds):
        ModelClock.seconds += seconds

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
        """A teller lifts one account's PIN lock at most PIN_UNLOCKS_PER_DAY (3) times a day; an admin always.
        With neither a lock nor a wrong-PIN count there is nothing to lift: answered as is, not counted."""
        account_id = self._account(index)
        if not self.locked[account_id] and not self.pin_failures[account_id]:
            unchanged = self.services.accounts.unlock(self.admin if by_admin else self.teller, account_id)
            assert (unchanged.pin_locked, unchanged.pin_failures) == (False, 0)
            return
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
        if self._available(debit) < amount:
            return "insufficient_funds"
        return None

    def _held(self, account_id: int) -> int:
        now = ModelClock.seconds
        return sum(h.amount for h in self.holds.values() if h.account == account_id and h.live_status(now) == "pending")

    def _available(self, account_id: int) -> int:
        return self.balance[account_id] - self._held(account_id)

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
            assert account.held_cents == self._held(account_id)
            assert account.available_cents == self.balance[account_id] - self._held(account_id) >= 0
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
    def holds_read_as_the_model(self):
        for hold_id, hold in self.holds.items():
            read = self.services.holds.get(self.teller, hold_id)
            assert read.status == hold.live_status(ModelClock.seconds), (hold_id, read.status, hold)

    @invariant()
    def verification_passes(self):
        failed = [c for c in self.services.verification.run() if not c.passed]
        assert not failed, failed


def _declined_on(entry: Entry):
    """The account a declined entry is recorded on: the debited customer account, else the credited one."""
    return entry.debit if entry.debit != VAULT else entry.credit


def test_ledger_service_matches_the_model(tmp_path, monkeypatch):
    ModelClock.epoch, ModelClock.seconds = datetime.now(UTC), 0.0
    monkeypatch.setattr(clock, "utcnow", ModelClock.now)
    app = create_app(
        {
            "COREBANK_ENV": "test",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'model.db'}",
            "BCRYPT_COST": 4,
            "RATELIMIT_ENABLED": False,
            "LOG_DIR": str(tmp_path / "logs"),
            "HOLD_EXPIRY_SECONDS": HOLD_EXPIRY_SECONDS,
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
