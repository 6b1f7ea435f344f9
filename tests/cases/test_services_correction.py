"""Corrections to a case and the withdrawal of a duplicate (issue 12), in both partnerships;
and §4.3.3 judged per request in Leicestershire & Rutland."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from cases import selectors, services
from cases.errors import ApplicationError
from cases.models import (
    AgencyKind,
    ChildRole,
    Deadline,
    DeadlineMove,
    DeadlineStatus,
    InformationRequest,
    Reminder,
    RequestChase,
    Role,
)
from cases.rules import sent_late
from cases.services.correction import (
    CONFLICT,
    NO_SUBJECT_CHILD,
    NO_SUCH_CASE,
    NOT_THE_PARTNERSHIPS_OFFICER,
    REASON_NEEDED,
    WITHDRAWN,
    ChildCorrection,
)
from cases.tenancy import Scope
from tests.factories import AgencyFactory, agency_user, staff_user, working_days_ahead


def scope_of(user):
    return Scope(user=user, membership=user.memberships.get())


def calendar(partnership):
    return selectors.working_calendar(partnership=partnership)


def notified(partnership, office, received_on, reference="LA-1"):
    return services.notification_record(
        partnership=partnership,
        details=services.NotificationDetails(
            received_on=received_on, summary="Child A was taken to hospital."
        ),
        children=[services.ChildDetails(local_authority_reference=reference, name="Ann Demo")],
        actor=office,
        lead_officer=office,
    )


def referred(partnership, office, received_on):
    return services.referral_record(
        partnership=partnership,
        details=services.ReferralDetails(received_on=received_on, summary="A referral."),
        children=[services.ChildDetails(local_authority_reference="LA-9")],
        actor=office,
        lead_officer=office,
    )


def deadline(case, kind):
    return Deadline.objects.for_partnership(case.partnership).get(case=case, kind=kind)


def send(case, office, agencies):
    return services.information_requests_send(
        case=case, agencies=agencies, reply_due_on=working_days_ahead(10), actor=office
    )


@pytest.fixture
def police(partnerships):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(partnerships):
    return AgencyFactory(name="Leicestershire Partnership NHS Trust", kind=AgencyKind.HEALTH_TRUST)


# --- The received date and the deadlines that run from it ---------------------------------


def test_correcting_a_notifications_date_moves_its_open_deadlines_and_says_why(lr, lr_office):
    today = timezone.localdate()
    case = notified(lr, lr_office, today)
    before = deadline(case, "rapid_review_complete").due_date
    earlier = calendar(lr).subtract(today, 3)

    services.case_received_date_correct(
        case=case,
        received_on=earlier,
        reason="The council's email was dated earlier",
        version=case.version,
        actor=lr_office,
    )

    case.refresh_from_db()
    assert case.opened_on == earlier
    assert case.version == 2
    moved = deadline(case, "rapid_review_complete")
    assert moved.due_date == calendar(lr).add(earlier, 15) != before
    move = DeadlineMove.objects.for_partnership(lr).get(deadline=moved)
    assert (move.from_date, move.to_date, move.moved_by) == (before, moved.due_date, lr_office)
    assert move.reason == (
        f"Received date corrected from {today:%-d %B %Y} to {earlier:%-d %B %Y}: "
        "The council's email was dated earlier"
    )
    # §4.3.3 applies in Leicestershire & Rutland: its date moved too.
    assert deadline(case, "information_request_sent").due_date == calendar(lr).add(earlier, 2)
    assert selectors.case_intake(case=case)["notification"].received_on == earlier


def test_a_met_deadline_keeps_its_record_when_the_date_received_moves(lr, lr_office, police):
    today = timezone.localdate()
    case = notified(lr, lr_office, today)
    send(case, lr_office, [police])
    met = deadline(case, "information_request_sent")
    assert met.status == DeadlineStatus.MET

    services.case_received_date_correct(
        case=case,
        received_on=calendar(lr).subtract(today, 4),
        reason="Typed wrongly",
        version=case.version,
        actor=lr_office,
    )

    after = deadline(case, "information_request_sent")
    assert (after.status, after.completed_on, after.due_date) == (
        DeadlineStatus.MET,
        met.completed_on,
        met.due_date,
    )
    assert not DeadlineMove.objects.for_partnership(lr).filter(deadline=after).exists()


def test_correcting_a_referrals_date_moves_its_one_and_two_month_dates(leicester):
    office = staff_user(leicester)
    today = timezone.localdate()
    case = referred(leicester, office, today)
    earlier = today - timedelta(days=10)

    services.case_received_date_correct(
        case=case, received_on=earlier, reason="Date stamp", version=1, actor=office
    )

    decision = deadline(case, "referral_decision")
    assert decision.event_date == earlier
    assert DeadlineMove.objects.for_partnership(leicester).filter(deadline=decision).exists()
    assert selectors.case_intake(case=case)["referral"].received_on == earlier
    # Leicester has no §4.3.3 limit: no request-sending date to move or judge against.
    assert selectors.request_sending_due(case=case) is None


def test_reminders_sent_for_the_old_date_do_not_block_the_new_dates(lr, lr_office):
    today = timezone.localdate()
    case = notified(lr, lr_office, calendar(lr).subtract(today, 11))
    services.reminders_make(partnership=lr, today=today)
    meeting = deadline(case, "rapid_review_meeting_latest")
    old = set(Reminder.objects.for_partnership(lr).filter(deadline=meeting).values_list("due_date"))
    assert old == {(meeting.due_date,)}

    services.case_received_date_correct(
        case=case,
        received_on=calendar(lr).subtract(today, 10),
        reason="Received the next day",
        version=case.version,
        actor=lr_office,
    )
    services.reminders_make(partnership=lr, today=today)

    meeting.refresh_from_db()
    dates = set(
        Reminder.objects.for_partnership(lr).filter(deadline=meeting).values_list("due_date")
    )
    assert dates == old | {(meeting.due_date,)}
    notices = selectors.my_notifications(scope=scope_of(lr_office))
    assert {r.due_date for r in notices if r.deadline_id == meeting.pk} == {meeting.due_date}


def test_a_received_date_in_the_future_or_unchanged_is_refused(leicester):
    office = staff_user(leicester)
    today = timezone.localdate()
    case = notified(leicester, office, today)
    for day in (today + timedelta(days=1), today):
        with pytest.raises(ApplicationError) as refused:
            services.case_received_date_correct(
                case=case, received_on=day, reason="x", version=1, actor=office
            )
        assert refused.value.field == "received_on"


# --- Every correction: reason, permission, concurrency --------------------------------------


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_a_correction_needs_a_reason_and_the_current_version(partnerships, slug):
    partnership = partnerships[slug]
    office = staff_user(partnership)
    case = notified(partnership, office, timezone.localdate())
    with pytest.raises(ApplicationError, match=REASON_NEEDED):
        services.case_summary_correct(case=case, summary="New", reason=" ", version=1, actor=office)
    services.case_summary_correct(
        case=case, summary="Child A was found injured.", reason="Typo", version=1, actor=office
    )
    with pytest.raises(ApplicationError, match=CONFLICT):
        services.case_summary_correct(
            case=case, summary="Another", reason="Mine", version=1, actor=office
        )
    assert selectors.case_intake(case=case)["notification"].summary == "Child A was found injured."


def test_only_the_business_office_corrects(lr, lr_office):
    case = notified(lr, lr_office, timezone.localdate())
    chair = staff_user(lr, role=Role.CRG_CHAIR)
    with pytest.raises(ApplicationError):
        services.case_summary_correct(
            case=case, summary="Changed", reason="Because", version=1, actor=chair
        )


def test_the_history_shows_the_summary_correction_with_its_reason(lr, lr_office):
    case = notified(lr, lr_office, timezone.localdate())
    services.case_summary_correct(
        case=case, summary="Corrected summary.", reason="Wrong hospital", version=1, actor=lr_office
    )
    entry = selectors.case_changes(case=case)[0]
    assert entry.reason == "Summary corrected: Wrong hospital"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("Notification: summary", "Child A was taken to hospital.", "Corrected summary.")
    ]
    # The case's own record of it (its version) is not listed twice.
    assert [e.reason for e in selectors.case_changes(case=case)].count(entry.reason) == 1


def test_children_are_corrected_and_added_but_never_show_who_they_are(leicester):
    office = staff_user(leicester)
    case = notified(leicester, office, timezone.localdate())
    child = selectors.case_intake(case=case)["children"][0]

    services.case_children_correct(
        case=case,
        children=[ChildCorrection(child.pk, ChildRole.SUBJECT, "LA-2")],
        added=services.ChildDetails(role=ChildRole.SIBLING, local_authority_reference="LA-3"),
        reason="The council sent the right references",
        version=1,
        actor=office,
    )

    children = selectors.case_intake(case=case)["children"]
    assert [(c.pseudonym, c.role, c.local_authority_reference) for c in children] == [
        ("Child A", ChildRole.SUBJECT, "LA-2"),
        ("Child B", ChildRole.SIBLING, "LA-3"),
    ]
    assert children[0].name == "Ann Demo"  # the restricted file's details are untouched
    changes = [c for e in selectors.case_changes(case=case) for c in e.changes]
    assert ("Child A: local authority reference", "LA-1", "LA-2") in [
        (c.field, c.old, c.new) for c in changes
    ]
    assert not any("Ann Demo" in (c.old + c.new) for c in changes)


def test_the_case_keeps_a_subject_child(lr, lr_office):
    case = notified(lr, lr_office, timezone.localdate())
    child = selectors.case_intake(case=case)["children"][0]
    with pytest.raises(ApplicationError, match=NO_SUBJECT_CHILD):
        services.case_children_correct(
            case=case,
            children=[ChildCorrection(child.pk, ChildRole.SIBLING, "LA-1")],
            reason="Wrong",
            version=1,
            actor=lr_office,
        )


def test_a_new_lead_officer_takes_the_open_deadlines(lr, lr_office, leicester):
    case = notified(lr, lr_office, timezone.localdate())
    colleague = staff_user(lr)
    services.case_lead_officer_correct(
        case=case, lead_officer=colleague, reason="Leave", version=1, actor=lr_office
    )
    case.refresh_from_db()
    assert case.lead_officer == colleague
    assert set(
        Deadline.objects.for_partnership(lr)
        .filter(case=case, status=DeadlineStatus.OPEN)
        .values_list("responsible", flat=True)
    ) == {colleague.pk}
    for outsider in (staff_user(leicester), staff_user(lr, role=Role.CRG_MEMBER)):
        with pytest.raises(ApplicationError, match=NOT_THE_PARTNERSHIPS_OFFICER):
            services.case_lead_officer_correct(
                case=case, lead_officer=outsider, reason="x", version=2, actor=lr_office
            )


# --- Withdrawing a duplicate ----------------------------------------------------------------


@pytest.mark.parametrize("slug", ["leicester", "leicestershire-rutland"])
def test_a_withdrawn_duplicate_leaves_lists_figures_and_chasing(partnerships, slug, police):
    partnership = partnerships[slug]
    office = staff_user(partnership)
    scope = scope_of(office)
    today = timezone.localdate()
    original = notified(partnership, office, today)
    duplicate = notified(partnership, office, today)
    request = send(duplicate, office, [police])[0]
    portal = scope_of(agency_user(police))

    services.case_withdraw(
        case=duplicate,
        reason="Recorded twice",
        duplicate_of=original.reference.lower(),
        version=duplicate.version,
        actor=office,
    )

    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original
    assert list(selectors.case_list(scope=scope)) == [original]
    assert list(selectors.my_cases(scope=scope)) == [original]
    assert sum(n for _, _, n in selectors.case_counts_by_stage(scope=scope)) == 1
    assert selectors.case_get(scope=scope, reference=duplicate.reference) == duplicate
    assert not Deadline.objects.for_partnership(partnership).filter(
        case=duplicate, status=DeadlineStatus.OPEN
    )
    assert all(d.case == original for d in selectors.upcoming_deadlines(scope=scope))
    # Its requests are no longer chased, nor listed, but open by their link.
    services.request_chases_make(partnership=partnership, today=request.reply_due_on)
    assert not RequestChase.objects.for_partnership(partnership).filter(request=request)
    assert request not in selectors.portal_requests(scope=portal)
    opened = selectors.request_get(scope=portal, pk=request.pk)
    assert not opened.is_open_for_agency
    reasons = [e.reason for e in selectors.case_changes(case=duplicate)]
    assert f"Withdrawn as a duplicate of {original.reference}: Recorded twice" in reasons
    with pytest.raises(ApplicationError, match=WITHDRAWN):
        services.case_summary_correct(
            case=duplicate, summary="x", reason="y", version=duplicate.version, actor=office
        )


def test_the_case_it_duplicates_is_of_the_same_partnership(leicester, lr, lr_office):
    today = timezone.localdate()
    theirs = notified(leicester, staff_user(leicester), today)
    case = notified(lr, lr_office, today)
    for reference in (theirs.reference, "LRSCP-1999-9999"):
        with pytest.raises(ApplicationError, match=NO_SUCH_CASE):
            services.case_withdraw(
                case=case, reason="Twice", duplicate_of=reference, version=1, actor=lr_office
            )
    services.case_withdraw(case=case, reason="Twice", duplicate_of="", version=1, actor=lr_office)
    case.refresh_from_db()
    assert case.is_withdrawn
    assert case.duplicate_of is None


# --- §4.3.3 per agency --------------------------------------------------------------------


def test_each_request_sent_after_the_two_working_days_is_late_in_lr(lr, lr_office, police, health):
    today = timezone.localdate()
    received = calendar(lr).subtract(today, 5)
    case = notified(lr, lr_office, received)
    first = send(case, lr_office, [police])[0]
    on_time = timezone.make_aware(datetime.combine(calendar(lr).add(received, 1), time(9)))
    InformationRequest.objects.for_partnership(lr).filter(pk=first.pk).update(sent_at=on_time)
    first.refresh_from_db()
    second = send(case, lr_office, [health])[0]

    due = selectors.request_sending_due(case=case)
    assert due == calendar(lr).add(received, 2)
    assert not sent_late(first, due)
    assert sent_late(second, due)


def test_leicester_judges_no_request_late(leicester, police):
    office = staff_user(leicester)
    case = notified(leicester, office, calendar(leicester).subtract(timezone.localdate(), 8))
    request = send(case, office, [police])[0]
    assert selectors.request_sending_due(case=case) is None
    assert not sent_late(request, None)


def test_a_referral_cannot_be_received_on_or_after_its_first_crg_meeting(leicester):
    office = staff_user(leicester)
    today = timezone.localdate()
    case = referred(leicester, office, today - timedelta(days=20))
    from rapidreview.models import CrgMeeting, MeetingKind

    # The referral's first discussion: a scheduled meeting, held since (§4.9).
    CrgMeeting.unscoped.create(
        partnership=leicester, kind=MeetingKind.MONTHLY, held_on=today - timedelta(days=5)
    )
    services.referral_progress_record(
        referral=selectors.case_intake(case=case)["referral"],
        actor=office,
        shared_with_local_authority_on=None,
        local_authority_representative="",
        first_crg_meeting_on=today - timedelta(days=5),
        request_information=None,
        request_information_reason="",
        version=1,
    )
    with pytest.raises(ApplicationError) as refused:
        services.case_received_date_correct(
            case=case, received_on=today - timedelta(days=5), reason="x", version=1, actor=office
        )
    assert refused.value.field == "received_on"
