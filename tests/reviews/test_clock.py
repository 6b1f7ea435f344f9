"""The six-month clock (§3.1.2-§3.1.3): the `lcspr_complete` date and the time left, delays
recorded and put to the CRG, the CRG's consideration, and the notice to the National Panel
and the Secretary of State, whose sending is emailed once."""

import io
import logging
from datetime import timedelta

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Child, Deadline, DeadlineStatus, FamilyMember, Membership, Role
from cases.selectors import working_calendar
from cases.tenancy import Scope
from rapidreview.models import CrgMeeting, MeetingKind
from reviews import workspace
from reviews.models import Delay, DelayNotice, Lcspr
from reviews.rules import (
    DELAY_TEXTS,
    REVISED_DATE_NEEDED,
    REVISED_DATE_TOO_EARLY,
    six_month_at_risk,
)
from reviews.selectors import api as api_selectors
from reviews.selectors import clock as clock_selectors
from reviews.services import (
    delay_consideration_record,
    delay_notice_send,
    delay_put_to_crg,
    delay_record,
    delay_update,
    lcspr_open,
)
from reviews.services.clock import CONSIDERED_BEFORE_MEETING, DELAY_CONFLICT
from reviews.tasks import delay_notice_email, delay_recorded_email, mail_sweep
from tests.access_policy import ROUTES, may
from tests.factories import appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

CHILD_NAME = "Olivia Testname"
REASON = "The Police ask the review to wait before involving the parents (Operation Alder)."
PANEL = "national-panel@notices.example"
SECRETARY = "secretary-of-state@notices.example"


def _today():
    return timezone.localdate()


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME)
    return lcspr_open(case=case, decided_on=_today(), key_lines_of_enquiry="", actor=None)


@pytest.fixture
def office(leicester):
    return staff_user(leicester)


@pytest.fixture
def addresses(leicester):
    leicester.national_panel_email = PANEL
    leicester.secretary_of_state_email = SECRETARY
    leicester.save()
    return leicester


def statutory(lcspr):
    return Deadline.objects.for_partnership(lcspr.case.partnership).get(
        case=lcspr.case, kind="lcspr_complete"
    )


def url(name, lcspr, pk=None):
    kwargs = {"reference": lcspr.case.reference}
    if pk is not None:
        kwargs["pk"] = pk
    return reverse(name, kwargs=kwargs)


def date_fields(name, day):
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def delay_form(lcspr, *, prevents=True, revised=None, **extra):
    data = {
        **date_fields("arose_on", _today()),
        "asked_by": "Police Senior Investigating Officer",
        "reason": REASON,
        "holds_up": "Involving the parents in the review.",
        "prevents_publication": "yes" if prevents else "no",
        **extra,
    }
    if revised is not None:
        data.update(date_fields("revised_expected_on", revised))
    return data


def a_delay(lcspr, office, *, prevents=True, revised=None):
    revised = revised or statutory(lcspr).due_date + timedelta(days=60)
    return delay_record(
        lcspr=lcspr,
        actor=office,
        arose_on=_today(),
        asked_by="Police Senior Investigating Officer",
        reason=REASON,
        holds_up="Involving the parents in the review.",
        prevents_publication=prevents,
        revised_expected_on=revised if prevents else None,
    )


def a_meeting(partnership, days=7):
    return CrgMeeting.unscoped.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=_today() + timedelta(days=days)
    )


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_clock_shows_the_six_month_date_and_the_working_days_left(
    client, review, office, leicester
):
    due = statutory(review).due_date
    left = working_calendar(partnership=leicester).between(_today(), due)
    sign_in(client, office)

    for page in (url("lcspr_clock", review), url("lcspr_overview", review)):
        text = client.get(page).content.decode()
        assert "Six-month date (§3.1.2)" in text
        assert format_date(due, weekday=True) in text
        assert f"{left} working days left" in text
        months = clock_selectors.months_left(_today(), due)
        assert f"{left} working days left ({months} months)" in text
    status = {task.key: status for task, status in workspace.tasks(review)}["clock"]
    assert status.hint == "On track"


def test_a_delay_put_to_a_meeting_is_on_its_business_and_the_crg_consideration_recorded(
    client, review, office, leicester
):
    meeting = a_meeting(leicester, days=0)  # considered today, at today's meeting
    revised = statutory(review).due_date + timedelta(days=45)
    sign_in(client, office)

    response = client.post(url("lcspr_delay_add", review), delay_form(review, revised=revised))
    assert response.status_code == 302
    delay = Delay.objects.for_partnership(leicester).get(lcspr=review)
    assert delay.revised_expected_on == revised
    overview = client.get(url("lcspr_overview", review)).content.decode()
    assert "Delay to consider" in overview
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Put the LCSPR&#x27;s delay to the CRG (§3.1.3)" in dashboard

    response = client.post(url("lcspr_delay_meeting", review, delay.pk), {"meeting": meeting.pk})
    assert response.status_code == 302
    business = client.get(reverse("meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert review.case.reference in business
    assert "Consider a delay to the LCSPR" in business

    response = client.post(
        url("lcspr_delay_consideration", review, delay.pk),
        {**date_fields("considered_on", _today()), "decision": "Agreed; the revised date noted."},
    )
    assert response.status_code == 302
    page = client.get(url("lcspr_clock", review)).content.decode()
    assert f"Considered on {format_date(_today())}" in page
    assert "Agreed; the revised date noted." in page
    business = client.get(reverse("meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert "Recorded" in business


def test_a_cancelled_meeting_is_not_offered(client, review, office, leicester):
    meeting = a_meeting(leicester)
    meeting.cancelled_at = timezone.now()
    meeting.save()
    delay = a_delay(review, office)
    sign_in(client, office)
    page = client.get(url("lcspr_delay_meeting", review, delay.pk)).content.decode()
    assert "No CRG meeting is in the calendar" in page
    response = client.post(url("lcspr_delay_meeting", review, delay.pk), {"meeting": meeting.pk})
    assert response.status_code == 200
    assert Delay.objects.for_partnership(leicester).get(pk=delay.pk).crg_meeting is None


def test_a_revised_date_not_after_the_six_month_date_is_refused_with_the_field_named(
    client, review, office
):
    due = statutory(review).due_date
    sign_in(client, office)

    response = client.post(url("lcspr_delay_add", review), delay_form(review, revised=due))
    assert response.status_code == 200
    assert response.context["form"].errors["revised_expected_on"] == [
        REVISED_DATE_TOO_EARLY.format(statutory=format_date(due))
    ]
    assert 'href="#id_revised_expected_on_0"' in response.content.decode()

    response = client.post(url("lcspr_delay_add", review), delay_form(review))
    assert response.context["form"].errors["revised_expected_on"] == [REVISED_DATE_NEEDED]
    assert not Delay.objects.for_partnership(review.case.partnership).exists()


def test_the_statutory_date_never_moves_and_the_revised_date_is_shown_beside_it(
    client, review, office
):
    before = statutory(review).due_date
    revised = before + timedelta(days=90)
    a_delay(review, office, revised=revised)

    deadline = statutory(review)
    assert deadline.due_date == before
    assert deadline.expected_date == revised
    assert deadline.moves.count() == 0
    sign_in(client, office)
    tab = client.get(reverse("case_deadlines", kwargs={"reference": review.case.reference}))
    text = tab.content.decode()
    assert f"Revised expected date: {format_date(revised, weekday=True)}" in text
    assert format_date(before, weekday=True) in text
    page = client.get(url("lcspr_overview", review)).content.decode()
    assert "Revised expected date (§3.1.3)" in page


def test_the_notice_pdf_holds_the_reference_reason_and_revised_date_and_no_name(
    client, review, office, addresses
):
    revised = statutory(review).due_date + timedelta(days=60)
    delay = a_delay(review, office, revised=revised)
    sign_in(client, office)

    response = client.get(url("lcspr_delay_notice_pdf", review, delay.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert review.case.reference in text
    assert "The Police ask the review to wait before involving the parents" in text
    assert format_date(revised, weekday=True) in text
    assert CHILD_NAME not in text
    assert "Olivia" not in text


def test_the_notice_is_emailed_once_to_the_configured_addresses(
    client, review, office, addresses, django_capture_on_commit_callbacks
):
    delay = a_delay(review, office)
    sign_in(client, office)
    assert "Notice to send" in client.get(url("lcspr_overview", review)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("lcspr_delay_notice_send", review, delay.pk))
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("lcspr_delay_notice_send", review, delay.pk))  # pressed twice
    [notice] = DelayNotice.objects.for_partnership(review.case.partnership)
    delay_notice_email.delay(partnership_id=review.case.partnership_id, notice_id=notice.pk)
    mail_sweep.delay()

    [message] = mail.outbox
    assert sorted(message.to) == sorted([PANEL, SECRETARY])
    assert review.case.reference in message.subject
    assert CHILD_NAME not in message.body
    [(name, pdf, kind)] = message.attachments
    assert kind == "application/pdf"
    assert name.startswith(review.case.reference)
    assert review.case.reference in pdf_text(pdf)
    notice.refresh_from_db()
    assert notice.email_sent_at is not None
    assert notice.recipients == sorted([PANEL, SECRETARY])

    page = client.get(url("lcspr_clock", review)).content.decode()
    assert "No notice has been sent" not in page
    assert PANEL in page
    delay_put_to_crg(delay=delay, actor=office, meeting=a_meeting(review.case.partnership, 0))
    delay_consideration_record(
        delay=delay, actor=office, considered_on=_today(), decision="Agreed."
    )
    overview = client.get(url("lcspr_overview", review)).content.decode()
    assert f"Notice sent on {format_date(_today())}" in overview
    assert clock_selectors.delay_notices_sent(review) == [_today()]


def test_a_revised_date_changed_later_makes_a_new_notice_due(
    client, review, office, addresses, django_capture_on_commit_callbacks
):
    delay = a_delay(review, office)
    with django_capture_on_commit_callbacks(execute=True):
        delay_notice_send(delay=delay, actor=office)
    later = delay.revised_expected_on + timedelta(days=30)
    sign_in(client, office)
    response = client.post(
        url("lcspr_delay_edit", review, delay.pk),
        delay_form(review, revised=later, version=delay.version),
    )
    assert response.status_code == 302
    delay.refresh_from_db()
    assert clock_selectors.delay_notice_due(delay)
    assert statutory(review).expected_date == later
    with django_capture_on_commit_callbacks(execute=True):
        delay_notice_send(delay=delay, actor=office)
    assert len(mail.outbox) == 2


def test_a_stale_version_of_a_delay_is_a_conflict(client, review, office):
    delay = a_delay(review, office)
    sign_in(client, office)
    response = client.post(
        url("lcspr_delay_edit", review, delay.pk),
        delay_form(review, revised=delay.revised_expected_on, version=delay.version - 1),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [DELAY_CONFLICT]
    # The form now holds the stored version: saving again is not a conflict for ever.
    assert response.context["form"]["version"].value() == delay.version


def test_without_an_address_the_page_says_so_and_who_sets_it(client, review, office, leicester):
    delay = a_delay(review, office)
    sign_in(client, office)
    page = client.get(url("lcspr_clock", review)).content.decode()
    assert "no email address for the National Panel or the Secretary of State" in page
    assert "partnership admin" in page

    response = client.post(url("lcspr_delay_notice_send", review, delay.pk), follow=True)
    assert "partnership admin sets it" in response.content.decode()
    assert not DelayNotice.objects.for_partnership(leicester).exists()


def test_at_risk(review, office, leicester):
    def at_risk():
        listed = clock_selectors.at_risk_filter(Lcspr.objects.for_partnership(leicester))
        others = clock_selectors.at_risk_filter(
            Lcspr.objects.for_partnership(leicester), at_risk=False
        )
        assert (review in listed) != (review in others)
        assert (review in listed) == clock_selectors.at_risk(review)
        return clock_selectors.at_risk(review)

    assert not at_risk()
    delay = a_delay(review, office, prevents=False)
    assert not at_risk()
    a_delay(review, office)
    assert at_risk()
    Delay.objects.for_partnership(review.case.partnership).exclude(pk=delay.pk).update(
        resolved_on=_today()
    )
    assert not at_risk()
    deadline = statutory(review)
    deadline.due_date = _today() - timedelta(days=3)
    deadline.save()
    assert at_risk()


def test_a_crg_member_cannot_record_a_delay(client, review, leicester):
    member = staff_user(leicester, role=Role.CRG_MEMBER)
    sign_in(client, member)
    assert client.get(url("lcspr_clock", review)).status_code == 200
    response = client.post(url("lcspr_delay_add", review), delay_form(review))
    assert response.status_code == 403
    assert not Delay.objects.for_partnership(leicester).exists()


def test_a_reviewer_of_another_review_gets_404(client, review, office, leicester):
    delay = a_delay(review, office)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), reviewer)
    sign_in(client, reviewer)
    assert client.get(url("lcspr_clock", review)).status_code == 404
    assert client.get(url("lcspr_delay_notice_pdf", review, delay.pk)).status_code == 404


PK_ROUTES = [
    "lcspr_delay_edit",
    "lcspr_delay_meeting",
    "lcspr_delay_consideration",
    "lcspr_delay_resolve",
    "lcspr_delay_notice_pdf",
    "lcspr_notice_pdf",
]


def test_each_delay_and_notice_is_reached_only_by_its_own_review(
    client, leicester, lr, addresses, django_capture_on_commit_callbacks
):
    """Every role of each partnership on every route by a delay's or notice's id: the
    policy's role, then its partnership (and an appointed role's own review), else 404."""
    rows = {}
    for partnership in (leicester, lr):
        partnership.national_panel_email, partnership.secretary_of_state_email = PANEL, SECRETARY
        partnership.save()
        case = open_case(partnership)
        lcspr = lcspr_open(case=case, decided_on=_today(), key_lines_of_enquiry="", actor=None)
        office = staff_user(partnership)
        delay = a_delay(lcspr, office)
        delay_put_to_crg(delay=delay, actor=office, meeting=a_meeting(partnership))
        with django_capture_on_commit_callbacks(execute=True):
            notice = delay_notice_send(delay=delay, actor=office)
        rows[partnership.pk] = (lcspr, delay, notice)
    wrong = []
    for partnership in (leicester, lr):
        for role in Role:
            if role == Role.AGENCY_USER:
                continue
            user = staff_user(partnership, role=role)
            own_lcspr = rows[partnership.pk][0]
            if role in (Role.REVIEWER, Role.PANEL_MEMBER):
                appoint(own_lcspr.case, user, role)
            sign_in(client, user)
            for lcspr, delay, notice in rows.values():
                own = lcspr.case.partnership_id == partnership.pk
                for name in PK_ROUTES:
                    pk = notice.pk if name == "lcspr_notice_pdf" else delay.pk
                    expected = 403 if not may(role, ROUTES[name]) else (200 if own else 404)
                    got = client.get(url(name, lcspr, pk)).status_code
                    if got != expected:
                        wrong.append((role, partnership.slug, name, own, got, expected))
                send = client.post(url("lcspr_delay_notice_send", lcspr, delay.pk))
                expected = 403 if not may(role, ROUTES["lcspr_delay_notice_send"]) else None
                if expected is None:
                    expected = 302 if own else 404
                if send.status_code != expected:
                    wrong.append((role, partnership.slug, "send", own, send.status_code, expected))
    assert wrong == []


def test_the_partnership_admin_sets_the_notice_addresses(client, leicester):
    from tests.cases.test_admin_scoping import partnership_admin

    admin = partnership_admin(leicester, "leicester-admin")
    sign_in(client, admin)
    page = client.get(reverse("admin:cases_partnership_change", args=[leicester.pk]))
    text = page.content.decode()
    assert 'name="national_panel_email"' in text
    assert 'name="secretary_of_state_email"' in text
    assert "§3.1.3" in text


def test_the_crg_chair_is_told_of_a_delay_once(
    client, review, office, leicester, django_capture_on_commit_callbacks
):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    sign_in(client, office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("lcspr_delay_add", review), delay_form(review, prevents=False))
    assert response.status_code == 302
    delay = Delay.objects.for_partnership(leicester).get(lcspr=review)
    delay_recorded_email.delay(partnership_id=leicester.pk, delay_id=delay.pk)

    [message] = mail.outbox
    assert message.to == [chair.email]
    assert review.case.reference in message.subject
    assert url("lcspr_clock", review) in message.body
    assert CHILD_NAME not in message.body
    assert REASON not in message.body


# --- Names never reach the notice (§3.1.3) ------------------------------------------------

FAMILY_NAME = "Precious Okonkwo-Bright"


def _refused_fields(client, review, revised, **typed):
    response = client.post(
        url("lcspr_delay_add", review), delay_form(review, revised=revised, **typed)
    )
    assert response.status_code == 200
    return response.context["form"].errors


def test_a_delay_naming_the_child_or_family_is_refused_with_the_field_named(
    client, review, office, leicester
):
    FamilyMember.unscoped.create(case=review.case, relationship="mother", name=FAMILY_NAME)
    revised = statutory(review).due_date + timedelta(days=60)
    sign_in(client, office)
    labels = dict(DELAY_TEXTS)
    for field, text in (
        ("reason", "The police must first interview OLIVIA TESTNAME."),
        ("reason", "Olivia's school stays closed until the police finish."),
        ("reason", "Waiting for okonkwo to return from abroad."),
        ("holds_up", "Talking with Precious about the review."),
        ("asked_by", "Bright, the mother's solicitor"),
    ):
        [message] = _refused_fields(client, review, revised, **{field: text})[field]
        assert message.startswith(labels[field])
        assert "use the pseudonym (Child A)" in message
        assert "Olivia" not in message
        assert "Precious" not in message
    assert not Delay.objects.for_partnership(leicester).exists()

    # The pseudonym is what to write; a word that only contains a name part is no name.
    response = client.post(
        url("lcspr_delay_add", review),
        delay_form(
            review,
            revised=revised,
            reason="Child A's mother asks for time; the Brightwell Centre is closed.",
        ),
    )
    assert response.status_code == 302
    assert Delay.objects.for_partnership(leicester).count() == 1


def test_the_notice_is_not_sent_or_drafted_while_the_delay_names_someone(
    client, review, office, addresses, leicester, django_capture_on_commit_callbacks
):
    delay = a_delay(review, office)  # its reason mentions "Operation Alder"
    # A family member recorded after the delay turns out to be called Alder.
    FamilyMember.unscoped.create(case=review.case, relationship="father", name="Sam Alder")

    with pytest.raises(ApplicationError) as refused:
        delay_notice_send(delay=delay, actor=office)
    assert refused.value.field == "reason"
    sign_in(client, office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("lcspr_delay_notice_send", review, delay.pk), follow=True)
    assert "names the child or a member of the family" in response.content.decode()
    response = client.get(url("lcspr_delay_notice_pdf", review, delay.pk), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "names the child or a member of the family" in response.content.decode()
    assert not DelayNotice.objects.for_partnership(leicester).exists()
    assert mail.outbox == []

    change = {
        "arose_on": delay.arose_on,
        "asked_by": delay.asked_by,
        "holds_up": delay.holds_up,
        "prevents_publication": True,
        "revised_expected_on": delay.revised_expected_on,
    }
    with pytest.raises(ApplicationError) as refused:
        delay_update(delay=delay, actor=office, version=delay.version, reason=REASON, **change)
    assert refused.value.field == "reason"
    delay = delay_update(
        delay=delay,
        actor=office,
        version=delay.version,
        reason="The Police ask the review to wait before involving the parents.",
        **change,
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = delay_notice_send(delay=delay, actor=office)
    [message] = mail.outbox
    [(_, pdf, _)] = message.attachments
    assert "Alder" not in pdf_text(pdf)
    assert notice.reason == delay.reason


# --- The six-month date on the notice (§3.1.2) --------------------------------------------


def test_without_its_deadline_the_six_month_date_is_worked_out_never_the_revised_date(
    client, review, office, addresses, django_capture_on_commit_callbacks
):
    due = statutory(review).due_date
    statutory(review).delete()  # not scheduled (or the timescale since turned off)
    sign_in(client, office)

    errors = _refused_fields(client, review, due)
    assert errors["revised_expected_on"] == [
        REVISED_DATE_TOO_EARLY.format(statutory=format_date(due))
    ]
    revised = due + timedelta(days=30)
    delay = a_delay(review, office, revised=revised)
    response = client.get(url("lcspr_delay_notice_pdf", review, delay.pk))
    assert f"Six-month date (§3.1.2) {format_date(due, weekday=True)}" in " ".join(
        pdf_text(response.content).split()
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = delay_notice_send(delay=delay, actor=office)
    assert notice.statutory_date == due
    [message] = mail.outbox
    assert f"Six-month date: {format_date(due)}" in message.body
    [(_, pdf, _)] = message.attachments
    text = " ".join(pdf_text(pdf).split())
    assert f"Six-month date (§3.1.2) {format_date(due, weekday=True)}" in text
    assert f"Revised expected date {format_date(revised, weekday=True)}" in text


# --- The CRG's consideration comes at or after its meeting (§3.1.3) -----------------------


def test_the_consideration_cannot_be_dated_before_the_meeting_it_was_put_to(
    client, office, leicester
):
    lcspr = lcspr_open(
        case=open_case(leicester),
        decided_on=_today() - timedelta(days=20),
        key_lines_of_enquiry="",
        actor=None,
    )
    delay = delay_record(
        lcspr=lcspr,
        actor=office,
        arose_on=_today() - timedelta(days=10),
        asked_by="Police Senior Investigating Officer",
        reason=REASON,
        holds_up="Involving the parents in the review.",
        prevents_publication=False,
    )
    meeting = a_meeting(leicester, days=-3)
    delay_put_to_crg(delay=delay, actor=office, meeting=meeting)
    sign_in(client, office)

    response = client.post(
        url("lcspr_delay_consideration", lcspr, delay.pk),
        {**date_fields("considered_on", _today() - timedelta(days=5)), "decision": "Agreed."},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["considered_on"] == [
        CONSIDERED_BEFORE_MEETING.format(day=format_date(meeting.held_on))
    ]
    assert 'href="#id_considered_on_0"' in response.content.decode()
    assert not Delay.objects.for_partnership(leicester).get(pk=delay.pk).is_considered

    response = client.post(
        url("lcspr_delay_consideration", lcspr, delay.pk),
        {**date_fields("considered_on", meeting.held_on), "decision": "Agreed."},
    )
    assert response.status_code == 302
    assert Delay.objects.for_partnership(leicester).get(pk=delay.pk).crg_considered_on == (
        meeting.held_on
    )


# --- One at-risk rule -------------------------------------------------------------------


def test_the_at_risk_rule_reads_the_same_on_the_page_the_api_row_and_the_filter(
    review, office, leicester, leicester_office
):
    scope = Scope(user=leicester_office, membership=Membership.objects.get(user=leicester_office))

    def readings():
        rows = Lcspr.objects.for_partnership(leicester)
        [listed] = [r for r in api_selectors.lcspr_list(scope=scope) if r.pk == review.pk]
        return (
            clock_selectors.at_risk(review),
            api_selectors.listed_at_risk(listed),
            review in clock_selectors.at_risk_filter(rows),
            review not in clock_selectors.at_risk_filter(rows, at_risk=False),
        )

    assert readings() == (False,) * 4
    deadline = statutory(review)
    deadline.status = DeadlineStatus.MISSED
    deadline.completed_on = _today()
    deadline.save()
    assert readings() == (True,) * 4
    deadline.status = DeadlineStatus.WAIVED
    deadline.save()
    assert readings() == (False,) * 4
    a_delay(review, office)
    assert readings() == (True,) * 4
    assert six_month_at_risk(delays=[], deadline=None, today=_today()) is False


def test_the_log_names_the_case_by_reference(
    review, office, leicester, caplog, django_capture_on_commit_callbacks
):
    staff_user(leicester, role=Role.CRG_CHAIR)
    with (
        caplog.at_level(logging.INFO, logger="reviews.services.clock"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        a_delay(review, office, prevents=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "reviews.services.clock"]
    assert f"case {review.case.reference}: a delay emailed to 1 CRG chairs" in lines
    assert all(line.startswith(f"case {review.case.reference}: ") for line in lines)
