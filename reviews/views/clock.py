"""The six-month clock's pages (§3.1.2-§3.1.3): the date and what is left, the delays and
their consideration by the CRG, and the notice to the National Panel and the Secretary
of State."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, pdf_response, scope_required, with_current_version
from rapidreview.selectors import meeting_get
from reviews import services
from reviews.documents import clock as documents
from reviews.forms.clock import (
    DelayConsiderationForm,
    DelayForm,
    DelayMeetingForm,
    DelayResolveForm,
)
from reviews.models import DelayNotice
from reviews.rules import ReviewConflict, delay_names_check, statutory_six_month_date
from reviews.selectors import clock as selectors
from reviews.selectors.review import lcspr_get


def _review(request, reference):
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    return case, lcspr_get(scope=request.scope, case=case)


def _clock_url(case) -> str:
    return reverse("lcspr_clock", kwargs={"reference": case.reference})


@scope_required(Action.VIEW_CASES)
def lcspr_clock(request, reference):
    """The six-month date with the time left, the revised expected date beside it, the
    delays with the CRG's consideration of each, and the notices sent (§3.1.3)."""
    case, lcspr = _review(request, reference)
    delays = list(selectors.delays(lcspr))
    the_clock = selectors.clock(lcspr)
    return render(
        request,
        "reviews/clock.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": "The six-month clock",
            "clock": the_clock,
            "clock_hint": selectors.clock_hint(the_clock),
            "delays": [(d, selectors.delay_notice_due(d)) for d in delays],
            "notices": list(selectors.notices(lcspr)),
            "addresses": selectors.notice_addresses(case.partnership),
            "can_manage": request.scope.can(Action.MANAGE_REVIEW),
            "can_minute": request.scope.can(Action.RECORD_CRG_AGREEMENT),
        },
    )


def _form_page(request, case, *, heading, form, button, once=None, delay=None, intro=""):
    return render(
        request,
        "reviews/clock_form.html",
        {
            "case": case,
            "tab": "lcspr",
            "heading": heading,
            "form": form,
            "button": button,
            "once": once,
            "delay": delay,
            "intro": intro,
        },
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_delay_add(request, reference):
    """Record a delay as soon as it arises (§3.1.3)."""
    case, lcspr = _review(request, reference)
    once = Once(request, f"lcspr-delay-{lcspr.pk}")
    form = DelayForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                services.delay_record(lcspr=lcspr, actor=request.user, **form.values())
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_clock_url(case))
                messages.success(request, "The delay is recorded. Put it to the CRG (§3.1.3).")
                return redirect(_clock_url(case))
    return _form_page(
        request, case, heading="Record a delay", form=form, button="Record the delay", once=once
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_delay_edit(request, reference, pk):
    """Correct a delay or revise its expected date (a new date makes a new notice due)."""
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    if request.method == "POST":
        form = DelayForm(request.POST)
    else:
        form = DelayForm(
            initial={
                "arose_on": delay.arose_on,
                "asked_by": delay.asked_by,
                "reason": delay.reason,
                "holds_up": delay.holds_up,
                "prevents_publication": "yes" if delay.prevents_publication else "no",
                "revised_expected_on": delay.revised_expected_on,
                "version": delay.version,
            }
        )
    if form.is_bound and form.is_valid():
        try:
            services.delay_update(
                delay=delay,
                actor=request.user,
                version=form.cleaned_data["version"] or 0,
                **form.values(),
            )
        except ReviewConflict as error:
            form = with_current_version(form, delay.version)
            form_error(form, error)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The delay is changed.")
            return redirect(_clock_url(case))
    return _form_page(
        request, case, heading="Change the delay", form=form, button="Save", delay=delay
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_delay_meeting(request, reference, pk):
    """Put the delay to a CRG meeting from the calendar: it goes on that meeting's business."""
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    meetings = selectors.meetings_for_delay(scope=request.scope, delay=delay)
    form = DelayMeetingForm(request.POST if request.method == "POST" else None, meetings=meetings)
    if form.is_bound and form.is_valid():
        try:
            services.delay_put_to_crg(
                delay=delay,
                actor=request.user,
                meeting=meeting_get(scope=request.scope, pk=form.cleaned_data["meeting"]),
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The delay is on the meeting's business.")
            return redirect(_clock_url(case))
    intro = (
        ""
        if meetings
        else "No CRG meeting is in the calendar from the day the delay arose. The Business "
        "Office adds one to the CRG's meeting calendar; then put the delay to it."
    )
    return _form_page(
        request,
        case,
        heading="Put the delay to the CRG",
        form=form if meetings else None,
        button="Put it to this meeting",
        delay=delay,
        intro=intro,
    )


@scope_required(Action.RECORD_CRG_AGREEMENT)
def lcspr_delay_consideration(request, reference, pk):
    """The CRG's consideration of the delay, minuted by the office or the chair (§3.1.3)."""
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = DelayConsiderationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.delay_consideration_record(
                delay=delay, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The CRG's consideration of the delay is recorded.")
            return redirect(_clock_url(case))
    return _form_page(
        request,
        case,
        heading="Record the CRG's consideration of the delay",
        form=form,
        button="Record it",
        delay=delay,
    )


@scope_required(Action.MANAGE_REVIEW)
def lcspr_delay_resolve(request, reference, pk):
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = DelayResolveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.delay_resolve(delay=delay, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "The delay has ended. Its revised expected date stands.")
            return redirect(_clock_url(case))
    return _form_page(request, case, heading="End the delay", form=form, button="Save", delay=delay)


@require_POST
@scope_required(Action.MANAGE_REVIEW)
def lcspr_delay_notice_send(request, reference, pk):
    """Send the notice to the National Panel and the Secretary of State (§3.1.3)."""
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    try:
        notice = services.delay_notice_send(delay=delay, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The notice is being sent to {', '.join(notice.recipients)}.")
    return redirect(_clock_url(case))


@scope_required(Action.VIEW_CASES)
def lcspr_delay_notice_pdf(request, reference, pk):
    """The notice as it would be sent now, before it is (§3.1.3): refused, like the
    sending, while the delay's text names the child or a family member."""
    case, lcspr = _review(request, reference)
    delay = selectors.delay_get(scope=request.scope, lcspr=lcspr, pk=pk)
    try:
        delay_names_check(
            lcspr, reason=delay.reason, holds_up=delay.holds_up, asked_by=delay.asked_by
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_clock_url(case))
    draft = DelayNotice(
        delay=delay,
        reason=delay.reason,
        statutory_date=statutory_six_month_date(lcspr),
        revised_expected_on=delay.revised_expected_on,
    )
    return pdf_response(
        request,
        documents.delay_notice_pdf(notice=draft),
        case=case,
        name="delay-notice-draft",
        what="lcspr_delay_notice",
    )


@scope_required(Action.VIEW_CASES)
def lcspr_notice_pdf(request, reference, pk):
    """A notice as it was sent (§3.1.3)."""
    case, lcspr = _review(request, reference)
    notice = selectors.notice_get(scope=request.scope, lcspr=lcspr, pk=pk)
    return pdf_response(
        request,
        documents.delay_notice_pdf(notice=notice),
        case=case,
        name="delay-notice",
        what="lcspr_delay_notice",
    )
