"""Helpers the Rapid Review's decision pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from cases import selectors as case_selectors
from cases.permissions import Action
from rapidreview import selectors
from rapidreview.services.decision import (
    NO_MEETING,
    SIGNED_OFF,
)


def case_and_review(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    return case, selectors.rapid_review(case=case)


def refuse_post_without(request, action: Action, message: str) -> None:
    if request.method == "POST" and not request.scope.can(action):
        raise PermissionDenied(message)


def meeting_refusal(review) -> str | None:
    """Why the meeting's record cannot be written now, if it cannot."""
    if review is None or review.meeting is None:
        return NO_MEETING
    if review.is_signed_off:
        return SIGNED_OFF
    return None


def decision_context(case, review, heading, **extra):
    return {
        "case": case,
        "tab": "rapid_review",
        "heading": heading,
        "review": review,
        "meeting_set": review is not None and review.meeting is not None,
        **extra,
    }


def refused(request, case, message, url_name):
    messages.error(request, message)
    return redirect(url_name, reference=case.reference)


ONLY_THE_OFFICE = "Only the Business Office sends the papers and records what follows the decision."
