"""The review's timetable (§5.8) and its Case Review Panel meetings (§6.2, §7.1.3, §11.2.1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.errors import ApplicationError
from cases.models import Agency
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, scope_required, with_current_version
from reviews import services
from reviews.forms.panel import (
    ActionDoneForm,
    ActionForm,
    AgendaItemForm,
    FamilyCoordinatorForm,
    MeetingScheduleForm,
    MilestoneCancelForm,
    MilestoneChangeForm,
    MilestoneDoneForm,
    MilestoneForm,
    MinutesForm,
    SentForm,
    SwiftLearningForm,
)
from reviews.models import Appointment, MilestoneKind
from reviews.rules import partnership_people, six_month_date
from reviews.selectors import panel as selectors
from reviews.services.panel import StandingItemsUnanswered
from reviews.web import case_and_lcspr

ONLY_PANEL = "Only the Business Office, the Reviewer and the Panel run the panel's meetings."
MILESTONE_ADDED = "The milestone is on the timetable and on the case's deadlines."
MILESTONE_CHANGED = "The milestone is changed; its date on the case's deadlines moved with it."
MILESTONE_CANCELLED = "The milestone is cancelled; nobody will be reminded of it."
MILESTONE_DONE = "The milestone is recorded as done; nobody will be reminded of it."
MEETING_SCHEDULED = "The panel meeting is scheduled and on the timetable."
MINUTES_DRAFT_SAVED = "The minutes draft is saved."
MINUTES_RECORDED = "The minutes are recorded."
ACTION_ADDED = "The action is added; its owner is told by email and on their dashboard."
ACTION_DONE = "The action is recorded as done."
LEARNING_ADDED = "The swift learning message is recorded."
LEARNING_SENT = "The message is recorded as sent."
AGENDA_ADDED = "The agenda item is added."
COORDINATOR_NAMED = "The family coordinator is named."
MEETING_CREATES = ("agenda", "action", "learning")


def _refuse_post_without_panel(request) -> None:
    if request.method == "POST" and not request.scope.can(Action.RUN_PANEL_MEETINGS):
        raise PermissionDenied(ONLY_PANEL)


def _create(request, once, form, make, url_name, message, **url_kwargs):
    """Run a create once (its form's token), or keep the form with the refusal."""
    with transaction.atomic():
        try:
            if (replay := once.replay()) is not None:
                return replay
            make()
        except ApplicationError as error:
            form_error(form, error)
            return None
        url = reverse(url_name, kwargs=url_kwargs)
        once.spend(url)
    messages.success(request, message)
    return redirect(url)


# --- The timetable (§5.8) ---------------------------------------------------------------


@scope_required(Action.VIEW_CASES)
def lcspr_timetable(request, reference):
    """The review's milestones, and a form to plan one (§5.8)."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    people = partnership_people(lcspr)
    once = Once(request, f"milestone-{lcspr.pk}")
    form = MilestoneForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _create(
            request,
            once,
            form,
            lambda: services.milestone_add(lcspr=lcspr, actor=request.user, **data),
            "lcspr_timetable",
            MILESTONE_ADDED,
            reference=case.reference,
        )
        if done is not None:
            return done
    can_plan = request.scope.can(Action.RUN_PANEL_MEETINGS)
    return render(
        request,
        "reviews/timetable.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Plan the timetable",
            "form": form if can_plan else None,
            "once": once,
            "milestones": list(selectors.milestones(lcspr=lcspr)),
            "six_month_date": six_month_date(lcspr),
            "today": timezone.localdate(),
        },
    )


@scope_required(Action.VIEW_CASES)
def lcspr_milestone(request, reference, pk):
    """One milestone: move it or change its owner (with the reason), or cancel it."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    milestone = selectors.milestone_get(scope=request.scope, lcspr=lcspr, pk=pk)
    people = partnership_people(lcspr)
    if request.method == "POST":
        form = MilestoneChangeForm(request.POST, people=people)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.milestone_change(milestone=milestone, actor=request.user, **data)
            except ApplicationError as error:
                if error.field == "version":
                    current = selectors.milestone_get(scope=request.scope, lcspr=lcspr, pk=pk)
                    form = with_current_version(form, current.version, people=people)
                    form.add_error(None, error.message)
                else:
                    form_error(form, error)
            else:
                messages.success(request, MILESTONE_CHANGED)
                return redirect("lcspr_timetable", reference=case.reference)
    else:
        form = None
    return _milestone_page(request, case, lcspr, milestone, form=form)


def _milestone_page(
    request, case, lcspr, milestone, *, form=None, cancel_form=None, done_form=None
):
    if form is None:
        form = MilestoneChangeForm(
            initial={
                "due_on": milestone.due_on,
                "title": milestone.title,
                "owner": milestone.owner_id,
                "notes": milestone.notes,
                "after_six_months_reason": milestone.after_six_months_reason,
                "version": milestone.version,
            },
            people=partnership_people(lcspr),
        )
    can_plan = (
        request.scope.can(Action.RUN_PANEL_MEETINGS)
        and milestone.cancelled_on is None
        and milestone.done_on is None
    )
    # A panel meeting is done by recording its minutes, on the meeting's page.
    can_mark_done = can_plan and milestone.kind != MilestoneKind.PANEL_MEETING
    if can_mark_done and done_form is None:
        done_form = MilestoneDoneForm(initial={"version": milestone.version}, prefix="done")
    failed = [f for f in (cancel_form, done_form) if f is not None and f.is_bound and f.errors]
    return render(
        request,
        "reviews/timetable_milestone.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": milestone.label,
            "milestone": milestone,
            "form": form if can_plan else None,
            "cancel_form": (cancel_form or MilestoneCancelForm()) if can_plan else None,
            "done_form": done_form if can_mark_done else None,
            "failed_forms": failed,
            "failed_non_form_errors": [e for f in failed for e in f.non_field_errors()],
            "is_other": milestone.kind == MilestoneKind.OTHER,
            "six_month_date": six_month_date(lcspr),
        },
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_milestone_cancel(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    milestone = selectors.milestone_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = MilestoneCancelForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_cancel(
                milestone=milestone,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                on=timezone.localdate(),
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, MILESTONE_CANCELLED)
            return redirect("lcspr_timetable", reference=case.reference)
    return _milestone_page(request, case, lcspr, milestone, cancel_form=form)


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_milestone_done(request, reference, pk):
    """A learning event, family engagement or other milestone took place (§5.8)."""
    case, lcspr = case_and_lcspr(request, reference)
    milestone = selectors.milestone_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = MilestoneDoneForm(request.POST, prefix="done")
    if form.is_valid():
        try:
            services.milestone_done(milestone=milestone, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            if error.field == "version":
                milestone = selectors.milestone_get(scope=request.scope, lcspr=lcspr, pk=pk)
                form = MilestoneDoneForm(
                    {**form.data.dict(), "done-version": milestone.version}, prefix="done"
                )
                form.is_valid()
                form.add_error(None, error.message)
            else:
                form_error(form, error)
        else:
            messages.success(request, MILESTONE_DONE)
            return redirect("lcspr_timetable", reference=case.reference)
    return _milestone_page(request, case, lcspr, milestone, done_form=form)


# --- Panel meetings (§6.2, §7.1.3, §11.2.1) -----------------------------------------------


def _agencies(case):
    return Agency.objects.filter(partnerships=case.partnership).order_by("name")


@scope_required(Action.VIEW_CASES)
def lcspr_panel(request, reference):
    """The panel's meetings, its open actions and the family's coordinator (§7.1.3)."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    coordinator = selectors.family_coordinator(lcspr=lcspr)
    once = Once(request, f"panel-meeting-{lcspr.pk}")
    schedule_form = MeetingScheduleForm(
        request.POST if request.POST.get("form") == "schedule" else None
    )
    coordinator_form = FamilyCoordinatorForm(
        request.POST if request.POST.get("form") == "coordinator" else None,
        agencies=_agencies(case),
        initial={
            "name": coordinator.name,
            "role": coordinator.role,
            "agency": coordinator.agency_id,
            "version": coordinator.version,
        }
        if coordinator
        else {"version": 0},
    )
    if schedule_form.is_bound and schedule_form.is_valid():
        data = schedule_form.cleaned_data
        done = _create(
            request,
            once,
            schedule_form,
            lambda: services.panel_meeting_schedule(lcspr=lcspr, actor=request.user, **data),
            "lcspr_panel",
            MEETING_SCHEDULED,
            reference=case.reference,
        )
        if done is not None:
            return done
    if coordinator_form.is_bound and coordinator_form.is_valid():
        try:
            services.family_coordinator_name(
                lcspr=lcspr, actor=request.user, **coordinator_form.cleaned_data
            )
        except ApplicationError as error:
            if error.field == "version":
                # What the other person saved is shown above; the form keeps what was
                # typed, at the version now stored, to save again if still right.
                coordinator = selectors.family_coordinator(lcspr=lcspr)
                coordinator_form = with_current_version(
                    coordinator_form,
                    coordinator.version if coordinator else 0,
                    agencies=_agencies(case),
                )
                coordinator_form.add_error(None, error.message)
            else:
                form_error(coordinator_form, error)
        else:
            messages.success(request, COORDINATOR_NAMED)
            return redirect("lcspr_panel", reference=case.reference)
    can_run = request.scope.can(Action.RUN_PANEL_MEETINGS)
    failed = [f for f in (schedule_form, coordinator_form) if f.is_bound and f.errors]
    today = timezone.localdate()
    return render(
        request,
        "reviews/panel_meetings.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Run the panel meetings",
            "form": failed[0] if failed else None,
            "schedule_form": schedule_form if can_run else None,
            "coordinator_form": coordinator_form if can_run else None,
            "once": once,
            "coordinator": coordinator,
            "standing": selectors.panel_standing(lcspr=lcspr),
            "meetings": list(selectors.meetings(lcspr=lcspr)),
            "actions": list(selectors.actions(lcspr=lcspr)),
            "today": today,
            "can_run": can_run,
        },
    )


def _meeting_page(request, case, lcspr, meeting, **forms):
    can_run = (
        request.scope.can(Action.RUN_PANEL_MEETINGS) and meeting.milestone.cancelled_on is None
    )
    people = partnership_people(lcspr)
    appointed = (
        Appointment.objects.for_partnership(case.partnership)
        .filter(lcspr=lcspr, ended_on=None)
        .select_related("user")
    )
    if "minutes_form" not in forms:
        attendance = {row.user_id: row.status for row in meeting.attendance.all()}
        initial = {
            "decisions": meeting.decisions,
            "minutes": meeting.minutes,
            "version": meeting.version,
            **{f"item_{item.pk}": item.answer for item in meeting.agenda.all()},
            **{f"attended_{user_id}": status for user_id, status in attendance.items()},
        }
        forms["minutes_form"] = MinutesForm(
            initial=initial, agenda=meeting.agenda.all(), appointed=appointed
        )
    onces = {f"once_{what}": forms.pop(f"once_{what}", None) for what in MEETING_CREATES}
    for key, once in onces.items():
        if once is None:
            onces[key] = once = Once(request, f"panel-{key.removeprefix('once_')}-{meeting.pk}")
            once.token = ""  # a token sent with another form is not this form's
    forms.setdefault("agenda_form", AgendaItemForm())
    forms.setdefault("action_form", ActionForm(people=people))
    forms.setdefault("learning_form", SwiftLearningForm(agencies=_agencies(case)))
    failed = [f for f in forms.values() if f.is_bound and f.errors]
    today = timezone.localdate()
    return render(
        request,
        "reviews/panel_meeting.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "heading": "Case Review Panel meeting",
            "meeting": meeting,
            "form": failed[0] if failed else None,
            "can_run": can_run,
            # One token per create form (agenda item, action, swift learning): the page
            # shows all three, and sending one must not spend the others' token.
            **onces,
            "actions": [
                {
                    "action": action,
                    "overdue": action.done_on is None and action.due_on < today,
                    "done_form": forms.get(f"done_{action.pk}")
                    or ActionDoneForm(prefix=f"done-{action.pk}"),
                }
                for action in meeting.actions.all()
            ],
            "learning": [
                {
                    "item": item,
                    "sent_form": forms.get(f"sent_{item.pk}") or SentForm(prefix=f"sent-{item.pk}"),
                }
                for item in meeting.swift_learning.all()
            ],
            **forms,
        },
    )


@scope_required(Action.VIEW_CASES)
def lcspr_panel_meeting(request, reference, pk):
    """A meeting's agenda and minutes: every standing item needs an answer before the
    minutes are recorded (§1.5.8, §7.1.3, §11.2.1); a draft may be saved at any time."""
    case, lcspr = case_and_lcspr(request, reference)
    _refuse_post_without_panel(request)
    meeting = selectors.meeting_get(scope=request.scope, lcspr=lcspr, pk=pk)
    if request.method != "POST":
        return _meeting_page(request, case, lcspr, meeting)
    appointed = (
        Appointment.objects.for_partnership(case.partnership)
        .filter(lcspr=lcspr, ended_on=None)
        .select_related("user")
    )
    kwargs = {"agenda": meeting.agenda.all(), "appointed": appointed}
    form = MinutesForm(request.POST, **kwargs)
    record = request.POST.get("record") == "yes"
    if form.is_valid():
        try:
            services.minutes_save(
                meeting=meeting,
                version=form.cleaned_data["version"],
                answers=form.answers(),
                attendance=form.attendance(),
                decisions=form.cleaned_data["decisions"],
                minutes=form.cleaned_data["minutes"],
                record=record,
                actor=request.user,
            )
        except StandingItemsUnanswered as error:
            for item in error.items:
                form.add_error(f"item_{item.pk}", f"Record what the panel said on {item.title}.")
        except ApplicationError as error:
            if error.field == "version":
                current = selectors.meeting_get(scope=request.scope, lcspr=lcspr, pk=pk)
                form = with_current_version(form, current.version, **kwargs)
                form.add_error(None, error.message)
            else:
                form_error(form, error)
        else:
            messages.success(request, MINUTES_RECORDED if record else MINUTES_DRAFT_SAVED)
            return redirect("lcspr_panel_meeting", reference=case.reference, pk=meeting.pk)
    return _meeting_page(request, case, lcspr, meeting, minutes_form=form)


def _meeting_create(request, reference, pk, *, what, form_class, form_kwargs, make, message):
    case, lcspr = case_and_lcspr(request, reference)
    meeting = selectors.meeting_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = form_class(request.POST, **form_kwargs(case, lcspr))
    once = Once(request, f"panel-{what}-{meeting.pk}")
    if form.is_valid():
        done = _create(
            request,
            once,
            form,
            lambda: make(meeting, form.cleaned_data),
            "lcspr_panel_meeting",
            message,
            reference=case.reference,
            pk=meeting.pk,
        )
        if done is not None:
            return done
    return _meeting_page(
        request, case, lcspr, meeting, **{f"{what}_form": form, f"once_{what}": once}
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_agenda_item_add(request, reference, pk):
    return _meeting_create(
        request,
        reference,
        pk,
        what="agenda",
        form_class=AgendaItemForm,
        form_kwargs=lambda case, lcspr: {},
        make=lambda meeting, data: services.agenda_item_add(
            meeting=meeting, actor=request.user, **data
        ),
        message=AGENDA_ADDED,
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_panel_action_add(request, reference, pk):
    return _meeting_create(
        request,
        reference,
        pk,
        what="action",
        form_class=ActionForm,
        form_kwargs=lambda case, lcspr: {"people": partnership_people(lcspr)},
        make=lambda meeting, data: services.panel_action_add(
            meeting=meeting, actor=request.user, **data
        ),
        message=ACTION_ADDED,
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_swift_learning_add(request, reference, pk):
    return _meeting_create(
        request,
        reference,
        pk,
        what="learning",
        form_class=SwiftLearningForm,
        form_kwargs=lambda case, lcspr: {"agencies": _agencies(case)},
        make=lambda meeting, data: services.swift_learning_record(
            meeting=meeting,
            actor=request.user,
            message=data["message"],
            audience=data["audience"],
            agencies=list(data["agencies"]),
            could_affect_family_or_investigation=data["could_affect_family_or_investigation"],
            consideration=data["consideration"],
            sent_on=data["sent_on"],
        ),
        message=LEARNING_ADDED,
    )


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_panel_action_done(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    action = selectors.action_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = ActionDoneForm(request.POST, prefix=f"done-{action.pk}")
    if form.is_valid():
        try:
            services.panel_action_done(action=action, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, ACTION_DONE)
            return redirect("lcspr_panel_meeting", reference=case.reference, pk=action.meeting_id)
    meeting = selectors.meeting_get(scope=request.scope, lcspr=lcspr, pk=action.meeting_id)
    return _meeting_page(request, case, lcspr, meeting, **{f"done_{action.pk}": form})


@require_POST
@scope_required(Action.RUN_PANEL_MEETINGS)
def lcspr_swift_learning_sent(request, reference, pk):
    case, lcspr = case_and_lcspr(request, reference)
    item = selectors.swift_learning_get(scope=request.scope, lcspr=lcspr, pk=pk)
    form = SentForm(request.POST, prefix=f"sent-{item.pk}")
    if form.is_valid():
        try:
            services.swift_learning_sent(item=item, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, LEARNING_SENT)
            return redirect("lcspr_panel_meeting", reference=case.reference, pk=item.meeting_id)
    meeting = selectors.meeting_get(scope=request.scope, lcspr=lcspr, pk=item.meeting_id)
    return _meeting_page(request, case, lcspr, meeting, **{f"sent_{item.pk}": form})
