"""The password-reset email, sent by the worker so that a slow mail server never holds
up the web request (or tells an onlooker, by its timing, that an address has an account).

Only the user's id crosses the broker: the one-time link is made here, on the worker, and
never appears in a queue, a task's arguments or a log.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cases.models import User

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"


def password_reset_email_send(*, user_id: int, domain: str, protocol: str) -> int:
    """Email the user a link to choose a new password; 0 if they may no longer have one.

    Not stamped: a second run sends a second working link, which is harmless, and a
    person who gets nothing asks again.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return 0
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": settings.PRODUCT_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    send_mail(
        subject=subject,
        message=render_to_string(BODY_TEMPLATE, context),
        from_email=None,
        recipient_list=[user.email],
    )
    logger.info("password reset emailed to user id %s", user.pk)
    return 1
