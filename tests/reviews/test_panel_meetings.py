"""The Case Review Panel's meetings (§6.2): standing items none may skip (§1.5.8, §7.1.3,
§11.2.1), minutes with a version, actions chased by the deadline engine, swift learning
(§11.2.1) and the family's coordinator (§7.1.3)."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Deadline, DeadlineStatus, Reminder, Role
from cases.services import reminders_make, reminders_send
from reviews import services
from reviews.models import (
    AgendaItem,
    FamilyCoordinator,
    PanelAction,
    PanelAttendance,
    PanelMeeting,
    StandingItem,
)
from reviews.selectors.panel import (
    MINUTES_NOT_RECORDED,
    NO_COORDINATOR,
    NO_MEETING_YET,
    next_milestone,
)
from reviews.services.panel import (
    CONFLICT,
    COORDINATOR_CONFLICT,
    NOT_APPOINTED,
    panel_action_email_send,
)
from reviews.services.timetable import BEFORE_DECISION
from tests.factories import appoint, open_case, sign_in, staff_user, working_days_ahead

pytestmark = pytest.mark.django_db

ACTION_SUBJECT = "Case {reference}: a Case Review Panel action is yours"


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    panel_member = staff_user(leicester, role=Role.PANEL_MEMBER)
    lcspr = appoint(case, reviewer).lcspr
    appoint(case, panel_member, Role.PANEL_MEMBER)
    office = staff_user(leicester)
    meeting = services.panel_meeting_schedule(
        lcspr=lcspr, held_on=timezone.localdate(), actor=office
    )
    return {
        "case": case,
        "lcspr": lcspr,
        "reviewer": reviewer,
        "panel_member": panel_member,
        "office": office,
        "meeting": meeting,
    }


def _date_fields(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


def _meeting_url(review, name="lcspr_panel_meeting"):
    return reverse(name, kwargs={"reference": review["case"].reference, "pk": review["meeting"].pk})


def test_a_meeting_before_the_decision_is_refused_on_its_date(client, review):
    lcspr = review["lcspr"]
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_panel", kwargs={"reference": review["case"].reference})
    response = client.post(
        url,
        {"form": "schedule", **_date_fields("held_on", lcspr.decided_on - timedelta(days=1))},
    )
    page = response.content.decode()
    assert BEFORE_DECISION.format(decided=format_date(lcspr.decided_on)) in page
    assert 'href="#id_held_on_0"' in page
    assert PanelMeeting.objects.for_partnership(lcspr.case.partnership).count() == 1


def test_a_meeting_has_the_standing_items_and_adds_its_milestone(review):
    meeting = review["meeting"]
    assert [item.standing for item in meeting.agenda.all()] == [
        StandingItem.DECLARATIONS,
        StandingItem.FAMILY_ENGAGEMENT,
        StandingItem.IMMEDIATE_ACTION,
    ]
    assert meeting.milestone.kind == "panel_meeting"
    assert (
        Deadline.objects.for_partnership(review["case"].partnership)
        .filter(kind=meeting.milestone.deadline_kind)
        .exists()
    )


def test_minutes_are_recorded_only_with_every_standing_item_answered(client, review):
    meeting = review["meeting"]
    items = {item.standing: item for item in meeting.agenda.all()}
    sign_in(client, review["reviewer"])
    url = _meeting_url(review)
    answers = {f"item_{items[StandingItem.DECLARATIONS].pk}": "None declared; all agreed."}
    response = client.post(url, {**answers, "version": 1, "record": "yes", "minutes": "Met."})
    page = response.content.decode()
    for standing in (StandingItem.FAMILY_ENGAGEMENT, StandingItem.IMMEDIATE_ACTION):
        assert f"Record what the panel said on {standing.label}." in page
        assert f'href="#id_item_{items[standing].pk}"' in page
    assert f"Record what the panel said on {StandingItem.DECLARATIONS.label}." not in page
    meeting.refresh_from_db()
    assert meeting.minutes_recorded_at is None

    # A draft is kept without them.
    draft = client.post(url, {**answers, "version": 1, "record": "no", "minutes": "Met."})
    assert draft.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.version) == ("Met.", 2)

    all_answered = {
        **answers,
        f"item_{items[StandingItem.FAMILY_ENGAGEMENT].pk}": "Mother invited to contribute.",
        f"item_{items[StandingItem.IMMEDIATE_ACTION].pk}": "None needed.",
        f"attended_{review['reviewer'].pk}": "present",
        f"attended_{review['panel_member'].pk}": "apologies",
        "decisions": "Chronologies from each agency.",
        "minutes": "Met.",
        "version": 2,
        "record": "yes",
    }
    assert client.post(url, all_answered).status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_recorded_at is not None
    assert {a.user: a.status for a in meeting.attendance.all()} == {
        review["reviewer"]: "present",
        review["panel_member"]: "apologies",
    }
    # The meeting was held: its date on the case's deadlines is met, not left to go overdue.
    deadlines = client.get(
        reverse("case_deadlines", kwargs={"reference": review["case"].reference})
    ).content.decode()
    item = Deadline.objects.for_partnership(review["case"].partnership).get(
        case=review["case"], kind=meeting.milestone.deadline_kind
    )
    assert (item.status, item.completed_on) == ("met", meeting.held_on)
    assert "Case Review Panel meeting" in deadlines


def test_recorded_minutes_close_the_meetings_dated_item(client, review):
    """A meeting held and minuted is done on its day: its milestone is no longer the case's
    "next due", nor chased or escalated by the deadline engine (§5.8)."""
    meeting = review["meeting"]
    case = review["case"]
    kind = meeting.milestone.deadline_kind
    item = Deadline.objects.for_partnership(case.partnership).get(case=case, kind=kind)
    assert item.status == DeadlineStatus.OPEN
    sign_in(client, review["reviewer"])
    answers = {f"item_{item.pk}": "Answered." for item in meeting.agenda.all()}
    client.post(_meeting_url(review), {**answers, "version": 1, "record": "no"})
    item.refresh_from_db()
    assert item.status == DeadlineStatus.OPEN  # a draft is not the meeting's record
    client.post(_meeting_url(review), {**answers, "version": 2, "record": "yes"})
    item.refresh_from_db()
    assert (item.status, item.completed_on) == (DeadlineStatus.MET, meeting.held_on)
    assert next_milestone(lcspr=review["lcspr"]) is None  # held today: behind, not next


def test_two_people_saving_the_same_draft_get_a_conflict(client, review):
    sign_in(client, review["reviewer"])
    url = _meeting_url(review)
    assert client.post(url, {"minutes": "First.", "version": 1, "record": "no"}).status_code == 302
    page = client.post(url, {"minutes": "Second.", "version": 1, "record": "no"}).content.decode()
    assert CONFLICT in page
    assert "Second." in page  # what they typed is kept, to check and save again
    review["meeting"].refresh_from_db()
    assert review["meeting"].minutes == "First."


def test_a_crg_member_cannot_record_minutes(client, review, leicester):
    member = staff_user(leicester, role=Role.CRG_MEMBER)
    sign_in(client, member)
    url = _meeting_url(review)
    page = client.get(url).content.decode()
    assert StandingItem.DECLARATIONS.label in page
    assert "Record the minutes" not in page  # read only
    panel = reverse("lcspr_panel", kwargs={"reference": review["case"].reference})
    assert client.get(panel).status_code == 200
    assert client.post(url, {"minutes": "x", "version": 1, "record": "no"}).status_code == 403
    with pytest.raises(ApplicationError):
        services.minutes_save(
            meeting=review["meeting"],
            version=1,
            answers={},
            attendance={},
            decisions="",
            minutes="x",
            record=False,
            actor=member,
        )


def test_a_reviewer_of_another_review_gets_404(client, review, leicester):
    other = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other)
    sign_in(client, other)
    reference = review["case"].reference
    for url in (
        _meeting_url(review),
        reverse("lcspr_panel", kwargs={"reference": reference}),
        reverse("lcspr_timetable", kwargs={"reference": reference}),
        reverse(
            "lcspr_milestone",
            kwargs={"reference": reference, "pk": review["meeting"].milestone_id},
        ),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(_meeting_url(review, "lcspr_panel_action_add"), {}).status_code == 404


def test_another_partnership_reaches_no_meeting(client, review, lr):
    sign_in(client, staff_user(lr))
    assert client.get(_meeting_url(review)).status_code == 404


def test_an_action_is_told_to_its_owner_and_chased_once_by_the_sweep(
    client, review, leicester, django_capture_on_commit_callbacks
):
    case, reviewer = review["case"], review["reviewer"]
    sign_in(client, review["office"])
    due = working_days_ahead(1, leicester)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _meeting_url(review, "lcspr_panel_action_add"),
            {
                "description": "Ask for the school's records.",
                "owner": reviewer.pk,
                **_date_fields("due_on", due),
            },
        )
    assert response.status_code == 302
    subject = ACTION_SUBJECT.format(reference=case.reference)
    [told] = [m for m in mail.outbox if m.subject == subject]
    assert told.to == [reviewer.email]
    assert "school" not in told.body  # the case reference only, never the action's text
    # Its job run again (a retry, or the sweep) sends nothing more.
    [action] = review["meeting"].actions.all()
    assert panel_action_email_send(partnership_id=leicester.pk, action_id=action.pk) == 0
    assert len([m for m in mail.outbox if m.subject == subject]) == 1

    # The sweep reminds the owner; run twice, it emails once.
    for _ in range(2):
        reminders_make(partnership=leicester, today=timezone.localdate())
        reminders_send(partnership=leicester)
    chased = [m for m in mail.outbox if "Case Review Panel action due" in m.subject]
    assert len(chased) == 1
    assert chased[0].to == [reviewer.email]

    # It is on the owner's dashboard.
    sign_in(client, reviewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Finish your Case Review Panel action" in page


def test_an_action_done_needs_a_note_and_closes_its_item(client, review, leicester):
    action = services.panel_action_add(
        meeting=review["meeting"],
        description="Ask the GP.",
        owner=review["panel_member"],
        due_on=timezone.localdate(),
        actor=review["office"],
    )
    sign_in(client, review["panel_member"])
    url = reverse(
        "lcspr_panel_action_done",
        kwargs={"reference": review["case"].reference, "pk": action.pk},
    )
    today = timezone.localdate()
    page = client.post(url, _date_fields(f"done-{action.pk}-done_on", today)).content.decode()
    assert "Say what was done." in page
    response = client.post(
        url,
        {**_date_fields(f"done-{action.pk}-done_on", today), f"done-{action.pk}-note": "Asked."},
    )
    assert response.status_code == 302
    item = Deadline.objects.for_partnership(leicester).get(kind=action.deadline_kind)
    assert item.status == DeadlineStatus.MET
    assert not Reminder.objects.for_partnership(leicester).filter(deadline=item).exists()


def test_the_task_says_what_is_missing(client, review, leicester, monkeypatch):
    case = review["case"]
    sign_in(client, review["office"])
    url = reverse("lcspr_overview", kwargs={"reference": case.reference})
    page = client.get(url).content.decode()
    held = format_date(review["meeting"].held_on)
    assert MINUTES_NOT_RECORDED.format(day=held) in page
    assert NO_COORDINATOR in page
    services.panel_action_add(
        meeting=review["meeting"],
        description="Ask the GP.",
        owner=review["office"],
        due_on=timezone.localdate(),
        actor=review["office"],
    )
    later = timezone.localdate() + timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    assert "1 action overdue" in client.get(url).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f"Record the minutes of the panel meeting of {held}" in dashboard


def test_no_meeting_yet_is_said(client, leicester):
    case = open_case(leicester)
    appoint(case, staff_user(leicester, role=Role.REVIEWER))
    sign_in(client, staff_user(leicester))
    page = client.get(reverse("lcspr_overview", kwargs={"reference": case.reference}))
    assert NO_MEETING_YET in page.content.decode()


def test_the_family_coordinator_is_named_and_shown(client, review):
    case = review["case"]
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_panel", kwargs={"reference": case.reference})
    assert "No family coordinator named yet" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "form": "coordinator",
            "name": "Sam Carter",
            "role": "Family liaison officer",
            "version": 0,
        },
    )
    assert response.status_code == 302
    overview = client.get(reverse("lcspr_overview", kwargs={"reference": case.reference}))
    page = overview.content.decode()
    assert "Sam Carter" in page
    assert "Family liaison officer" in page
    assert NO_COORDINATOR not in page


def test_swift_learning_needs_the_panels_consideration(client, review, leicester):
    sign_in(client, review["reviewer"])
    url = _meeting_url(review, "lcspr_swift_learning_add")
    message = {"message": "Check who else lives at the address.", "audience": "multi_agency"}
    page = client.post(url, message).content.decode()
    assert "Say whether sharing it could affect the family or a parallel investigation." in page
    page = client.post(
        url, {**message, "could_affect_family_or_investigation": "no", "consideration": " "}
    ).content.decode()
    assert escape("Record the panel's consideration of that risk.") in page
    done = client.post(
        url,
        {
            **message,
            "could_affect_family_or_investigation": "no",
            "consideration": "The police agree it may be shared now.",
        },
    )
    assert done.status_code == 302
    [item] = review["meeting"].swift_learning.all()
    assert item.sent_on is None
    sent = reverse(
        "lcspr_swift_learning_sent", kwargs={"reference": review["case"].reference, "pk": item.pk}
    )
    today = timezone.localdate()
    assert client.post(sent, _date_fields(f"sent-{item.pk}-sent_on", today)).status_code == 302
    item.refresh_from_db()
    assert item.sent_on == today


def test_an_action_owner_must_be_of_the_review(review, leicester):
    with pytest.raises(ApplicationError) as refused:
        services.panel_action_add(
            meeting=review["meeting"],
            description="x",
            owner=staff_user(leicester, role=Role.CRG_MEMBER),
            due_on=timezone.localdate(),
            actor=review["office"],
        )
    assert refused.value.field == "owner"


def _coordinator(lcspr):
    return FamilyCoordinator.objects.for_partnership(lcspr.case.partnership).get(lcspr=lcspr)


def test_a_coordinator_named_since_the_page_was_opened_is_a_conflict_not_overwritten(
    client, review
):
    """A opens the page when nobody is named (version 0); B names someone; A's save is a
    visible conflict, the form keeping what A typed, and B's coordinator stays (§7.1.3)."""
    case, lcspr = review["case"], review["lcspr"]
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_panel", kwargs={"reference": case.reference})
    assert 'name="version" value="0"' in client.get(url).content.decode()
    services.family_coordinator_name(
        lcspr=lcspr,
        name="Jo Bloggs",
        role="Social worker",
        agency=None,
        version=0,
        actor=review["office"],
    )
    response = client.post(
        url, {"form": "coordinator", "name": "Sam Carter", "role": "FLO", "version": 0}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(COORDINATOR_CONFLICT) in page
    assert 'value="Sam Carter"' in page  # what A typed is kept
    assert 'name="version" value="1"' in page  # at B's version, to save again if right
    assert _coordinator(lcspr).name == "Jo Bloggs"
    # A page with no version at all is refused, not taken as "whatever is there".
    client.post(url, {"form": "coordinator", "name": "Sam Carter", "role": "FLO"})
    assert _coordinator(lcspr).name == "Jo Bloggs"
    # Saved again at the version now shown, A's coordinator replaces B's.
    client.post(url, {"form": "coordinator", "name": "Sam Carter", "role": "FLO", "version": 1})
    assert (_coordinator(lcspr).name, _coordinator(lcspr).version) == ("Sam Carter", 2)


def test_two_first_namings_at_once_are_a_conflict_not_an_error(client, review):
    """Two people naming the first coordinator at the same moment both read "nobody
    named"; the second insert hits the review's one-to-one row and is a conflict."""
    case, lcspr = review["case"], review["lcspr"]
    services.family_coordinator_name(
        lcspr=lcspr,
        name="Jo Bloggs",
        role="Social worker",
        agency=None,
        version=0,
        actor=review["office"],
    )
    sign_in(client, review["reviewer"])
    url = reverse("lcspr_panel", kwargs={"reference": case.reference})
    # As if read before the other's insert was committed: nobody named yet.
    with mock.patch("reviews.services.panel._coordinator_locked", return_value=None):
        response = client.post(
            url, {"form": "coordinator", "name": "Sam Carter", "role": "FLO", "version": 0}
        )
    assert response.status_code == 200
    assert escape(COORDINATOR_CONFLICT) in response.content.decode()
    assert _coordinator(lcspr).name == "Jo Bloggs"


def _tokens(page) -> dict[str, str]:
    """The once token of each create form on the meeting page, by the form's action."""
    forms = re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]*csrfmiddlewaretoken[^>]*>'
        r'<input type="hidden" name="once_token" value="([^"]+)">',
        page,
    )
    return dict(forms)


def test_each_create_form_on_the_meeting_page_has_its_own_token(client, review, leicester):
    """Adding an agenda item, then an action from the same page, makes both: the action
    is not taken for a second send of the agenda item's form."""
    sign_in(client, review["reviewer"])
    page = client.get(_meeting_url(review)).content.decode()
    tokens = _tokens(page)
    agenda_url = _meeting_url(review, "lcspr_agenda_item_add")
    action_url = _meeting_url(review, "lcspr_panel_action_add")
    assert len({tokens[agenda_url], tokens[action_url]}) == 2
    client.post(agenda_url, {"once_token": tokens[agenda_url], "title": "Extra item"})
    response = client.post(
        action_url,
        {
            "once_token": tokens[action_url],
            "description": "Ask the school for its records.",
            "owner": review["reviewer"].pk,
            **_date_fields("due_on", timezone.localdate()),
        },
        follow=True,
    )
    assert "already sent" not in response.content.decode()
    assert AgendaItem.objects.for_partnership(leicester).filter(title="Extra item").count() == 1
    assert PanelAction.objects.for_partnership(leicester).count() == 1
    # The action form sent twice still makes one action.
    client.post(
        action_url,
        {
            "once_token": tokens[action_url],
            "description": "Ask the school for its records.",
            "owner": review["reviewer"].pk,
            **_date_fields("due_on", timezone.localdate()),
        },
    )
    assert PanelAction.objects.for_partnership(leicester).count() == 1


def test_attendance_of_an_ended_appointment_is_refused(review, leicester):
    """The minutes form offers the people appointed now: the service refuses the others."""
    appointment = review["lcspr"].appointments.get(user=review["panel_member"])
    services.appointment_end(
        appointment=appointment,
        ended_on=timezone.localdate(),
        reason="Moved away",
        actor=review["office"],
    )
    with pytest.raises(ApplicationError) as refused:
        services.minutes_save(
            meeting=review["meeting"],
            version=1,
            answers={},
            attendance={review["panel_member"].pk: "present"},
            decisions="",
            minutes="",
            record=False,
            actor=review["office"],
        )
    assert refused.value.message == NOT_APPOINTED
    assert not PanelAttendance.objects.for_partnership(leicester).exists()


def test_the_meeting_page_warns_that_other_forms_drop_unsaved_minutes(client, review):
    sign_in(client, review["reviewer"])
    page = client.get(_meeting_url(review)).content.decode()
    assert "Save the minutes as a draft before you add an agenda item" in page
