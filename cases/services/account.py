"""Accounts: two-factor enrolment and verification, recovery codes, deactivation."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.errors import ApplicationError
from cases.models import ApiToken, User
from cases.services.calendar_feed import calendar_feeds_revoke
from cases.services.token import api_token_revoke

logger = logging.getLogger(__name__)

WRONG_CODE = (
    "The code is not right. Enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes."
)
THROTTLED = "Too many wrong codes. Wait a minute, then enter the code the app shows."
WRONG_SETUP_CODE = (
    "The code is not right. Check that the time on your phone is correct and enter "
    "the 6-digit code the app shows now."
)


def two_factor_device_for_setup(*, user: User, device_id: int | None) -> TOTPDevice:
    """The unconfirmed app device this sign-in started (`device_id`), or a new one.

    A new key every time setup starts, and any other unconfirmed key deleted, so
    a key seen by someone else (who knew only the password) never becomes valid.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    return device


@transaction.atomic
def two_factor_reset(*, user: User, actor: User | None) -> None:
    """Forget the user's app and recovery codes: they set up a new app at next sign-in.

    A reset means the second factor may be in someone else's hands, so whatever was
    made with the account (API tokens, calendar feeds) stops working too.
    """
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_credentials_revoke(user=user, actor=actor, reason="Two-factor authentication reset")
    _end_sessions(user)
    logger.info("user id %s: two-factor reset by user id %s", user.pk, actor.pk if actor else None)


@transaction.atomic
def two_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app with its first code; return new recovery codes to show once."""
    if device.user_id != user.pk or device.confirmed:
        raise ApplicationError("Start setting up two-factor authentication again.")
    if not device.verify_token(code.replace(" ", "")):
        raise ApplicationError(WRONG_SETUP_CODE, field="code")
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    logger.info("user id %s set up two-factor authentication", user.pk)
    return recovery_codes_create(user=user)


def two_factor_verify(*, user: User, code: str) -> Device:
    """The device that accepts this code (each code once only), or ApplicationError.

    After each wrong code every device waits twice as long before trying again
    (django-otp's throttling), which makes guessing codes impractical. The user's
    devices are locked (always in the same order) before the throttle is read, so
    codes sent at once queue here: each reads the failure count the one before it
    left, and no more codes are tried than the throttle allows.
    """
    code = code.replace(" ", "").lower()
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=True, for_verify=True))
        allowed = [device for device in devices if device.verify_is_allowed()[0]]
        # verify_token counts a failure on its locked row; the count commits with the block.
        accepted = next((device for device in allowed if device.verify_token(code)), None)
    if accepted is not None:
        return accepted
    if devices and not allowed:
        raise ApplicationError(THROTTLED, field="code")
    raise ApplicationError(WRONG_CODE, field="code")


@transaction.atomic
def recovery_codes_create(*, user: User) -> list[str]:
    """Replace the user's recovery codes; each works once in place of an app code."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def user_has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None, reason: str) -> User:
    """Stop a user: no sign-in, every session ended, every API token revoked."""
    if not reason.strip():
        raise ApplicationError("Give a reason for deactivating the account.", field="reason")
    if user.is_active:
        user.is_active = False
        user._history_user = actor
        user._change_reason = reason
        user.save(update_fields=["is_active"])
    user_credentials_revoke(user=user, actor=actor, reason=f"User deactivated: {reason}")
    ended = _end_sessions(user)
    logger.info("user id %s deactivated; %d sessions ended", user.pk, ended)
    return user


@transaction.atomic
def user_credentials_revoke(*, user: User, actor: User | None, reason: str) -> None:
    """Stop everything that works without signing in: the user's API tokens and calendar
    feeds. For a deactivation, and for a password or second factor reset by an admin."""
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        api_token_revoke(token=token, actor=actor, reason=reason)
    calendar_feeds_revoke(user=user, reason=reason)
    logger.info("user id %s: API tokens and calendar feeds revoked", user.pk)


def _end_sessions(user: User) -> int:
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
