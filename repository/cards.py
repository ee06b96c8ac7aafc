"""CardRepository: debit cards. The PAN arrives and leaves as ciphertext only; the CVV is never stored."""

from __future__ import annotations

from entities.cards import Card, CardStatus

_COLUMNS = "id, account_id, pan_last4, pan_encrypted, expiry_month, expiry_year, status, created_at"


def _card(row) -> Card | None:
    if row is None:
        return None
    return Card(
        id=row["id"],
        account_id=row["account_id"],
        pan_last4=row["pan_last4"],
        expiry_month=row["expiry_month"],
        expiry_year=row["expiry_year"],
        status=CardStatus(row["status"]),
        created_at=row["created_at"],
        pan_encrypted=row["pan_encrypted"],
    )


class CardRepository:
    def __init__(self, conn, backend=None):
        self.conn = conn

    def add(self, card: Card) -> Card:
        card.id = self.conn.execute(
            "INSERT INTO cards (account_id, pan_last4, pan_encrypted, expiry_month, expiry_year, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                card.account_id,
                card.pan_last4,
                card.pan_encrypted,
                card.expiry_month,
                card.expiry_year,
                str(card.status),
                card.created_at,
            ),
        ).fetchone()[0]
        return card

    def get(self, card_id: int) -> Card | None:
        return _card(self.conn.execute(f"SELECT {_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone())

    def many(self, card_ids) -> dict[int, Card]:
        """The listed cards, by id, in one query (masked: ciphertext and the last four only)."""
        ids = sorted(set(card_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM cards WHERE id IN ({marks})", ids)
        return {card.id: card for card in map(_card, rows)}

    def current_for_account(self, account_id: int) -> Card | None:
        """The account's card that is not cancelled (there is at most one)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM cards WHERE account_id = ? AND status <> 'cancelled'", (account_id,)
        ).fetchone()
        return _card(row)

    def for_accounts(self, account_ids: list[int]) -> dict[int, Card]:
        """Each listed account's current card, keyed by account id."""
        if not account_ids:
            return {}
        marks = ", ".join("?" for _ in account_ids)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM cards WHERE status <> 'cancelled' AND account_id IN ({marks})", account_ids
        )
        return {card.account_id: card for card in map(_card, rows)}

    def save_status(self, card: Card) -> None:
        self.conn.execute("UPDATE cards SET status = ? WHERE id = ?", (str(card.status), card.id))

    def ciphertexts_after(self, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, pan_encrypted) of every card after ``after_id``, by id, for key rotation."""
        rows = self.conn.execute(
            "SELECT id, pan_encrypted FROM cards WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [(row[0], row[1]) for row in rows]

    def save_ciphertext(self, card_id: int, pan_encrypted: str) -> None:
        self.conn.execute("UPDATE cards SET pan_encrypted = ? WHERE id = ?", (pan_encrypted, card_id))
