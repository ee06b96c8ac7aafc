"""Admin webhook pages (SPEC 16): the webhooks, a form to register one (its secret shown once),
delete with a reason, and each hook's recent deliveries with "Send again"."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.auth import require_actor, services
from app.web.event_words import GROUPS, event_words
from app.web.forms import form_state, optional, required_reason
from app.web.htmx import done, fragment, hx_trigger, is_htmx, render
from entities.cursor import decode_cursor, encode_cursor
from entities.errors import DomainError, NotFound, ValidationFailed
from entities.events import ANY_TYPE

bp = Blueprint("webhook_pages", __name__)
bp.add_app_template_filter(event_words, "event_words")

DELIVERIES_SHOWN = 10
# The service's words for a refused field, said for people where they are not already.
FIELD_WORDS = {
    "events": "Choose at least one event, or every event.",
}
EMPTY_URL = "Enter the receiver's URL, e.g. https://erp.example.com/hooks/corebank."


def _hooks() -> list[dict]:
    """Each live webhook with its latest deliveries (newest first)."""
    actor = require_actor()
    hooks = []
    for hook in services().webhooks.list(actor):
        found, next_cursor = services().webhooks.recent_deliveries(actor, hook.id, limit=DELIVERIES_SHOWN)
        hooks.append(_item(hook, found, next_cursor))
    return hooks


def _item(hook, deliveries, next_id) -> dict:
    return {"hook": hook, "deliveries": deliveries, "next_cursor": encode_cursor(next_id) if next_id else None}


def _page(form=None, created=None, delete_failed=None, status=200):
    context = {"form": form or {}, "created": created, "groups": GROUPS, "hooks": _hooks()}
    context["delete_failed"] = delete_failed or {}
    return render("pages/admin/webhooks.html", "partials/admin/_webhook_register.html", status, **context)


@bp.get("/admin/webhooks")
def index():
    if is_htmx():  # the list refreshing itself after a change
        return fragment("partials/admin/_webhook_list.html", hooks=_hooks())
    return _page()


@bp.post("/admin/webhooks")
def register():
    """Register a webhook. The answer shows its secret, this once: never in a redirect, flash or log."""
    actor = require_actor()
    chosen = request.form.getlist("events")
    events = [ANY_TYPE] if ANY_TYPE in chosen else chosen
    url = request.form.get("url", "").strip()
    try:
        hook = services().webhooks.register(actor, url, events, optional("description"))
    except DomainError as error:
        if error.code != "validation_error":
            raise  # not about the form (forbidden): the central handler answers
        form = _in_words(form_state(error), url)
        form["values"]["events"] = chosen
        return _page(form=form, status=422)
    response = _page(created=hook, status=201)
    # No toast: the panel with the secret says it, and a toast would cover it; on a phone the panel
    # is above the button that was pressed, so the browser is told to show it.
    response.headers["HX-Reswap"] = "outerHTML show:#webhook-register:top"
    return hx_trigger(response, events=["webhooks-changed"])


def _in_words(form: dict, url: str) -> dict:
    errors = form["errors"]
    if "url" in errors and not url:
        errors["url"] = EMPTY_URL
    elif "url" in errors:
        errors["url"] = errors["url"][0].upper() + errors["url"][1:] + "."
    for field, words in FIELD_WORDS.items():
        if field in errors:
            errors[field] = words
    return form


@bp.post("/admin/webhooks/<int:hook_id>/delete")
def delete(hook_id: int):
    """Delete after confirmation, with a reason for the audit; without one the form comes back open."""
    actor = require_actor()
    try:
        services().webhooks.delete(actor, hook_id, required_reason(actor.is_admin))
    except ValidationFailed as error:
        failed = {hook_id: form_state(error)}
        if not is_htmx():
            return _page(delete_failed=failed, status=422)
        item = next((i for i in _hooks() if i["hook"].id == hook_id), None)
        if item is None:
            raise NotFound() from None
        return fragment("partials/admin/_webhook.html", 422, item=item, delete_failed=failed)
    return done(
        "The webhook is deleted: nothing more is sent to it.",
        url_for("webhook_pages.index"),
        events=["webhooks-changed"],  # the list refreshes (and says so when none is left)
    )


@bp.get("/admin/webhooks/<int:hook_id>/deliveries")
def deliveries(hook_id: int):
    """A hook's recent deliveries (a refresh), or the older ones after ``cursor`` (load more)."""
    if not is_htmx():
        return _page()
    found, next_cursor = services().webhooks.recent_deliveries(
        require_actor(), hook_id, before=decode_cursor(request.args.get("cursor") or None), limit=DELIVERIES_SHOWN
    )
    template = "partials/admin/_delivery_rows.html" if request.args.get("cursor") else "partials/admin/_deliveries.html"
    return fragment(template, item=_item({"id": hook_id}, found, next_cursor))


@bp.post("/admin/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(hook_id: int, delivery_id: int):
    job = services().webhooks.redeliver(require_actor(), hook_id, delivery_id)
    return done(
        f"Event #{job.event_id} will be sent again within seconds. Refresh the deliveries to see the answer.",
        url_for("webhook_pages.index"),
        events=[f"deliveries-changed-{hook_id}"],
    )
