"""The learning's pages (§11.2-11.5, §12), partnership-wide: the dissemination plan with the
panels' swift learning, the CRG's review of national reviews, and the National Panel's
requests about one. Everyone in the partnership reads them; the Business Office and the
CRG chair (MANAGE_LEARNING) write. Briefings and requests by id; never a child's name."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from publication.forms.learning import (
    BriefingForm,
    NationalReviewForm,
    ReviewRequestForm,
    SupportForm,
)
from publication.selectors import learning as selectors
from publication.services import learning as services

BRIEFING_SAVED = "The briefing “{title}” is saved."
REVIEW_SAVED = "The national review “{title}” is saved."
REQUEST_SAVED = (
    "The request is recorded. {chair} is told by email that they are the main point of contact."
)
REQUEST_CHANGED = "The request is saved."
SUPPORT_SAVED = "The Business Office's support is recorded."
NO_CHAIR = (
    "Nobody holds the CRG chair's role in this partnership, so nobody can be the main point "
    "of contact (§12.3). Ask the partnership admin to give the CRG chair their role."
)


def _may_write(request) -> bool:
    return request.scope.can(Action.MANAGE_LEARNING)


def _require_write(request) -> None:
    if not _may_write(request):
        raise PermissionDenied("Your role does not give access to this page.")


def _plan_for(request, form):
    try:
        return selectors.action_plan_for(scope=request.scope, pk=form.cleaned_data.get("plan"))
    except Http404:  # a foreign or removed plan is a field error on the form
        return False


# --- The dissemination plan (§11.2-11.3) -----------------------------------------------


@scope_required(Action.VIEW_CASES)
def learning(request):
    """§11.2-11.3: the partnership's plan for sharing the learning, and the swift learning
    messages its review panels agreed (§11.2.1)."""
    today = timezone.localdate()
    rows = [
        {"briefing": b, "overdue": selectors.briefing_overdue(b, today)}
        for b in selectors.briefings(scope=request.scope)
    ]
    return render(
        request,
        "publication/learning/learning.html",
        {
            "rows": rows,
            "overdue_count": sum(1 for row in rows if row["overdue"]),
            "swift": list(selectors.swift_learning(scope=request.scope)),
            "can_write": _may_write(request),
        },
    )


def _briefing_save(request, form, *, briefing=None):
    plan = _plan_for(request, form)
    if plan is False:
        form.add_error("plan", services.PLAN_NOT_OURS)
        return None
    values = {**form.values(), "plan": plan}
    if briefing is None:
        return services.briefing_create(
            partnership=request.scope.partnership, actor=request.user, **values
        )
    return services.briefing_update(
        briefing=briefing,
        actor=request.user,
        version=form.cleaned_data["version"] or 0,
        **values,
    )


@scope_required(Action.MANAGE_LEARNING)
def learning_briefing_new(request):
    plans = list(selectors.action_plans(scope=request.scope))
    once = Once(request, "briefing")
    form = BriefingForm(request.POST if request.method == "POST" else None, plans=plans)
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                if (replay := once.replay()) is not None:
                    return replay
                briefing = _briefing_save(request, form)
                if briefing is not None:
                    once.spend(reverse("learning_briefing", kwargs={"pk": briefing.pk}))
        except ApplicationError as error:
            form_error(form, error)
        else:
            if briefing is not None:
                messages.success(request, BRIEFING_SAVED.format(title=briefing.title))
                return redirect("learning")
    return render(
        request,
        "publication/learning/briefing_form.html",
        {"form": form, "once": once, "heading": "Plan a briefing", "button": "Save"},
    )


@scope_required(Action.VIEW_CASES)
def learning_briefing(request, pk):
    """A briefing: changed, or its delivery and reach recorded (§11.3.2)."""
    briefing = selectors.briefing_get(scope=request.scope, pk=pk)
    plans = list(selectors.action_plans(scope=request.scope))
    if request.method == "POST":
        _require_write(request)
        form = BriefingForm(request.POST, plans=plans)
    else:
        form = BriefingForm(
            initial={
                "kind": briefing.kind,
                "title": briefing.title,
                "audience": briefing.audience,
                "planned_on": briefing.planned_on,
                "plan": briefing.plan_id,
                "delivered_on": briefing.delivered_on,
                "delivery": briefing.delivery,
                "reach": briefing.reach,
                "note": briefing.note,
                "version": briefing.version,
            },
            plans=plans,
        )
    if form.is_bound and form.is_valid():
        try:
            saved = _briefing_save(request, form, briefing=briefing)
        except services.LearningConflict as error:
            briefing = selectors.briefing_get(scope=request.scope, pk=pk)
            form = with_current_version(form, briefing.version, plans=plans)
            form_error(form, error)
        except ApplicationError as error:
            form_error(form, error)
        else:
            if saved is not None:
                messages.success(request, BRIEFING_SAVED.format(title=saved.title))
                return redirect("learning")
    return render(
        request,
        "publication/learning/briefing_form.html",
        {
            "form": form if _may_write(request) else None,
            "briefing": briefing,
            "overdue": selectors.briefing_overdue(briefing, timezone.localdate()),
            "heading": "Briefing",
            "button": "Save",
        },
    )


# --- National reviews (§11.5.1) ----------------------------------------------------------


def _meeting_for(request, form):
    pk = form.cleaned_data.get("crg_meeting")
    if not pk:
        return None
    meeting = selectors.crg_meetings(scope=request.scope).filter(pk=pk).first()
    if meeting is None:
        form.add_error("crg_meeting", services.MEETING_NOT_OURS)
        return False
    return meeting


@scope_required(Action.VIEW_CASES)
def national_reviews(request):
    return render(
        request,
        "publication/learning/national_reviews.html",
        {
            "reviews": selectors.national_reviews(scope=request.scope),
            "can_write": _may_write(request),
        },
    )


@scope_required(Action.MANAGE_LEARNING)
def national_review_new(request):
    meetings = list(selectors.crg_meetings(scope=request.scope))
    once = Once(request, "national_review")
    form = NationalReviewForm(request.POST if request.method == "POST" else None, meetings=meetings)
    if form.is_bound and form.is_valid():
        meeting = _meeting_for(request, form)
        if meeting is not False:
            try:
                with transaction.atomic():
                    if (replay := once.replay()) is not None:
                        return replay
                    review = services.national_review_create(
                        partnership=request.scope.partnership,
                        actor=request.user,
                        crg_meeting=meeting,
                        **form.values(),
                    )
                    url = reverse("national_review", kwargs={"pk": review.pk})
                    once.spend(url)
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, REVIEW_SAVED.format(title=review.title))
                return redirect(url)
    return render(
        request,
        "publication/learning/national_review.html",
        {"form": form, "once": once, "heading": "Record a national review"},
    )


def _action_plan_link(review) -> str:
    """The national review's action plan page, once that route exists (helper `actions`)."""
    try:
        return reverse("national_review_action_plan", args=[review.pk])
    except NoReverseMatch:
        return ""


@scope_required(Action.VIEW_CASES)
def national_review(request, pk):
    """The CRG's review of a national review: its themes, the meeting and date it was
    considered, the local application agreed, and its actions (§11.5.1)."""
    review = selectors.national_review_get(scope=request.scope, pk=pk)
    meetings = list(selectors.crg_meetings(scope=request.scope))
    if request.method == "POST":
        _require_write(request)
        form = NationalReviewForm(request.POST, meetings=meetings)
    else:
        form = NationalReviewForm(
            initial={
                "title": review.title,
                "published_on": review.published_on,
                "themes": review.themes,
                "crg_meeting": review.crg_meeting_id,
                "considered_on": review.considered_on,
                "local_application": review.local_application,
                "version": review.version,
            },
            meetings=meetings,
        )
    if form.is_bound and form.is_valid():
        meeting = _meeting_for(request, form)
        if meeting is not False:
            try:
                services.national_review_update(
                    review=review,
                    actor=request.user,
                    version=form.cleaned_data["version"] or 0,
                    crg_meeting=meeting,
                    **form.values(),
                )
            except services.LearningConflict as error:
                review = selectors.national_review_get(scope=request.scope, pk=pk)
                form = with_current_version(form, review.version, meetings=meetings)
                form_error(form, error)
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, REVIEW_SAVED.format(title=form.cleaned_data["title"]))
                return redirect("national_review", pk=review.pk)
    plan = selectors.national_review_plan(review)
    return render(
        request,
        "publication/learning/national_review.html",
        {
            "form": form if _may_write(request) else None,
            "review": review,
            "heading": review.title,
            "plan": plan,
            "plan_actions": plan.actions.count() if plan is not None else 0,
            "plan_url": _action_plan_link(review),
        },
    )


# --- The National Panel's requests about a national review (§12.3) ----------------------


def _contact_for(form, chairs):
    pk = form.cleaned_data.get("contact")
    contact = next((u for u in chairs if u.pk == pk), None)
    if pk and contact is None:
        form.add_error("contact", services.CONTACT_NOT_CHAIR)
        return False
    return contact


@scope_required(Action.VIEW_CASES)
def national_review_requests(request):
    rows = [
        {"request": r, "gaps": selectors.request_gaps(r)}
        for r in selectors.review_requests(scope=request.scope)
    ]
    return render(
        request,
        "publication/learning/review_requests.html",
        {"rows": rows, "can_write": _may_write(request)},
    )


@scope_required(Action.MANAGE_LEARNING)
def national_review_request_new(request):
    chairs = selectors.crg_chairs(request.scope.partnership)
    once = Once(request, "national_review_request")
    initial = {"contact": chairs[0].pk} if len(chairs) == 1 else {}
    form = ReviewRequestForm(
        request.POST if request.method == "POST" else None, chairs=chairs, initial=initial
    )
    if form.is_bound and form.is_valid():
        contact = _contact_for(form, chairs)
        if contact is not False:
            try:
                with transaction.atomic():
                    if (replay := once.replay()) is not None:
                        return replay
                    made = services.review_request_create(
                        partnership=request.scope.partnership,
                        actor=request.user,
                        contact=contact,
                        **form.values(),
                    )
                    url = reverse("national_review_request", kwargs={"pk": made.pk})
                    once.spend(url)
            except ApplicationError as error:
                form_error(form, error)
            else:
                name = contact.get_full_name() or contact.username
                messages.success(request, REQUEST_SAVED.format(chair=name))
                return redirect(url)
    return render(
        request,
        "publication/learning/review_request.html",
        {
            "form": form,
            "once": once,
            "heading": "Record a request from the National Panel",
            "no_chair": NO_CHAIR if not chairs else "",
        },
    )


@scope_required(Action.VIEW_CASES)
def national_review_request(request, pk):
    """The request, who has been informed and when, the CRG chair as point of contact, and
    the Business Office's support entries (§12.3)."""
    review_request = selectors.review_request_get(scope=request.scope, pk=pk)
    chairs = selectors.crg_chairs(review_request.partnership)
    if review_request.contact is not None and review_request.contact not in chairs:
        chairs.append(review_request.contact)  # a former chair still named: shown as chosen
    which = request.POST.get("form") if request.method == "POST" else None
    if which:
        _require_write(request)
    form = ReviewRequestForm(
        request.POST if which == "request" else None,
        chairs=chairs,
        initial={
            "title": review_request.title,
            "received_on": review_request.received_on,
            "parameters": review_request.parameters,
            "partners_informed_on": review_request.partners_informed_on,
            "crg_informed_on": review_request.crg_informed_on,
            "contact": review_request.contact_id,
            "note": review_request.note,
            "version": review_request.version,
        },
    )
    support_form = SupportForm(request.POST if which == "support" else None, prefix="support")
    if which == "request" and form.is_valid():
        contact = _contact_for(form, chairs)
        if contact is not False:
            try:
                services.review_request_update(
                    request=review_request,
                    actor=request.user,
                    version=form.cleaned_data["version"] or 0,
                    contact=contact,
                    **form.values(),
                )
            except services.LearningConflict as error:
                review_request = selectors.review_request_get(scope=request.scope, pk=pk)
                form = with_current_version(form, review_request.version, chairs=chairs)
                form_error(form, error)
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, REQUEST_CHANGED)
                return redirect("national_review_request", pk=pk)
    if which == "support" and support_form.is_valid():
        try:
            services.review_support_add(
                request=review_request, actor=request.user, **support_form.cleaned_data
            )
        except ApplicationError as error:
            form_error(support_form, error)
        else:
            messages.success(request, SUPPORT_SAVED)
            return redirect("national_review_request", pk=pk)
    can_write = _may_write(request)
    return render(
        request,
        "publication/learning/review_request_detail.html",
        {
            "review_request": review_request,
            "gaps": selectors.request_gaps(review_request),
            "support": list(selectors.request_support(review_request)),
            "form": form if can_write else None,
            "support_form": support_form if can_write else None,
            "heading": review_request.title,
        },
    )
