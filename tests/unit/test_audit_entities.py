"""Audit records hash their whole content under the audit key, chained to the previous record."""

from dataclasses import replace

import pytest

from entities.audit import GENESIS_HASH, AuditRecord, Checkpoint, InvalidCheckpoint

KEY = b"unit-audit-key-0123456789abcdef0123"


def _record(**extra):
    base = {
        "action": "deposit",
        "outcome": "success",
        "actor_id": 7,
        "resource_type": "journal_entry",
        "resource_id": "12",
        "ip": "127.0.0.1",
        "user_agent": "pytest",
        "request_id": "req-1",
        "details": {"amount_cents": 500},
        "created_at": "2030-01-01T00:00:00.000000Z",
        "id": 1,
    }
    return AuditRecord(**{**base, **extra})


def test_hash_is_sha256_hex_and_deterministic():
    record = _record()
    assert len(record.compute_hash(KEY)) == 64
    assert record.compute_hash(KEY) == _record().compute_hash(KEY)
    assert record.prev_hash == GENESIS_HASH


@pytest.mark.parametrize(
    "change",
    [
        {"action": "withdrawal"},
        {"outcome": "denied"},
        {"actor_id": 8},
        {"resource_id": "13"},
        {"ip": "10.0.0.1"},
        {"request_id": "req-2"},
        {"details": {"amount_cents": 501}},
        {"created_at": "2030-01-01T00:00:00.000001Z"},
        {"id": 2},
        {"prev_hash": "f" * 64},
    ],
)
def test_any_field_change_changes_the_hash(change):
    original = _record()
    assert replace(original, **change).compute_hash(KEY) != original.compute_hash(KEY)


def test_detail_key_order_does_not_matter():
    one = _record(details={"a": 1, "b": 2})
    two = _record(details={"b": 2, "a": 1})
    assert one.compute_hash(KEY) == two.compute_hash(KEY)


def test_a_checkpoint_may_count_more_records_than_its_last_id():
    """PostgreSQL chains records in commit order, not id order: the newest may have a lower id."""
    data = {"count": 5, "last_id": 3, "head": "a" * 64}
    assert Checkpoint.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    "data",
    [
        {"count": 0, "last_id": 3, "head": GENESIS_HASH},
        {"count": 2, "last_id": 0, "head": "a" * 64},
        {"count": 0, "last_id": 0, "head": "a" * 64},
    ],
    ids=["no-records-but-a-last-id", "records-but-no-last-id", "no-records-but-a-head"],
)
def test_a_checkpoint_of_no_possible_chain_is_refused(data):
    with pytest.raises(InvalidCheckpoint, match="possible chain"):
        Checkpoint.from_dict(data)
