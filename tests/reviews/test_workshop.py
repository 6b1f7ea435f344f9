"""The reflective learning workshop (§8.9-8.12): whether it is held and why not (§8.9.2),
its half days (§8.11.1), invitees with direct involvement only unless a reason is given
(§8.10.2), invitations by email with the briefing and plenty of notice (§8.10.3), the
invitee's personal link, attendance, the record of discussion (§8.11.3) and conversations
with practitioners who could not attend (§8.12.1)."""

import io
import re
from datetime import time, timedelta

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import Child, InformationRequest, RequestPurpose, RequestStatus, Role
from cases.selectors import working_calendar
from reviews.models import (
    InviteeResponse,
    KeyTheme,
    MilestoneKind,
    NamedPractitioner,
    ThemeCode,
    WorkshopInvitee,
    WorkshopSession,
)
from reviews.rules import WORKSHOP_NOTICE_WORKING_DAYS, workshop_short_notice
from reviews.selectors import workshop as selectors
from reviews.selectors.panel import milestones
from reviews.services import workshop as services
from reviews.workspace import tasks
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

CHILD = "Zebedee Quarrington"
POLICE, SCHOOL = "Northshire Constabulary", "Greenfield Academy"


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    office = staff_user(leicester)
    police = AgencyFactory(name=POLICE)
    school = AgencyFactory(name=SCHOOL)
    due = timezone.localdate() + timedelta(days=30)
    people = {}
    for agency, rows in (
        (police, [("Dana Constable", True, False), ("Morgan Sergeant", True, True)]),
        (school, [("Ellis Bursar", False, False)]),
    ):
        request = InformationRequest.objects.create(
            case=case,
            agency=agency,
            purpose=RequestPurpose.LCSPR,
            reply_due_on=due,
            sent_at=timezone.now(),
            # Submitted: the review reads an agency's named practitioners only then.
            status=RequestStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for name, direct, manager in rows:
            people[name] = NamedPractitioner.unscoped.create(
                request=request,
                name=name,
                job_title="Officer",
                email=f"{name.split()[0].lower()}@agency.example",
                direct_involvement=direct,
                is_line_manager=manager,
            )
    return {
        "case": case,
        "lcspr": lcspr,
        "reviewer": reviewer,
        "office": office,
        "people": people,
        "partnership": leicester,
    }


def _event_day(review, working_days):
    calendar = working_calendar(partnership=review["partnership"])
    return calendar.add(timezone.localdate(), working_days)


def plan(review, *, working_days=25, second=False, share_themes=False, place="Room 4, City Hall"):
    day = _event_day(review, working_days)
    sessions = [services.SessionTimes(day=day, starts=time(9, 30), ends=time(13, 0))]
    if second:
        sessions.append(services.SessionTimes(day=day, starts=time(14, 0), ends=time(16, 30)))
    current = selectors.workshop_of(lcspr=review["lcspr"])
    workshop, _ = services.workshop_plan(
        lcspr=review["lcspr"],
        version=current.version if current else 0,
        is_held=True,
        not_held_reason="",
        place=place,
        sessions=sessions,
        share_themes=share_themes,
        actor=review["reviewer"],
    )
    return workshop


def _date(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


def url(review, name):
    return reverse(name, kwargs={"reference": review["case"].reference})


# --- Whether it is held, and when --------------------------------------------------------


def test_not_held_needs_the_reason(client, review):
    sign_in(client, review["reviewer"])
    response = client.post(url(review, "lcspr_workshop"), {"is_held": "no", "version": 0})
    assert services.REASON_NEEDED in response.content.decode()
    assert selectors.workshop_of(lcspr=review["lcspr"]) is None
    response = client.post(
        url(review, "lcspr_workshop"),
        {"is_held": "no", "not_held_reason": "The practitioners have left.", "version": 0},
    )
    assert response.status_code == 302
    workshop = selectors.workshop_of(lcspr=review["lcspr"])
    assert workshop.is_held is False
    assert workshop.not_held_reason == "The practitioners have left."
    status = {task.key: state for task, state in tasks(review["lcspr"])}["workshop"]
    assert "The practitioners have left." in status.hint


def test_a_half_day_longer_than_four_and_a_half_hours_is_refused(client, review):
    sign_in(client, review["reviewer"])
    day = _event_day(review, 25)
    response = client.post(
        url(review, "lcspr_workshop"),
        {
            "is_held": "yes",
            **_date("first_day", day),
            "first_starts": "09:00",
            "first_ends": "16:00",
            "place": "Room 4",
            "version": 0,
        },
    )
    page = response.content.decode()
    assert "at most 4 and a half hours" in page
    assert 'value="16:00"' in page  # what was typed is kept
    assert selectors.workshop_of(lcspr=review["lcspr"]) is None


def test_the_plan_keeps_the_timetable_in_step_and_conflicts_on_a_stale_version(client, review):
    workshop = plan(review)
    first = selectors.sessions(workshop=workshop)[0]
    events = milestones(lcspr=review["lcspr"]).filter(kind=MilestoneKind.LEARNING_EVENT)
    assert [m.due_on for m in events] == [timezone.localtime(first.starts_at).date()]
    plan(review, working_days=30, second=True)
    events = milestones(lcspr=review["lcspr"]).filter(kind=MilestoneKind.LEARNING_EVENT)
    assert [m.due_on for m in events] == [_event_day(review, 30)]
    assert len(selectors.sessions(workshop=workshop)) == 2
    with pytest.raises(ApplicationError) as error:
        services.workshop_plan(
            lcspr=review["lcspr"],
            version=workshop.version,  # the first version: another save came since
            is_held=True,
            not_held_reason="",
            place="Elsewhere",
            sessions=[],
            share_themes=False,
            actor=review["reviewer"],
        )
    assert error.value.message == services.CONFLICT


# --- Invitees (§8.10.1-8.10.2) -----------------------------------------------------------


def test_a_practitioner_without_direct_involvement_is_refused_unless_a_reason(client, review):
    plan(review)
    sign_in(client, review["reviewer"])
    ellis = review["people"]["Ellis Bursar"]
    invitees_url = url(review, "lcspr_workshop_invitees")
    response = client.post(invitees_url, {"form": "named", "named-practitioner": ellis.pk})
    assert services.NO_DIRECT_INVOLVEMENT in response.content.decode()
    assert not WorkshopInvitee.unscoped.exists()
    response = client.post(
        invitees_url,
        {
            "form": "named",
            "named-practitioner": ellis.pk,
            "named-invited_reason": "Held the school's safeguarding records throughout.",
        },
    )
    assert response.status_code == 302
    invitee = WorkshopInvitee.unscoped.get()
    assert (invitee.name, invitee.direct_involvement, invitee.agency.name) == (
        "Ellis Bursar",
        False,
        SCHOOL,
    )
    assert invitee.invited_reason == "Held the school's safeguarding records throughout."


def test_someone_added_by_hand_needs_a_reason(client, review):
    plan(review)
    sign_in(client, review["office"])
    invitees_url = url(review, "lcspr_workshop_invitees")
    typed = {"form": "hand", "hand-name": "Sam Locum", "hand-email": "sam@gp.example"}
    response = client.post(invitees_url, typed)
    page = response.content.decode()
    assert escape(services.BY_HAND_NEEDS_REASON) in page
    assert 'value="Sam Locum"' in page
    response = client.post(invitees_url, typed | {"hand-invited_reason": "The locum GP."})
    assert response.status_code == 302
    assert WorkshopInvitee.unscoped.get().practitioner is None


def test_inviting_every_direct_practitioner_is_safe_twice(review):
    plan(review)
    lcspr = review["lcspr"]
    assert services.invitees_add_direct(lcspr=lcspr, actor=review["office"]) == 2
    assert services.invitees_add_direct(lcspr=lcspr, actor=review["office"]) == 0
    names = sorted(WorkshopInvitee.unscoped.values_list("name", flat=True))
    assert names == ["Dana Constable", "Morgan Sergeant"]


# --- Invitations (§8.10.3) --------------------------------------------------------------


def test_notice_warning_at_the_fifteen_working_day_boundary(review):
    calendar = working_calendar(partnership=review["partnership"])
    today = timezone.localdate()
    enough = calendar.add(today, WORKSHOP_NOTICE_WORKING_DAYS)
    short = calendar.add(today, WORKSHOP_NOTICE_WORKING_DAYS - 1)
    assert workshop_short_notice(calendar, sent_on=today, event_on=enough) is None
    warning = workshop_short_notice(calendar, sent_on=today, event_on=short)
    assert warning is not None
    assert "14 working days" in warning
    assert "§8.10.3" in warning


def test_the_send_page_warns_of_short_notice(client, review):
    plan(review, working_days=WORKSHOP_NOTICE_WORKING_DAYS - 1)
    services.invitees_add_direct(lcspr=review["lcspr"], actor=review["office"])
    sign_in(client, review["office"])
    page = client.get(url(review, "lcspr_workshop_send")).content.decode()
    assert "fewer than the 15 working days" in page
    assert (
        "fewer than the 15 working days"
        in client.get(url(review, "lcspr_workshop")).content.decode()
    )
    plan(review, working_days=WORKSHOP_NOTICE_WORKING_DAYS)
    page = client.get(url(review, "lcspr_workshop_send")).content.decode()
    assert "fewer than the 15 working days" not in page


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _send(client, review, django_capture_on_commit_callbacks):
    sign_in(client, review["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review, "lcspr_workshop_send"))
    assert response.status_code == 302
    return response


def _link(message) -> str:
    return re.search(r"https?://\S+/workshop-invitation/\S+/", message.body).group(0)


def test_invitations_go_once_with_the_briefing_and_only_the_reference(
    client, review, django_capture_on_commit_callbacks
):
    code = ThemeCode.unscoped.get(partnership=review["partnership"], code="neglect")
    KeyTheme.unscoped.create(
        lcspr=review["lcspr"], code=code, title="Hidden men", description="Partners unseen."
    )
    plan(review, share_themes=True)
    services.invitees_add_direct(lcspr=review["lcspr"], actor=review["office"])
    mail.outbox.clear()
    _send(client, review, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@agency.example", "morgan@agency.example"]
    reference = review["case"].reference
    for message in mail.outbox:
        assert reference in message.subject
        assert CHILD not in message.body
        assert CHILD.split()[0] not in message.body
        assert POLICE not in message.body
        assert "Morgan" not in message.body
        [(filename, content, mimetype)] = message.attachments
        assert mimetype == "application/pdf"
        assert reference in filename
        text = _pdf_text(content)
        assert reference in text
        assert "Room 4, City Hall" in text
        assert "Hidden men" in text
        assert "Partners unseen." in text
        assert CHILD.split()[0] not in text
        assert POLICE not in text
        assert "Dana" not in text
    # Twice: the send and its task, and the mail sweep, send nothing more.
    for invitee in WorkshopInvitee.unscoped.all():
        assert (
            services.workshop_invitation_email_send(
                partnership_id=review["partnership"].pk, invitee_id=invitee.pk
            )
            == 0
        )
        assert invitee.token_hash
        assert len(invitee.token_hash) == 64
    assert (
        services.unsent_workshop_emails_send(
            partnership=review["partnership"], before=timezone.now()
        )
        == 0
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(review, "lcspr_workshop_send"))
    assert len(mail.outbox) == 2
    # The token is in the link only: never stored as it is.
    token = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 bytes of randomness, URL-safe base 64
    assert not WorkshopInvitee.unscoped.filter(token_hash=token).exists()


def test_invitations_cannot_go_until_the_workshop_has_a_place(client, review):
    plan(review, place="")
    services.invitees_add_direct(lcspr=review["lcspr"], actor=review["office"])
    sign_in(client, review["office"])
    page = client.get(url(review, "lcspr_workshop_send")).content.decode()
    assert "Missing: the place" in page
    response = client.post(url(review, "lcspr_workshop_send"))
    assert "the place" in response.content.decode()
    assert not WorkshopInvitee.unscoped.filter(invited_at__isnull=False).exists()


# --- The personal link ----------------------------------------------------------------


@pytest.fixture
def invited(client, review, django_capture_on_commit_callbacks):
    plan(review)
    services.invitees_add_direct(lcspr=review["lcspr"], actor=review["office"])
    services.invitee_add(
        lcspr=review["lcspr"],
        actor=review["office"],
        name="Sam Locum",
        email="sam@gp.example",
        invited_reason="Locum GP.",
    )
    mail.outbox.clear()
    _send(client, review, django_capture_on_commit_callbacks)
    client.logout()
    links = {m.to[0]: _link(m).split("://", 1)[1].split("/", 1)[1] for m in mail.outbox}
    return {k: "/" + v for k, v in links.items()}


def test_the_link_shows_only_the_event(client, review, invited):
    page = client.get(invited["dana@agency.example"]).content.decode()
    assert "Room 4, City Hall" in page
    assert "Will you attend the workshop?" in page
    for absent in (
        review["case"].reference,
        CHILD,
        CHILD.split()[0],
        "Child A",
        POLICE,
        SCHOOL,
        "Morgan",
        "Sam Locum",
        "Dana",
    ):
        assert absent not in page, absent


def test_accept_decline_change_and_twice(client, review, invited):
    link = invited["dana@agency.example"]
    response = client.post(link, {"response": "accepted"})
    assert response.status_code == 302
    dana = WorkshopInvitee.unscoped.get(email="dana@agency.example")
    assert dana.response == InviteeResponse.ACCEPTED
    first_answer, changes = dana.responded_at, dana.history.count()
    client.post(link, {"response": "accepted"})  # sent twice: nothing changes
    dana.refresh_from_db()
    assert dana.responded_at == first_answer
    assert dana.history.count() == changes
    client.post(link, {"response": "declined"})
    dana.refresh_from_db()
    assert dana.response == InviteeResponse.DECLINED
    page = client.post(link, {}).content.decode()
    assert "Choose whether you will attend." in page
    # The office sees the answers on the workshop's page and the task's hint.
    sign_in(client, review["office"])
    page = client.get(url(review, "lcspr_workshop")).content.decode()
    assert "0 will attend, 1 cannot, 2 not replied yet" in page
    status = {task.key: state for task, state in tasks(review["lcspr"])}["workshop"]
    assert "1 of 3 invitees have replied" in status.hint


def test_the_link_needs_csrf(review, invited):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(invited["dana@agency.example"], {"response": "accepted"}).status_code == 403
    page = strict.get(invited["dana@agency.example"]).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(
        invited["dana@agency.example"], {"response": "accepted", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_bad_or_past_link_is_a_plain_404(client, review, invited):
    assert client.get("/workshop-invitation/not-a-real-token/").status_code == 404
    link = invited["dana@agency.example"]
    workshop = selectors.workshop_of(lcspr=review["lcspr"])
    session = selectors.sessions(workshop=workshop)[0]
    past = timezone.now() - timedelta(days=1)
    session.starts_at, session.ends_at = past - timedelta(hours=3), past
    session.save()
    response = client.get(link)
    assert response.status_code == 404
    assert review["case"].reference not in response.content.decode()


def test_answers_close_when_the_workshop_starts(client, review, invited):
    workshop = selectors.workshop_of(lcspr=review["lcspr"])
    session = selectors.sessions(workshop=workshop)[0]
    now = timezone.now()
    session.starts_at, session.ends_at = now - timedelta(hours=1), now + timedelta(hours=2)
    session.save()
    link = invited["dana@agency.example"]
    assert "answers can no longer be changed" in client.get(link).content.decode()
    client.post(link, {"response": "accepted"})
    assert WorkshopInvitee.unscoped.get(email="dana@agency.example").response == "awaiting"


# --- After the event -------------------------------------------------------------------


def _hold(review):
    workshop = selectors.workshop_of(lcspr=review["lcspr"])
    session = selectors.sessions(workshop=workshop)[0]
    past = timezone.now() - timedelta(days=1)
    session.starts_at, session.ends_at = past - timedelta(hours=3), past
    session.save()
    return workshop


def _record_due(client):
    return [i for i in client.get("/").context["work_items"] if i.text == selectors.RECORD_DUE]


def test_the_record_is_due_when_the_last_half_day_has_ended(client, review, invited):
    sign_in(client, review["reviewer"])
    workshop = _hold(review)
    first = selectors.sessions(workshop=workshop)[0]
    later = WorkshopSession.objects.create(
        workshop=workshop,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    # A second half day still to come: the workshop is not over, so no record is due yet.
    assert _record_due(client) == []
    later.starts_at = first.ends_at + timedelta(hours=1)
    later.ends_at = later.starts_at + timedelta(hours=3)
    later.save()
    (item,) = _record_due(client)
    assert item.due_on == timezone.localtime(later.ends_at).date()
    assert item.case_reference == review["case"].reference


def test_attendance_record_and_the_dashboard(client, review, invited):
    sign_in(client, review["reviewer"])
    page = client.get(url(review, "lcspr_workshop_attendance")).content.decode()
    assert "once the workshop has started" in page
    workshop = _hold(review)
    # The reviewer is told on the dashboard that the record is due.
    assert "Write the record of the learning workshop" in client.get("/").content.decode()
    rows = list(selectors.invitees(workshop=workshop))
    response = client.post(
        url(review, "lcspr_workshop_attendance"),
        {f"attended_{rows[0].pk}": "yes", f"attended_{rows[1].pk}": "no"},
    )
    assert response.status_code == 302
    assert [r.attended for r in selectors.invitees(workshop=workshop)] == [True, False, None]
    record_url = url(review, "lcspr_workshop_record")
    page = client.get(record_url).content.decode()
    for _, heading, _ in selectors.RECORD_HEADINGS:
        assert heading in page
    texts = {name: f"{name} discussed" for name, _, _ in selectors.RECORD_HEADINGS}
    response = client.post(record_url, {**texts, "version": workshop.record_version})
    assert response.status_code == 302
    # A second save at the old version conflicts, keeping what was typed.
    stale = {**texts, "record_learning": "Mine", "version": workshop.record_version}
    page = client.post(record_url, stale).content.decode()
    assert services.RECORD_CONFLICT in page
    assert ">Mine</textarea>" in page
    assert (
        selectors.workshop_of(lcspr=review["lcspr"]).record_learning == "record_learning discussed"
    )
    assert "Write the record of the learning workshop" not in client.get("/").content.decode()


def test_conversation_with_a_practitioner_who_could_not_attend(client, review):
    sign_in(client, review["reviewer"])
    conversations_url = url(review, "lcspr_workshop_conversations")
    today = timezone.localdate()
    response = client.post(
        conversations_url,
        {
            "name": "Ellis Bursar",
            "role": "Bursar",
            **_date("held_on", today),
            "held_by": review["reviewer"].pk,
            "note": "Explained the attendance records.",
        },
    )
    assert response.status_code == 302
    page = client.get(conversations_url).content.decode()
    assert "Explained the attendance records." in page
    assert "Ellis Bursar" in page
    response = client.post(
        conversations_url,
        {"name": "X", **_date("held_on", today + timedelta(days=2)), "note": "n"},
    )
    assert services.HELD_IN_FUTURE in response.content.decode()


# --- Access ----------------------------------------------------------------------------


def test_readers_and_writers(client, review, leicester):
    plan(review)
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    sign_in(client, chair)
    assert client.get(url(review, "lcspr_workshop")).status_code == 200
    assert client.post(url(review, "lcspr_workshop"), {"is_held": "no"}).status_code == 403
    assert client.get(url(review, "lcspr_workshop_send")).status_code == 403
    member = staff_user(leicester, role=Role.CRG_MEMBER)
    sign_in(client, member)
    assert client.get(url(review, "lcspr_workshop")).status_code == 403
    other_reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other_reviewer)
    sign_in(client, other_reviewer)
    assert client.get(url(review, "lcspr_workshop")).status_code == 404


def test_another_partnership_finds_nothing(client, review, lr):
    plan(review)
    sign_in(client, staff_user(lr))
    for name in (
        "lcspr_workshop",
        "lcspr_workshop_invitees",
        "lcspr_workshop_send",
        "lcspr_workshop_record",
        "lcspr_workshop_attendance",
        "lcspr_workshop_conversations",
        "lcspr_workshop_briefing_pdf",
    ):
        response = client.get(url(review, name))
        assert response.status_code == 404, name
        assert "Room 4" not in response.content.decode()


def test_no_invitee_without_a_held_workshop(review):
    with pytest.raises(ApplicationError) as error:
        services.invitee_add(
            lcspr=review["lcspr"],
            actor=review["office"],
            practitioner_id=review["people"]["Dana Constable"].pk,
        )
    assert error.value.message == services.NOT_HELD


def test_the_briefing_pdf_names_the_reference_only(client, review):
    plan(review)
    sign_in(client, review["reviewer"])
    response = client.get(url(review, "lcspr_workshop_briefing_pdf"))
    text = _pdf_text(response.content)
    assert review["case"].reference in text
    assert "Room 4, City Hall" in text
    assert "Your attendance matters." in text
    assert CHILD.split()[0] not in text


def test_the_task_on_the_lcspr_page(review):
    status = {task.key: state for task, state in tasks(review["lcspr"])}["workshop"]
    assert status.hint == selectors.NOT_DECIDED
    plan(review)
    status = {task.key: state for task, state in tasks(review["lcspr"])}["workshop"]
    assert selectors.NO_INVITEES.lower() in status.hint


# --- Withdrawing, sending again, and telling of a change (§8.10.3) ----------------------


def _invitee(email):
    return WorkshopInvitee.unscoped.get(email=email)


def _invitee_url(review, name, invitee):
    return reverse(name, kwargs={"reference": review["case"].reference, "pk": invitee.pk})


def _confirm(client, review, name, invitee, django_capture_on_commit_callbacks):
    """Open the confirmation page, then send its form as the browser would."""
    page = client.get(_invitee_url(review, name, invitee)).content.decode()
    data = dict(re.findall(r'name="(once_token|version)" value="([^"]*)"', page))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invitee_url(review, name, invitee), data)
    return page, data, response


def test_a_withdrawn_link_stops_working_and_the_invitee_is_told_once(
    client, review, invited, django_capture_on_commit_callbacks
):
    link = invited["dana@agency.example"]
    assert client.get(link).status_code == 200
    dana = _invitee("dana@agency.example")
    sign_in(client, review["office"])
    mail.outbox.clear()
    page, data, response = _confirm(
        client, review, "lcspr_workshop_invitee_withdraw", dana, django_capture_on_commit_callbacks
    )
    assert "Are you sure you want to withdraw Dana Constable" in page
    assert response.status_code == 302
    [told] = mail.outbox
    assert told.to == ["dana@agency.example"]
    assert "withdrawn" in told.subject
    assert review["case"].reference in told.subject
    for absent in (CHILD, CHILD.split()[0], "Dana", POLICE):
        assert absent not in told.body, absent
    # The same form sent again, and the job run again: nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(_invitee_url(review, "lcspr_workshop_invitee_withdraw", dana), data)
    assert again.status_code == 302
    assert (
        services.workshop_withdrawal_email_send(
            partnership_id=review["partnership"].pk, invitee_id=dana.pk
        )
        == 0
    )
    assert (
        services.unsent_workshop_emails_send(
            partnership=review["partnership"], before=timezone.now()
        )
        == 0
    )
    assert len(mail.outbox) == 1
    # The list keeps them as withdrawn; the counts are of those still invited.
    page = client.get(url(review, "lcspr_workshop_invitees")).content.decode()
    assert "Withdrawn invitations" in page
    assert "2 invited:" in page
    client.logout()
    closed = client.get(link)
    assert closed.status_code == 404
    assert "This invitation link does not work" in closed.content.decode()
    assert client.post(link, {"response": "accepted"}).status_code == 404
    assert _invitee("dana@agency.example").response == InviteeResponse.AWAITING


def test_an_unsent_invitee_is_removed_with_its_history_kept(
    client, review, django_capture_on_commit_callbacks
):
    plan(review)
    services.invitees_add_direct(lcspr=review["lcspr"], actor=review["office"])
    dana = _invitee("dana@agency.example")
    sign_in(client, review["office"])
    mail.outbox.clear()
    page, data, response = _confirm(
        client, review, "lcspr_workshop_invitee_withdraw", dana, django_capture_on_commit_callbacks
    )
    assert "taken off the list and nothing is sent" in page
    assert response.status_code == 302
    assert not WorkshopInvitee.unscoped.filter(pk=dana.pk).exists()
    assert WorkshopInvitee.history.filter(id=dana.pk, history_type="-").exists()
    assert mail.outbox == []
    # The form sent twice goes where the first went, not to a missing page.
    response = client.post(_invitee_url(review, "lcspr_workshop_invitee_withdraw", dana), data)
    assert response.status_code == 302
    assert response["Location"] == url(review, "lcspr_workshop_invitees")


def test_a_withdrawn_invitee_can_be_invited_again_with_a_new_link(
    client, review, invited, django_capture_on_commit_callbacks
):
    old_link = invited["dana@agency.example"]
    client.post(old_link, {"response": "accepted"})
    dana = _invitee("dana@agency.example")
    services.invitee_withdraw(invitee=dana, version=dana.version, actor=review["office"])
    dana.refresh_from_db()
    sign_in(client, review["office"])
    page, _, response = _confirm(
        client,
        review,
        "lcspr_workshop_invitee_invite_again",
        dana,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    dana.refresh_from_db()
    assert (dana.withdrawn_at, dana.invited_at, dana.response) == (
        None,
        None,
        InviteeResponse.AWAITING,
    )
    mail.outbox.clear()
    _send(client, review, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["dana@agency.example"]
    client.logout()
    new_link = "/" + _link(message).split("://", 1)[1].split("/", 1)[1]
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_sending_again_kills_the_old_link_and_one_click_sends_one_email(
    client, review, invited, django_capture_on_commit_callbacks
):
    old_link = invited["dana@agency.example"]
    client.post(old_link, {"response": "declined"})
    dana = _invitee("dana@agency.example")
    sign_in(client, review["office"])
    mail.outbox.clear()
    page, data, response = _confirm(
        client, review, "lcspr_workshop_invitee_resend", dana, django_capture_on_commit_callbacks
    )
    assert "The link in the earlier email stops working at once" in page
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["dana@agency.example"]
    assert "new personal link" in message.body
    assert CHILD.split()[0] not in message.body
    [(_, _, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    # The same page sent again (its token, then without it: a second tab at the same
    # version), and the job and the sweep run again: still one email.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invitee_url(review, "lcspr_workshop_invitee_resend", dana), data)
        stale = {"version": data["version"]}
        response = client.post(_invitee_url(review, "lcspr_workshop_invitee_resend", dana), stale)
    assert response.status_code == 302
    assert (
        services.workshop_invitation_email_send(
            partnership_id=review["partnership"].pk, invitee_id=dana.pk
        )
        == 0
    )
    services.unsent_workshop_emails_send(partnership=review["partnership"], before=timezone.now())
    assert len(mail.outbox) == 1
    client.logout()
    new_link = "/" + _link(message).split("://", 1)[1].split("/", 1)[1]
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    page = client.get(new_link).content.decode()
    assert "Room 4, City Hall" in page
    # Their answer is kept.
    assert _invitee("dana@agency.example").response == InviteeResponse.DECLINED


def test_a_change_of_date_tells_each_invitee_sent_once(
    client, review, invited, django_capture_on_commit_callbacks
):
    client.post(invited["dana@agency.example"], {"response": "declined"})
    # Sam is withdrawn (told so), and Ellis added but never sent: neither hears of the change.
    sam = _invitee("sam@gp.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitee_withdraw(invitee=sam, version=sam.version, actor=review["office"])
    services.invitee_add(
        lcspr=review["lcspr"],
        actor=review["office"],
        practitioner_id=review["people"]["Ellis Bursar"].pk,
        invited_reason="Kept the records.",
    )
    mail.outbox.clear()
    sign_in(client, review["office"])
    day = _event_day(review, 30)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(review, "lcspr_workshop"),
            {
                "is_held": "yes",
                **_date("first_day", day),
                "first_starts": "10:00",
                "first_ends": "13:30",
                "place": "Room 9, Town Hall",
                "version": selectors.workshop_of(lcspr=review["lcspr"]).version,
            },
            follow=True,
        )
    assert "being emailed the new date" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@agency.example", "morgan@agency.example"]
    for message in mail.outbox:
        assert review["case"].reference in message.subject
        assert "Room 9, Town Hall" in message.body
        assert "10:00am" in message.body or "10am" in message.body
        for absent in (CHILD, CHILD.split()[0], "Dana", "Morgan", POLICE):
            assert absent not in message.body, absent
    dana_email = next(m for m in mail.outbox if m.to == ["dana@agency.example"])
    assert "You told us you cannot attend" in dana_email.body
    # The job run again, and the sweep: nobody is told twice.
    for invitee in WorkshopInvitee.unscoped.all():
        assert (
            services.workshop_change_email_send(
                partnership_id=review["partnership"].pk, invitee_id=invitee.pk
            )
            == 0
        )
    assert (
        services.unsent_workshop_emails_send(
            partnership=review["partnership"], before=timezone.now()
        )
        == 0
    )
    assert len(mail.outbox) == 2
    # Answers are kept, and the office sees how many were told.
    assert _invitee("dana@agency.example").response == InviteeResponse.DECLINED
    page = client.get(url(review, "lcspr_workshop")).content.decode()
    assert "2 of 2 invitees emailed the new details" in page
    # A second change (the times back to 9:30) is told once more; the same plan saved
    # again is no change, and nobody is emailed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan(review, working_days=30, place="Room 9, Town Hall")
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@agency.example", "morgan@agency.example"]
    with django_capture_on_commit_callbacks(execute=True):
        plan(review, working_days=30, place="Room 9, Town Hall")
    assert len(mail.outbox) == 2


def test_a_change_notice_never_queued_is_sent_by_the_sweep_once(review, invited):
    # The plan changed but its jobs were lost (no commit callbacks run here).
    mail.outbox.clear()
    plan(review, place="The Old Library")
    assert mail.outbox == []
    later = timezone.now() + timedelta(minutes=1)
    partnership = review["partnership"]
    assert services.unsent_workshop_emails_send(partnership=partnership, before=later) == 3
    assert services.unsent_workshop_emails_send(partnership=partnership, before=later) == 0
    assert all("The Old Library" in m.body for m in mail.outbox)
    assert all(CHILD.split()[0] not in m.body for m in mail.outbox)


def test_another_case_invitee_is_not_found_under_this_case(client, review, invited, leicester):
    other = open_case(leicester)
    lcspr = appoint(other, staff_user(leicester, role=Role.REVIEWER)).lcspr
    sign_in(client, review["office"])
    dana = _invitee("dana@agency.example")
    wrong = reverse(
        "lcspr_workshop_invitee_withdraw", kwargs={"reference": other.reference, "pk": dana.pk}
    )
    assert lcspr.pk != review["lcspr"].pk
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"version": dana.version}).status_code == 404
    assert _invitee("dana@agency.example").withdrawn_at is None
