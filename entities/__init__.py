"""Domain entities: dataclasses, enums and rules. Standard library only, no I/O."""

MAX_ID = 2**63 - 1


def valid_id(value) -> bool:
    """A database id: a positive int that fits SQLite's 64-bit integer (bool excluded)."""
    return type(value) is int and 0 < value <= MAX_ID
