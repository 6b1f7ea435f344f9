"""One-time tokens for create forms (issue 11, item 5): a double click, or Back and submit
again, must not make a second row."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import FormToken, User

FORM_EXPIRED = (
    "This form is out of date, so nothing was saved. Check what you typed and send it again."
)


def form_token_issue(*, user: User, purpose: str) -> str:
    """A token for one empty form; it is spent by the form's first successful submit."""
    token = FormToken(token=secrets.token_urlsafe(32), user=user, purpose=purpose)
    token._history_user = user
    token._change_reason = "Form token issued"
    token.save()
    return token.token


def form_token_claim(*, user: User, token: str, purpose: str) -> FormToken:
    """The user's token for this form, locked until the caller's transaction ends, so that a
    second submit of the same form waits for the first and then sees it spent."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Claim a form token inside the transaction that creates the row.")
    claim = (
        FormToken.objects.select_for_update()
        .filter(token=token, user=user, purpose=purpose)
        .first()
    )
    if claim is None:
        raise ApplicationError(FORM_EXPIRED)
    return claim


def form_token_spent_url(*, user: User, token: str, purpose: str) -> str:
    """Where the form's first submit went, or "" if the token is unspent or unknown."""
    claim = FormToken.objects.filter(
        token=token, user=user, purpose=purpose, used_at__isnull=False
    ).first()
    return claim.result_url if claim else ""


def form_token_spend(*, claim: FormToken, result_url: str) -> None:
    """Mark the token used, with where the first submit went: in the same transaction as
    the create, so a create that fails leaves the token unspent."""
    claim.used_at = timezone.now()
    claim.result_url = result_url
    claim._history_user = claim.user
    claim._change_reason = "Form token spent"
    claim.save(update_fields=["used_at", "result_url"])


FORM_TOKEN_LIFETIME = timedelta(days=7)


def duplicate_guards_purge(*, now=None) -> int:
    """Forget expired `Idempotency-Key`s and form tokens older than a week (a form left
    open that long is refused as out of date and shown again). Safe to run twice."""
    from cases.models import IdempotencyKey, Partnership

    now = now or timezone.now()
    purged = 0
    expired_keys = [
        key
        for partnership in Partnership.objects.all()
        for key in IdempotencyKey.objects.for_partnership(partnership).filter(expires_at__lte=now)
    ]
    for row in [
        *expired_keys,
        *FormToken.objects.filter(created_at__lte=now - FORM_TOKEN_LIFETIME),
    ]:
        row._change_reason = "Expired"
        row.delete()
        purged += 1
    # Their history would otherwise keep every form token, and every key's response body,
    # for ever: it goes with them (they hold no case data, only guard against duplicates).
    IdempotencyKey.history.filter(expires_at__lte=now).delete()
    FormToken.history.filter(created_at__lte=now - FORM_TOKEN_LIFETIME).delete()
    return purged
