"""flask db upgrade | create-admin | create-teller | verify | audit-checkpoint | unlock | seed-demo."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app

from entities.audit import Checkpoint, InvalidCheckpoint
from entities.errors import DomainError
from entities.users import Actor, Role
from repository.migrations import migrate

CLI_ACTOR = Actor(role=Role.ADMIN, ip="cli", user_agent="flask cli")


def _services():
    return current_app.extensions["corebank"]


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _create_staff(email: str, role: Role, name: str | None) -> None:
    try:
        user = _services().identity.register(CLI_ACTOR, email, _read_password(), name or email.split("@")[0], role=role)
    except DomainError as error:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors) or error.detail
        raise click.ClickException(details) from None
    home = "/admin" if role == Role.ADMIN else "/teller"
    click.echo(f"created {role} {user.full_name} <{user.email}> (id {user.id}); after login they land on {home}")
    required = current_app.config.get("MFA_REQUIRED_FOR_STAFF")
    click.echo(
        "two-step sign-in: they sign in with this password, open /settings/security, scan the QR code with an"
        " authenticator app and confirm a code, then sign in again with a code"
        + (" (required before any staff work: MFA_REQUIRED_FOR_STAFF is on)" if required else " (recommended)")
    )


def _read_checkpoint(handle) -> Checkpoint:
    """A checkpoint file that cannot be read or is not a checkpoint is a usage error (exit 2):
    the log is neither proved nor disproved, so it must not look like a verification result."""
    try:
        return Checkpoint.from_json(handle.read())
    except (InvalidCheckpoint, UnicodeDecodeError, OSError) as error:
        message = f"{handle.name}: not a usable checkpoint ({error})"
        raise click.BadParameter(message, param_hint="--checkpoint") from None


def register_cli(app) -> None:
    @app.cli.group()
    def db():
        """Database schema."""

    @db.command("upgrade")
    def db_upgrade():
        """Apply pending migrations."""
        applied = migrate(current_app.config["DATABASE_URL"], current_app.config["AUDIT_KEY"])
        # The app applies pending migrations whenever it starts (this command did too), so on a new
        # database the list is usually empty by now: say what state the schema is in, not "nothing".
        if applied:
            click.echo("applied: " + ", ".join(applied))
        click.echo("the database schema is up to date")

    @app.cli.command("deliver-webhooks")
    def deliver_webhooks():
        """One webhook delivery pass now: queue new events, attempt every due delivery (SPEC 16)."""
        attempts = _services().deliver_webhooks()
        if attempts is None:
            click.echo("another delivery worker is running; it delivers (nothing done here)")
        else:
            click.echo(f"delivery attempts made: {attempts}")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", help="full name shown on the pages (default: the email's local part)")
    def create_admin(email, name):
        """Create an admin; the password comes from the prompt or standard input."""
        _create_staff(email, Role.ADMIN, name)

    @app.cli.command("create-teller")
    @click.option("--email", required=True)
    @click.option("--name", help="full name shown on the pages (default: the email's local part)")
    def create_teller(email, name):
        """Create a teller; the password comes from the prompt or standard input."""
        _create_staff(email, Role.TELLER, name)

    @app.cli.command("verify")
    @click.option(
        "--checkpoint",
        "checkpoint_file",
        type=click.File("r"),
        help="a checkpoint from audit-checkpoint: also prove the log still holds its records unchanged",
    )
    def verify(checkpoint_file):
        """Verify the ledger and the audit chain; exits 1 when any check fails, 2 on an unusable checkpoint."""
        checkpoint = _read_checkpoint(checkpoint_file) if checkpoint_file else None
        checks = _services().verification.run(checkpoint)
        for check in checks:
            status = "PASS" if check.passed else "FAIL"
            click.echo(f"{status}  {check.name:<30} checked={check.checked} failures={check.failures} {check.detail}")
        if not all(c.passed for c in checks):
            sys.exit(1)

    @app.cli.command("audit-checkpoint")
    def audit_checkpoint():
        """Print a JSON checkpoint {count, last_id, head} of the audit chain; keep it outside the database."""
        click.echo(json.dumps(_services().verification.checkpoint().to_dict()))

    @app.cli.command("unlock")
    @click.option("--email", help="clear this user's login lock")
    @click.option("--account", "account_number", help="clear this account's PIN lock")
    def unlock(email, account_number):
        """Clear a login lock or an account's PIN lock."""
        services = _services()
        if bool(email) == bool(account_number):
            raise click.UsageError("give exactly one of --email or --account")
        try:
            if email:
                services.admin.unlock(CLI_ACTOR, services.admin.user_by_email(CLI_ACTOR, email).id)
            else:
                services.accounts.unlock(CLI_ACTOR, services.accounts.by_number(CLI_ACTOR, account_number).id)
        except DomainError as error:
            raise click.ClickException(error.detail) from None
        click.echo("unlocked")

    @app.cli.command("rotate-card-keys")
    def rotate_card_keys():
        """Re-encrypt every card's PAN and CVV, every second factor's secret (SPEC 15: encrypted
        at rest like the PAN) and every webhook's signing secret, under the newest key in CARD_KEYS."""
        from cryptography.fernet import InvalidToken

        from services.cards import UndecryptableCard

        try:
            count = _services().cards.rotate_keys(CLI_ACTOR)
            secrets = _services().mfa.rotate_keys(CLI_ACTOR)
            hooks = _services().webhooks.rotate_keys(CLI_ACTOR)
        except (UndecryptableCard, InvalidToken) as error:
            reason = str(error) or "a stored secret is unreadable under every configured key"
            raise click.ClickException(f"{reason}; keep the old key in CARD_KEYS and run again") from None
        click.echo(
            f"re-encrypted {count} card(s), {secrets} second-factor secret(s) and {hooks} webhook signing"
            " secret(s) under the newest key"
        )

    @app.cli.command("expire-holds")
    def expire_holds():
        """Close and audit every hold past its expiry that no request has observed yet (SPEC section 13).
        Not needed for correctness (an expired hold reserves nothing from its expiry on): it keeps the
        audit log's hold.expire records prompt. Safe to run from cron on any instance, any time."""
        count = _services().holds.sweep(CLI_ACTOR)
        click.echo(f"expired {count} hold{'s' if count != 1 else ''}")

    @app.cli.command("seed-demo")
    @click.option("--months", default=4, show_default=True)
    def seed_demo(months):
        """Demo customers (password demo-password-123, PIN 1234) with months of history."""
        from services.demo import CUSTOMERS, DEMO_PASSWORD, DEMO_PIN

        services = _services()
        created = services.demo.seed(months=months)
        for email, _ in CUSTOMERS:
            if email not in created:  # never pretend: an existing profile keeps its own password
                click.echo(f"skipped {email}: already registered (its own password, not the demo one)")
        if not created:
            click.echo("nothing created")
            return
        click.echo(f"created {len(created)} demo customer(s); password {DEMO_PASSWORD}, PIN {DEMO_PIN}:")
        for email in created:
            owner = services.admin.user_by_email(CLI_ACTOR, email)
            numbers = ", ".join(f"{a.type} {a.number}" for a in services.accounts.list(CLI_ACTOR, owner.id))
            click.echo(f"  {email}  {numbers}")
