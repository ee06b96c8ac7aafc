"""The audit log's codes in words (app/web/audit_words.py uses them): actions, the services' reason
codes, coded values and detail labels."""

from __future__ import annotations

# The action filter's <select>, grouped; every action the services write (a code not listed still
# shows, humanized, and an address with it still filters).
ACTION_GROUPS = (
    (
        "Money",
        (
            ("deposit", "Cash deposit"),
            ("withdrawal", "Cash withdrawal"),
            ("transfer", "Transfer"),
            ("card_purchase", "Card purchase"),
            ("reversal", "Reversal"),
            ("hold.create", "Hold placed"),
            ("hold.capture", "Hold captured"),
            ("hold.void", "Hold released"),
            ("hold.expire", "Hold expired"),
            ("account.limit", "Daily limit changed"),
            ("idempotency.reused", "Repeated request refused"),
        ),
    ),
    (
        "Sign-in and profile",
        (
            ("register", "Registration"),
            ("login", "Sign-in"),
            ("logout", "Sign-out"),
            ("user.lockout", "Sign-in locked after wrong passwords"),
            ("token.refresh", "Sign-in renewed (API)"),
            ("token.reuse", "Old API token used again"),
            ("session.end", "Session ended"),
            ("password.change", "Password changed"),
            ("profile.update", "Profile changed"),
            ("mfa.enrol", "Authenticator app linked"),
            ("mfa.confirm", "Authenticator app confirmed"),
            ("mfa.enable", "Two-step sign-in turned on"),
            ("mfa.disable", "Two-step sign-in turned off"),
            ("mfa.required", "Staff page refused without two-step sign-in"),
        ),
    ),
    (
        "Accounts and cards",
        (
            ("account.open", "Account opened"),
            ("account.freeze", "Account frozen"),
            ("account.unfreeze", "Account unfrozen"),
            ("account.close", "Account closed"),
            ("account.pin_change", "PIN changed"),
            ("account.pin_lock", "PIN locked after wrong PINs"),
            ("account.unlock", "PIN unlocked"),
            ("card.issue", "Card issued"),
            ("card.freeze", "Card frozen"),
            ("card.unfreeze", "Card unfrozen"),
        ),
    ),
    (
        "Staff",
        (
            ("user.lock", "User locked by an admin"),
            ("user.unlock", "User unlocked"),
            ("user.role", "Role changed"),
            ("approval.request", "Approval asked for"),
            ("approval.approve", "Request approved"),
            ("approval.reject", "Request rejected"),
            ("customer.search", "Customer search"),
            ("webhook.create", "Webhook added"),
            ("webhook.delete", "Webhook deleted"),
            ("webhook.redeliver", "Webhook event sent again"),
            ("card.keys_rotate", "Card keys rotated"),
            ("mfa.rotate_keys", "Authenticator keys rotated"),
            ("webhook.rotate_keys", "Webhook keys rotated"),
            ("webhook.secret_encrypted", "Webhook secret encrypted"),
            ("audit.checkpoint", "Audit checkpoint taken"),
            ("verify", "Verification run"),
        ),
    ),
    (
        "Looking things up",
        (
            ("account.read", "Account looked up"),
            ("account.list", "Accounts listed"),
            ("account.list_locked", "Locked accounts listed"),
            ("history.read", "History read"),
            ("statement.read", "Statement read"),
            ("entry.read", "Entry read"),
            ("reversal.read", "Reversals read"),
            ("card.read", "Card read"),
            ("hold.list", "Holds listed"),
            ("hold.read", "Hold read"),
            ("events.read", "Event feed read"),
            ("user.read", "User looked up"),
            ("user.list", "Users listed"),
            ("user.list_locked", "Locked users listed"),
            ("unlock_queue.read", "Unlock page read"),
            ("approval.list", "Approvals listed"),
            ("approval.read", "Approval read"),
            ("audit.read", "Audit log read"),
            ("webhook.list", "Webhooks listed"),
            ("webhook.deliveries", "Webhook deliveries read"),
        ),
    ),
)
ACTION_WORDS = {code: words for _, actions in ACTION_GROUPS for code, words in actions}

# Why something was refused or failed, as the services record it (a staff member's own reason is
# free text and shows as written).
REASON_WORDS = {
    "invalid_pin": "Wrong PIN",
    "account_locked": "PIN locked",
    "wrong_password": "Wrong password",
    "unknown_email": "No user has this email",
    "user_locked": "Sign-in locked",
    "invalid_code": "Wrong or spent code",
    "mfa_required": "Needs a code from the authenticator app",
    "email_taken": "Email already registered",
    "own_account": "Staff power on their own account or user",
    "own_role": "Changing their own role",
    "staff_user": "Only an admin unlocks staff",
    "unlock_limit": "PIN unlocked too often today",
    "admin_only": "Only an admin decides this",
    "same_person": "The person who asked cannot approve",
    "raise_refused": "Only staff raise a daily limit",
    "insufficient_funds": "Not enough money",
    "account_unavailable": "Account frozen or closed",
    "limit_exceeded": "Over the daily limit",
    "card_frozen": "Card frozen",
    "card_exists": "The account already has a card",
    "same_account": "Same account on both sides",
    "currency_mismatch": "Currencies differ",
}
# Other coded values, by detail key.
VALUE_WORDS = {
    "method": {"otp": "Authenticator code", "recovery": "Recovery code"},
    "approval_action": {"reversal": "Reversal", "role_grant": "Admin role"},
}
LABELS = {
    "owner_id": "Owner",
    "user_id": "User",
    "requested_by": "Requested by",
    "observed_by": "Noticed by",
    "account_id": "Account",
    "counterparty_account_id": "Other side",
    "card_id": "Card",
    "pan_last4": "Card ending",
    "sessions_revoked": "Sessions signed out",
    "attempts_remaining": "Attempts left",
    "unrecorded_attempts": "Attempts not recorded",
    "previous": "Previous role",
    "approval_action": "Asked for",
    "to_role": "New role",
}
# What a record is about, when it names no person, account or card.
RESOURCE_WORDS = {"journal_entry": "Entry", "idempotency_key": "Repeated request", "route": "Page"}
# Detail values that are codes shown capitalized ("savings" -> "Savings").
CAPITALIZED = frozenset({"type", "status", "kind"})
