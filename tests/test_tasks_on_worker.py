"""Every background job runs end to end through the real broker and a real worker.

The rest of the suite runs jobs in-process (eager). Here one worker, shared by the module,
takes them from the configured broker: Redis in CI (which refuses to run without it,
LCSPR_TEST_REQUIRE_BROKER), the embedded filesystem transport otherwise. Each job's
arguments cross the broker as JSON; a job queued by a save runs only after the commit
(before it, its claim would find no row and send nothing); and each email job that
fails once on the mail server is retried through the broker and then sent once.

A job added to our apps fails `test_every_task_is_run_here` until a test here runs it.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from cases.models import AgencyKind, Case, Role, Stage
from lcspr.celery import app as celery_app
from tests.factories import AgencyFactory, agency_user, open_case, staff_user, working_days_ahead
from tests.mail_backends import FailFirstBackend

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Each task of our apps, and the test below that runs it on the worker.
COVERED = {
    "cases.tasks.case_opened_notify": "test_case_opened_notice",
    "cases.tasks.information_request_email": "test_information_request_email",
    "cases.tasks.password_reset_email": "test_password_reset_email",
    "cases.tasks.deadlines_sweep": "test_the_daily_sweep_and_its_partnership_jobs",
    "cases.tasks.partnership_reminders": "test_the_daily_sweep_and_its_partnership_jobs",
    "cases.tasks.mail_sweep": "test_the_mail_sweeps",
    "rapidreview.tasks.invitation_email": "test_invitation_email",
    "rapidreview.tasks.outcome_email": "test_outcome_email",
    "rapidreview.tasks.mail_sweep": "test_the_mail_sweeps",
    "cases.tasks.duplicate_guards_purge": "test_the_duplicate_guards_purge",
    # issue 18: long documents rendered by the worker
    "cases.tasks.document_render": "test_the_long_documents",
    "cases.tasks.documents_sweep": "test_the_long_documents",
    "rapidreview.tasks.sign_off_request_email": "test_the_sign_off_emails",
    "rapidreview.tasks.partner_told_email": "test_the_sign_off_emails",
    "rapidreview.tasks.scrutineer_advice_request_email": "test_the_scrutineer_emails",
    "rapidreview.tasks.discussion_reopened_email": "test_the_scrutineer_emails",
    # issue 13: setting up the review and its people
    "reviews.tasks.appointment_email": "test_the_lcspr_appointment_emails",
    "reviews.tasks.mail_sweep": "test_the_lcspr_appointment_emails",
    # issue 13: fix1 (a declared conflict of interest, §1.5.8)
    "reviews.tasks.appointment_conflict_email": "test_the_lcspr_conflict_email",
    # issue 13: terms of reference
    "reviews.tasks.terms_notice_email": "test_the_terms_of_reference_emails",
    # issue 13: panel
    "reviews.tasks.panel_action_email": "test_the_panel_action_emails",
    # issue 13: clock
    "reviews.tasks.delay_notice_email": "test_the_lcspr_delay_notice_email",
    "reviews.tasks.delay_recorded_email": "test_the_lcspr_delay_recorded_email",
    # issue 14: the review's evidence
    "reviews.tasks.submission_request_email": "test_the_submission_emails",
    "reviews.tasks.submission_review_email": "test_the_submission_emails",
    "reviews.tasks.workshop_invitation_email": "test_the_workshop_invitation_email",
    # issue 14: a workshop invitation withdrawn, and a change of its date or place
    "reviews.tasks.workshop_withdrawal_email": "test_the_workshop_withdrawal_email",
    "reviews.tasks.workshop_change_email": "test_the_workshop_change_email",
    "reviews.tasks.genogram_ask_email": "test_the_genogram_ask_email",
    # issue 15: guard. The CRG chair told of a finished draft's anonymisation hits.
    "reviews.tasks.report_guard_email": "test_the_report_guard_email",
    "reviews.tasks.report_comment_email": "test_the_report_comment_email",
    "reviews.tasks.report_partner_email": "test_the_report_partner_email",
    # issue 16: learning (§12.3)
    "publication.tasks.national_review_contact_email": "test_the_national_review_contact_emails",
    "publication.tasks.learning_mail_sweep": "test_the_national_review_contact_emails",
    # issue 16: public. Archiving after the year of publication (§10.5.2)
    "publication.tasks.publications_archive_sweep": "test_the_archive_sweep_and_its_email",
    "publication.tasks.partnership_publications_archive": "test_the_archive_sweep_and_its_email",
    "publication.tasks.publication_archived_email": "test_the_archive_sweep_and_its_email",
    # issue 16: plan (§10.2.1, §10.5.1)
    "publication.tasks.publication_task_email": "test_the_publication_plan_emails",
    "publication.tasks.panel_notice_email": "test_the_publication_plan_emails",
    "publication.tasks.plan_mail_sweep": "test_the_publication_plan_emails",
    # issue 16: action plans (§11.4.1)
    "publication.tasks.action_reminder_email": "test_the_action_reminders",
    "publication.tasks.action_reminders_sweep": "test_the_action_reminders",
}
OUR_APPS = {"cases", "rapidreview", "reviews", "publication"}


@pytest.fixture(scope="module")
def shared_worker():
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from an earlier run
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


@pytest.fixture
def worker(_celery_runs_tasks_inline, shared_worker, settings, monkeypatch):
    """The shared worker, the outbox that fails once on request, and retries at once
    (the backoff's delay is the one thing changed: the retry still crosses the broker)."""
    celery_app.conf.task_always_eager = False
    settings.EMAIL_BACKEND = "tests.mail_backends.FailFirstBackend"
    FailFirstBackend.fail_subject = ""
    FailFirstBackend.attempts = []
    monkeypatch.setattr("celery.app.autoretry.get_exponential_backoff_interval", lambda **kwargs: 0)
    yield
    FailFirstBackend.fail_subject = ""
    # Nothing queued runs after the test, and the job running now ends before the test's
    # database is flushed (a job reading a table would deadlock with the flush): the solo
    # worker answers a ping only between jobs.
    celery_app.control.purge()
    assert celery_app.control.ping(timeout=30, limit=1), "the worker did not come back"


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _sent(subject):
    return [m for m in mail.outbox if m.subject == subject]


def _fails_once_then_sent(subject, recipients):
    """The first try failed at the mail server; the retry sent it, once."""
    assert _wait_for(lambda: _sent(subject)), f"never sent: {subject}"
    assert FailFirstBackend.attempts.count(subject) == 2
    [message] = _sent(subject)
    assert sorted(message.to) == sorted(recipients)


def _run_then_wait(task, user):
    """Queue a job with no arguments and wait until the worker (one, taking jobs in turn)
    has finished it: a stale duplicate guard queued behind it is purged only after it.
    Results are not kept (CELERY_TASK_IGNORE_RESULT), and the worker logs no "succeeded"
    line at its WARNING level, so what a job did is read from its effects."""
    from datetime import timedelta

    from django.utils import timezone

    from cases import services
    from cases.models import FormToken
    from cases.tasks import duplicate_guards_purge

    behind = services.form_token_issue(user=user, purpose="notification")
    FormToken.objects.filter(token=behind).update(created_at=timezone.now() - timedelta(days=8))
    task.delay()
    duplicate_guards_purge.delay()
    assert _wait_for(lambda: not FormToken.objects.filter(token=behind).exists()), task.name


def test_every_task_is_run_here():
    celery_app.loader.import_default_modules()
    ours = {name for name in celery_app.tasks if name.split(".")[0] in OUR_APPS}
    assert ours == set(COVERED), "a task without a test on the worker, or a stale entry"
    assert all(name in globals() for name in COVERED.values())


def test_case_opened_notice(worker, partnerships):
    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    FailFirstBackend.fail_subject = "Case "
    case = open_case(leicester)
    _fails_once_then_sent(f"Case {case.reference} opened", [office.email])
    case.refresh_from_db()
    assert case.opened_notice_sent_at is not None


def test_information_request_email(worker, partnerships):
    from cases import services

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    health = AgencyFactory(name="Health")
    portal = agency_user(health)
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    FailFirstBackend.fail_subject = "Information request"
    services.information_requests_send(
        case=case, agencies=[health], reply_due_on=working_days_ahead(10), actor=office
    )
    _fails_once_then_sent(f"Information request for case {case.reference}", [portal.email])


def test_password_reset_email(worker, partnerships, client):
    office = staff_user(partnerships["leicester"])
    FailFirstBackend.fail_subject = "Reset"
    response = client.post(reverse("password_reset"), {"email": office.email})
    assert response.status_code == 302
    _fails_once_then_sent("Reset your LCSPR case manager password", [office.email])
    [message] = mail.outbox
    assert "/password-reset/" in message.body


def test_invitation_email(worker, partnerships, monkeypatch):
    from rapidreview import services
    from tests.rapidreview.test_papers import notified_review

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    member = staff_user(leicester, Role.CRG_MEMBER)
    review = notified_review(monkeypatch, leicester, office)
    FailFirstBackend.fail_subject = "Rapid Review meeting papers"
    services.invitations_send(review=review, actor=office, users=[member])
    reference = review.case.reference
    _fails_once_then_sent(f"Rapid Review meeting papers for case {reference}", [member.email])


def test_outcome_email(worker, partnerships, monkeypatch):
    from rapidreview import services
    from rapidreview.models import Decision
    from tests.rapidreview.test_papers import decided_and_signed, notified_review

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    authority = AgencyFactory(kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester])
    portal = agency_user(authority)
    review = notified_review(monkeypatch, leicester, office, authority)
    decided_and_signed(review, office, Decision.NOT_PROCEED)
    FailFirstBackend.fail_subject = "Outcome of the Rapid Review"
    services.outcomes_send(review=review, actor=office)
    reference = review.case.reference
    _fails_once_then_sent(f"Outcome of the Rapid Review for case {reference}", [portal.email])


def test_the_daily_sweep_and_its_partnership_jobs(worker, partnerships):
    from django.utils import timezone

    from cases import services
    from cases.models import Reminder
    from cases.selectors import working_calendar
    from cases.tasks import deadlines_sweep
    from cases.timescales import Event

    lr = partnerships["leicestershire-rutland"]
    officer = staff_user(lr)
    case = open_case(lr, lead_officer=officer)
    # The Rapid Review is due on the last working day up to today: a reminder is due.
    notified = working_calendar(partnership=lr).subtract(timezone.localdate(), 15)
    services.deadlines_schedule(
        case=case, event=Event.NOTIFICATION_RECEIVED, event_date=notified, actor=None, reason="x"
    )
    deadlines_sweep.delay()  # queues one partnership_reminders job per partnership

    def reminded():
        rows = Reminder.objects.for_partnership(lr)
        return rows.exists() and not rows.filter(email_sent_at__isnull=True).exists()

    assert _wait_for(reminded), "the sweep made or sent nothing"
    assert any(m.to == [officer.email] and "due" in m.subject for m in mail.outbox)


def test_the_mail_sweeps(worker, partnerships, monkeypatch, settings):
    """Jobs lost to a broker outage (here: never queued) are sent by the sweeps."""
    from cases.tasks import case_opened_notify
    from cases.tasks import mail_sweep as cases_mail_sweep
    from rapidreview import services
    from rapidreview.tasks import invitation_email
    from rapidreview.tasks import mail_sweep as rapid_review_mail_sweep
    from tests.rapidreview.test_papers import notified_review

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    member = staff_user(leicester, Role.CRG_MEMBER)
    monkeypatch.setattr(case_opened_notify, "delay", lambda **kwargs: None)
    monkeypatch.setattr(invitation_email, "delay", lambda **kwargs: None)
    review = notified_review(monkeypatch, leicester, office)
    services.invitations_send(review=review, actor=office, users=[member])
    reference = review.case.reference
    settings.MAIL_SWEEP_GRACE_MINUTES = 0

    cases_mail_sweep.delay()
    assert _wait_for(lambda: _sent(f"Case {reference} opened"))
    rapid_review_mail_sweep.delay()
    assert _wait_for(lambda: _sent(f"Rapid Review meeting papers for case {reference}"))
    assert Case.objects.for_partnership(leicester).filter(opened_notice_sent_at=None).count() == 0


def test_the_duplicate_guards_purge(worker, partnerships):
    from datetime import timedelta

    from django.utils import timezone

    from cases import services
    from cases.models import FormToken
    from cases.tasks import duplicate_guards_purge

    office = staff_user(partnerships["leicester"])
    stale = services.form_token_issue(user=office, purpose="notification")
    fresh = services.form_token_issue(user=office, purpose="notification")
    FormToken.objects.filter(token=stale).update(created_at=timezone.now() - timedelta(days=8))
    duplicate_guards_purge.delay()
    assert _wait_for(lambda: not FormToken.objects.filter(token=stale).exists())
    assert FormToken.objects.filter(token=fresh).exists()


def test_the_long_documents(worker, partnerships, settings, tmp_path):
    """The combined chronology's PDF, asked for, is rendered by the worker into storage; one
    left waiting by a broker outage is queued again by the sweep."""
    from datetime import timedelta

    from django.utils import timezone

    from cases import services
    from cases.models import DocumentKind, DocumentStatus, RenderedDocument
    from cases.tasks import documents_sweep
    from tests.cases.test_rendered_documents import case_with_entries

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    leicester = partnerships["leicester"]
    rows = RenderedDocument.objects.for_partnership(leicester)

    def ready(document):
        return rows.get(pk=document.pk).status == DocumentStatus.READY

    case = case_with_entries(leicester, "Domestic incident reported")
    document = services.document_prepare(
        case=case, kind=DocumentKind.COMBINED_CHRONOLOGY, actor=None
    )
    assert _wait_for(lambda: ready(document))
    assert rows.get(pk=document.pk).file.read().startswith(b"%PDF-")

    waiting = case_with_entries(leicester, "Child A seen at school")
    lost = RenderedDocument.objects.create(
        case=waiting,
        kind=DocumentKind.COMBINED_CHRONOLOGY,
        content_key="as it was when the broker was down",
        queued_at=timezone.now() - timedelta(minutes=settings.MAIL_SWEEP_GRACE_MINUTES + 1),
    )
    documents_sweep.delay()
    assert _wait_for(lambda: rows.filter(case=waiting, status=DocumentStatus.READY).exists())
    # Rendered as the case is now, under the key of what it shows.
    assert rows.get(pk=lost.pk).status == DocumentStatus.FAILED
    assert rows.get(case=waiting, status=DocumentStatus.READY).content_key != lost.content_key


def test_the_sign_off_emails(worker, partnerships, monkeypatch):
    from datetime import date

    from django.utils import timezone

    from rapidreview import services
    from tests.rapidreview.flow import decided, quorate_attendance, recorded, signers
    from tests.rapidreview.test_papers import notified_review

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    review = notified_review(monkeypatch, leicester, office)
    people = signers(leicester)
    quorate_attendance(review.meeting, office)
    recorded(review, office)
    reference = review.case.reference
    subject = f"Case {reference}: the Rapid Review decision is waiting for your sign-off"
    FailFirstBackend.fail_subject = subject
    decided(review, office)
    assert _wait_for(lambda: len(_sent(subject)) == 3), "a signer was not asked"
    assert FailFirstBackend.attempts.count(subject) == 4  # one failed, and was retried
    services.decision_sign(review=review, actor=people["chair"], role="chair")
    services.decision_sign(review=review, actor=people["police"], role="police")
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 16))
    FailFirstBackend.fail_subject = f"Case {reference}: the CRG chair recorded"
    review.refresh_from_db()
    services.decision_sign_for_partner(
        review=review, actor=people["chair"], role="local_authority", reason="On leave."
    )
    _fails_once_then_sent(
        f"Case {reference}: the CRG chair recorded your sign-off",
        [people["local_authority"].email],
    )


def test_the_scrutineer_emails(worker, partnerships, monkeypatch):
    from rapidreview import services
    from rapidreview.models import AdviceKind
    from tests.rapidreview.test_papers import MEETING, decided_and_signed, notified_review

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    scrutineer = staff_user(leicester, Role.INDEPENDENT_SCRUTINEER)
    review = notified_review(monkeypatch, leicester, office)
    reference = review.case.reference
    FailFirstBackend.fail_subject = f"Case {reference}: your written advice"
    services.scrutineer_attendance_record(review=review, actor=office, attending=False)
    _fails_once_then_sent(
        f"Case {reference}: your written advice is asked for before the meeting",
        [scrutineer.email],
    )
    review = decided_and_signed(review, office)
    review = services.scrutineer_decision_sent(review=review, actor=office, sent_on=MEETING)
    advice = services.scrutineer_advice_record(
        review=review,
        actor=office,
        kind=AdviceKind.REPLY_AFTER,
        advice="A concern.",
        received_on=MEETING,
        raises_concern=True,
    )
    chair = staff_user(leicester, Role.CRG_CHAIR)
    FailFirstBackend.fail_subject = f"Case {reference}: the CRG chair has reopened"
    services.discussion_reopen(advice=advice, actor=chair, note="An extraordinary meeting.")
    subject = f"Case {reference}: the CRG chair has reopened the decision's discussion"
    assert _wait_for(lambda: _sent(subject)), "the partners were not told"
    assert FailFirstBackend.attempts.count(subject) == 2


def test_the_lcspr_appointment_emails(worker, partnerships, monkeypatch, settings):
    """issue 13: the appointee's email (fails once, retried, sent once), and the LCSPR's
    sweep for one whose job was lost."""
    from django.utils import timezone

    from reviews.services import appointment_make, lcspr_open
    from reviews.tasks import appointment_email
    from reviews.tasks import mail_sweep as lcspr_mail_sweep

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    case = open_case(leicester)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    subject = f"Case {case.reference}: you are appointed to the LCSPR"
    FailFirstBackend.fail_subject = subject
    reviewer = staff_user(leicester, Role.REVIEWER)
    appointment_make(
        lcspr=lcspr,
        user=reviewer,
        role=Role.REVIEWER,
        appointed_on=timezone.localdate(),
        actor=office,
    )
    _fails_once_then_sent(subject, [reviewer.email])

    FailFirstBackend.fail_subject = ""
    monkeypatch.setattr(appointment_email, "delay", lambda **kwargs: None)
    panel = staff_user(leicester, Role.PANEL_MEMBER)
    appointment_make(
        lcspr=lcspr,
        user=panel,
        role=Role.PANEL_MEMBER,
        appointed_on=timezone.localdate(),
        actor=office,
        expertise="Adolescent mental health",
    )
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    lcspr_mail_sweep.delay()
    assert _wait_for(lambda: len(_sent(subject)) == 2)
    assert sorted(m.to[0] for m in _sent(subject)) == sorted([reviewer.email, panel.email])


def test_the_terms_of_reference_emails(worker, partnerships, monkeypatch, settings):
    """issue 13: the Reviewer and Panel are told what the CRG decided on the terms of
    reference (§5.1.3), retried after a mail failure; a notice whose job was lost is sent
    by the LCSPR's mail sweep."""
    from datetime import timedelta

    from django.utils import timezone

    from rapidreview.models import CrgMeeting, MeetingKind
    from reviews import services
    from reviews.models import TermsNotice
    from reviews.tasks import mail_sweep as lcspr_mail_sweep
    from reviews.tasks import terms_notice_email
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    office = staff_user(leicester)

    def agreed_terms(case, reviewer):
        appoint(case, reviewer, Role.REVIEWER)
        lcspr = case.lcspr
        meeting = CrgMeeting.unscoped.create(
            partnership=leicester,
            kind=MeetingKind.MONTHLY,
            held_on=timezone.localdate() + timedelta(days=7),
        )
        services.terms_version_save(
            lcspr=lcspr,
            actor=reviewer,
            based_on=0,
            draft=services.TermsDraft(key_lines_of_enquiry=["How agencies shared information."]),
        )
        services.terms_put_to_crg(lcspr=lcspr, actor=reviewer, number=1, meeting=meeting)
        CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
        services.terms_agreement_record(lcspr=lcspr, actor=office, agreed=True)

    case = open_case(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER)
    subject = f"Case {case.reference}: the CRG agreed the terms of reference"
    FailFirstBackend.fail_subject = subject
    agreed_terms(case, reviewer)
    _fails_once_then_sent(subject, [reviewer.email])

    monkeypatch.setattr(terms_notice_email, "delay", lambda **kwargs: None)
    lost = open_case(leicester)
    agreed_terms(lost, staff_user(leicester, Role.REVIEWER))
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    lcspr_mail_sweep.delay()
    assert _wait_for(lambda: _sent(f"Case {lost.reference}: the CRG agreed the terms of reference"))
    assert TermsNotice.objects.for_partnership(leicester).filter(email_sent_at=None).count() == 0


# issue 13: panel
def test_the_panel_action_emails(worker, partnerships, monkeypatch, settings):
    """The owner of a panel action is emailed once through the worker (a failure is
    retried); an email never queued is sent by the LCSPR's mail sweep."""
    from reviews import services
    from reviews.tasks import mail_sweep as lcspr_mail_sweep
    from reviews.tasks import panel_action_email
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    case = open_case(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    meeting = services.panel_meeting_schedule(lcspr=lcspr, held_on=lcspr.decided_on, actor=office)
    subject = f"Case {case.reference}: a Case Review Panel action is yours"
    FailFirstBackend.fail_subject = subject
    services.panel_action_add(
        meeting=meeting,
        description="Ask for the school's records.",
        owner=reviewer,
        due_on=working_days_ahead(5, leicester),
        actor=office,
    )
    _fails_once_then_sent(subject, [reviewer.email])
    FailFirstBackend.fail_subject = ""
    monkeypatch.setattr(panel_action_email, "delay", lambda **kwargs: None)
    services.panel_action_add(
        meeting=meeting,
        description="Ask the GP.",
        owner=office,
        due_on=working_days_ahead(5, leicester),
        actor=reviewer,
    )
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    lcspr_mail_sweep.delay()
    assert _wait_for(lambda: any(m.to == [office.email] for m in _sent(subject)))


# issue 13: clock
def _delayed_review(partnership, *, fail_delay_email=False):
    """An LCSPR with a delay that prevents publication within six months (§3.1.3), and
    the partnership's addresses for the notice."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Deadline
    from reviews.services import delay_record, lcspr_open

    partnership.national_panel_email = "panel@notices.example"
    partnership.secretary_of_state_email = "secretary@notices.example"
    partnership.save()
    office = staff_user(partnership)
    case = open_case(partnership)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    due = Deadline.objects.for_partnership(partnership).get(case=case, kind="lcspr_complete")
    if fail_delay_email:
        FailFirstBackend.fail_subject = f"Case {case.reference}: a delay"
    delay = delay_record(
        lcspr=lcspr,
        actor=office,
        arose_on=timezone.localdate(),
        asked_by="Police",
        reason="The Police ask the review to wait.",
        holds_up="Involving the parents.",
        prevents_publication=True,
        revised_expected_on=due.due_date + timedelta(days=30),
    )
    return office, delay


def test_the_lcspr_conflict_email(worker, partnerships):
    """issue 13: a declared conflict of interest is emailed to the Business Office and the
    CRG chair (fails once, retried, sent once)."""
    from django.utils import timezone

    from reviews.services import declaration_make, lcspr_open
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    office = staff_user(leicester)
    chair = staff_user(leicester, Role.CRG_CHAIR)
    case = open_case(leicester)
    lcspr_open(case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None)
    member = staff_user(leicester, Role.PANEL_MEMBER)
    appointment = appoint(case, member, Role.PANEL_MEMBER, declared=False)
    subject = f"Case {case.reference}: a conflict of interest declared on the LCSPR"
    FailFirstBackend.fail_subject = subject
    declaration_make(
        appointment=appointment,
        actor=member,
        has_conflict=True,
        conflict_details="A neighbour of the family.",
        confidentiality_agreed=True,
    )
    _fails_once_then_sent(subject, [office.email, chair.email])


def test_the_lcspr_delay_notice_email(worker, partnerships):
    from reviews.services import delay_notice_send

    office, delay = _delayed_review(partnerships["leicester"])
    reference = delay.lcspr.case.reference
    subject = f"Case {reference}: delay to a Local Child Safeguarding Practice Review"
    FailFirstBackend.fail_subject = subject
    delay_notice_send(delay=delay, actor=office)
    _fails_once_then_sent(subject, ["panel@notices.example", "secretary@notices.example"])


def test_the_lcspr_mail_sweep(worker, partnerships, monkeypatch, settings):
    from reviews.services import delay_notice_send
    from reviews.tasks import delay_notice_email
    from reviews.tasks import mail_sweep as lcspr_mail_sweep

    monkeypatch.setattr(delay_notice_email, "delay", lambda **kwargs: None)
    office, delay = _delayed_review(partnerships["leicester"])
    notice = delay_notice_send(delay=delay, actor=office)
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    lcspr_mail_sweep.delay()
    reference = delay.lcspr.case.reference
    assert _wait_for(
        lambda: _sent(f"Case {reference}: delay to a Local Child Safeguarding Practice Review")
    )
    assert type(notice).unscoped.get(pk=notice.pk).email_sent_at is not None


def test_the_lcspr_delay_recorded_email(worker, partnerships):
    leicester = partnerships["leicester"]
    chair = staff_user(leicester, Role.CRG_CHAIR)
    office, delay = _delayed_review(leicester, fail_delay_email=True)
    reference = delay.lcspr.case.reference
    _fails_once_then_sent(
        f"Case {reference}: a delay to the LCSPR for the CRG to consider", [chair.email]
    )


# issue 14: the review's evidence
def test_the_submission_emails(worker, partnerships):
    """An agency asked for its submission, and told the Panel wants more of it (§8.2.1,
    §8.7), is emailed once through the worker: each failure is retried."""
    from cases.models import SubmissionKind
    from reviews.models import QaOutcome
    from reviews.services import submissions
    from tests.reviews.test_submissions import agree_terms, ask, review_of, submit

    leicester = partnerships["leicester"]
    review = review_of(leicester)
    agree_terms(review["lcspr"])
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    agency_user(police, email="desk@police.example")
    reference = review["case"].reference
    asked = f"Case {reference}: your agency's submission to the review"
    FailFirstBackend.fail_subject = asked
    (request,) = ask(review, submissions.SubmissionAsk(police, SubmissionKind.CHRONOLOGY))
    _fails_once_then_sent(asked, ["desk@police.example"])
    request = submit(request, agency_user(police, email="other@police.example"))
    more = f"Case {reference}: more information is asked for on your agency's submission"
    FailFirstBackend.fail_subject = more
    submissions.submission_review_record(
        request=request,
        outcome=QaOutcome.MORE_INFORMATION,
        version=request.version,
        actor=review["panel"],
        asked_for="The GP's letters of March are missing.",
        respond_by=working_days_ahead(10, leicester),
    )
    _fails_once_then_sent(more, ["desk@police.example", "other@police.example"])


def test_the_workshop_invitation_email(worker, partnerships):
    """A workshop invitation, its briefing PDF attached, goes once to each invitee through
    the worker (§8.10.3); a failure is retried."""
    from datetime import time

    from django.utils import timezone

    from cases.models import InformationRequest, RequestPurpose, RequestStatus
    from cases.selectors import working_calendar
    from reviews.models import NamedPractitioner
    from reviews.services import workshop
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    case = open_case(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    request = InformationRequest.objects.create(
        case=case,
        agency=AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE),
        purpose=RequestPurpose.LCSPR,
        reply_due_on=working_days_ahead(10, leicester),
        sent_at=timezone.now(),
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    NamedPractitioner.objects.create(
        request=request,
        name="Dana Constable",
        job_title="Detective Constable",
        email="dana@police.example",
        direct_involvement=True,
    )
    day = working_calendar(partnership=leicester).add(timezone.localdate(), 25)
    workshop.workshop_plan(
        lcspr=lcspr,
        version=0,
        is_held=True,
        not_held_reason="",
        place="Room 4, City Hall",
        sessions=[workshop.SessionTimes(day=day, starts=time(9, 30), ends=time(13, 0))],
        share_themes=False,
        actor=reviewer,
    )
    workshop.invitees_add_direct(lcspr=lcspr, actor=reviewer)
    subject = f"Case review {case.reference}: invitation to a reflective learning workshop"
    FailFirstBackend.fail_subject = subject
    assert workshop.invitations_send(lcspr=lcspr, actor=reviewer) == 1
    _fails_once_then_sent(subject, ["dana@police.example"])
    [message] = _sent(subject)
    [(filename, _, mimetype)] = message.attachments
    assert (case.reference in filename, mimetype) == (True, "application/pdf")


def _workshop_sent(leicester):
    """A review whose workshop invitation went to one invitee through the worker."""
    from datetime import time

    from django.utils import timezone

    from cases.models import InformationRequest, RequestPurpose, RequestStatus
    from cases.selectors import working_calendar
    from reviews.models import NamedPractitioner
    from reviews.services import workshop
    from tests.factories import appoint

    case = open_case(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    request = InformationRequest.objects.create(
        case=case,
        agency=AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE),
        purpose=RequestPurpose.LCSPR,
        reply_due_on=working_days_ahead(10, leicester),
        sent_at=timezone.now(),
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    NamedPractitioner.objects.create(
        request=request,
        name="Dana Constable",
        job_title="Detective Constable",
        email="dana@police.example",
        direct_involvement=True,
    )
    day = working_calendar(partnership=leicester).add(timezone.localdate(), 25)
    workshop.workshop_plan(
        lcspr=lcspr,
        version=0,
        is_held=True,
        not_held_reason="",
        place="Room 4, City Hall",
        sessions=[workshop.SessionTimes(day=day, starts=time(9, 30), ends=time(13, 0))],
        share_themes=False,
        actor=reviewer,
    )
    workshop.invitees_add_direct(lcspr=lcspr, actor=reviewer)
    workshop.invitations_send(lcspr=lcspr, actor=reviewer)
    invited = f"Case review {case.reference}: invitation to a reflective learning workshop"
    assert _wait_for(lambda: _sent(invited)), "the invitation never went"
    return case, lcspr, reviewer, day


def test_the_workshop_withdrawal_email(worker, partnerships):
    """An invitee whose workshop invitation is withdrawn is told once through the worker;
    a failure is retried."""
    from reviews.models import WorkshopInvitee
    from reviews.services import workshop

    case, _, reviewer, _ = _workshop_sent(partnerships["leicester"])
    subject = f"Case review {case.reference}: your workshop invitation is withdrawn"
    FailFirstBackend.fail_subject = subject
    invitee = WorkshopInvitee.unscoped.get(email="dana@police.example")
    outcome = workshop.invitee_withdraw(invitee=invitee, version=invitee.version, actor=reviewer)
    assert outcome == workshop.Withdrawal.WITHDRAWN
    _fails_once_then_sent(subject, ["dana@police.example"])


def test_the_workshop_change_email(worker, partnerships):
    """A change of the workshop's date is told once to each invitee already sent through
    the worker (§8.10.3); a failure is retried."""
    from datetime import time, timedelta

    from reviews.selectors import workshop as selectors
    from reviews.services import workshop

    case, lcspr, reviewer, day = _workshop_sent(partnerships["leicester"])
    subject = f"Case review {case.reference}: the learning workshop's date or place has changed"
    FailFirstBackend.fail_subject = subject
    moved = day + timedelta(days=7)
    workshop.workshop_plan(
        lcspr=lcspr,
        version=selectors.workshop_of(lcspr=lcspr).version,
        is_held=True,
        not_held_reason="",
        place="Room 4, City Hall",
        sessions=[workshop.SessionTimes(day=moved, starts=time(9, 30), ends=time(13, 0))],
        share_themes=False,
        actor=reviewer,
    )
    _fails_once_then_sent(subject, ["dana@police.example"])


def test_the_genogram_ask_email(worker, partnerships):
    """The agency asked for its genogram (§7.2.1) is emailed once through the worker; a
    failure is retried."""
    from reviews.services import genogram_ask_record
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    case = open_case(leicester)
    lcspr = appoint(case, staff_user(leicester, Role.REVIEWER)).lcspr
    city = AgencyFactory(name="Leicester City Council", partnerships=[leicester])
    agency_user(city, email="desk@city.example")
    subject = f"Case {case.reference}: the review asks for your agency's genogram"
    FailFirstBackend.fail_subject = subject
    genogram_ask_record(
        lcspr=lcspr,
        agency=city,
        due_on=working_days_ahead(10, leicester),
        note="",
        version=0,
        actor=staff_user(leicester),
    )
    _fails_once_then_sent(subject, ["desk@city.example"])


def test_the_report_guard_email(worker, partnerships):
    """Issue 15, guard: the CRG chair is emailed once through the worker that a finished
    draft holds open anonymisation hits (§9.1.3); a failure is retried."""
    from django.utils import timezone

    from cases.models import Child
    from reviews.models import DraftSource, ReportDraft, ReportSection
    from reviews.services import lcspr_open
    from reviews.services.report_guard import report_guard_run

    leicester = partnerships["leicester"]
    case = open_case(leicester)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    Child.unscoped.create(case=case, pseudonym="Child A", name="Jayden Whitlock")
    draft = ReportDraft.unscoped.create(
        lcspr=lcspr, number=2, source=DraftSource.WRITTEN, finished_at=timezone.now()
    )
    ReportSection.unscoped.create(draft=draft, heading="Background", body="Jayden was seen.")
    staff_user(leicester, Role.CRG_CHAIR, email="chair@city.example")
    subject = f"Case {case.reference}: report draft 2 needs anonymising"
    FailFirstBackend.fail_subject = subject
    report_guard_run(draft=draft)
    _fails_once_then_sent(subject, ["chair@city.example"])


def test_the_report_comment_email(worker, partnerships):
    """Issue 15, drafts: the Reviewer is emailed once through the worker of a Panel
    member's comment on a draft (case reference and draft number only); a failure is
    retried."""
    from django.utils import timezone

    from reviews.models import DraftSource, ReportDraft
    from reviews.services.report_drafts import report_comment_add
    from tests.factories import appoint

    leicester = partnerships["leicester"]
    case = open_case(leicester)
    reviewer = staff_user(leicester, Role.REVIEWER, email="reviewer@city.example")
    lcspr = appoint(case, reviewer).lcspr
    panel = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(case, panel, Role.PANEL_MEMBER)
    draft = ReportDraft.unscoped.create(
        lcspr=lcspr, number=1, source=DraftSource.WRITTEN, finished_at=timezone.now()
    )
    subject = f"Case {case.reference}: a comment on draft 1 of the report"
    FailFirstBackend.fail_subject = subject
    report_comment_add(draft=draft, body="Say more about the school's part.", actor=panel)
    _fails_once_then_sent(subject, ["reviewer@city.example"])


def test_the_report_partner_email(worker, partnerships):
    """Issue 15, approval: each Safeguarding Partner's representative is emailed once
    through the worker that the CRG approved the report and it awaits the partnership's
    approval (§9.1.5); a failure is retried."""
    from cases.models import AgencyKind
    from rapidreview.models import CrgMeeting, MeetingKind
    from tests.factories import appoint
    from tests.reviews.test_report_approval import crg_approve, crg_member, finished_draft, qa_pass

    leicester = partnerships["leicester"]
    case = open_case(leicester)
    appoint(case, staff_user(leicester, Role.REVIEWER))
    panel = staff_user(leicester, Role.PANEL_MEMBER)
    appoint(case, panel, Role.PANEL_MEMBER)
    case.refresh_from_db()
    crg_member(leicester, AgencyKind.POLICE, email="police-rep@city.example")
    meeting = CrgMeeting.unscoped.create(
        partnership=leicester, kind=MeetingKind.MONTHLY, held_on=working_days_ahead(5, leicester)
    )
    finished_draft(case, 1)
    qa_pass(case, panel, 1)
    subject = f"Case {case.reference}: the LCSPR report awaits the partnership's approval"
    FailFirstBackend.fail_subject = subject
    crg_approve(case, staff_user(leicester), staff_user(leicester, Role.CRG_CHAIR), meeting, 1)
    _fails_once_then_sent(subject, ["police-rep@city.example"])


def test_the_national_review_contact_emails(worker, partnerships, monkeypatch, settings):
    """Issue 16, learning: the CRG chair named the point of contact for a national review
    request (§12.3) is emailed once through the worker, a failure retried; a job lost to a
    broker outage is sent by the learning's mail sweep."""
    from django.utils import timezone

    from publication.services.learning import review_request_create
    from publication.tasks import learning_mail_sweep, national_review_contact_email

    leicester = partnerships["leicester"]
    chair = staff_user(leicester, Role.CRG_CHAIR, email="chair@city.example")
    subject = f"{leicester.name}: you are the point of contact for a national review request"
    FailFirstBackend.fail_subject = subject
    values = {"received_on": timezone.localdate(), "parameters": "Infants under one."}
    review_request_create(
        partnership=leicester, actor=None, title="Infants", contact=chair, **values
    )
    _fails_once_then_sent(subject, [chair.email])

    monkeypatch.setattr(national_review_contact_email, "delay", lambda **kwargs: None)
    second = staff_user(leicester, Role.CRG_CHAIR, email="chair2@city.example")
    review_request_create(
        partnership=leicester, actor=None, title="Neglect", contact=second, **values
    )
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    learning_mail_sweep.delay()
    assert _wait_for(lambda: len(_sent(subject)) == 2)
    assert [m.to for m in _sent(subject)] == [[chair.email], [second.email]]


def test_the_archive_sweep_and_its_email(worker, partnerships):
    """Issue 16, public: the daily sweep's job for the partnership archives a report whose
    year of publication has passed (§10.5.2), not a recent one, and the Business Office is
    emailed once through the worker, a failure retried."""
    from datetime import timedelta

    from django.utils import timezone

    from publication.tasks import publications_archive_sweep
    from tests.publication.public_rows import publication

    leicester = partnerships["leicester"]
    office = staff_user(leicester, email="office@city.example")
    today = timezone.localdate()
    row, _ = publication(leicester, published_on=today - timedelta(days=400))
    recent, _ = publication(leicester, published_on=today - timedelta(days=30))
    subject = f"Case {row.lcspr.case.reference}: the published report is archived"
    FailFirstBackend.fail_subject = subject
    # Waited for by its effect, the email its partnership's job sends: the sweep's own
    # "succeeded" line can be logged before, after or between its jobs' retries.
    publications_archive_sweep.delay()
    _fails_once_then_sent(subject, [office.email])
    row.refresh_from_db()
    recent.refresh_from_db()
    assert (row.archived_on, recent.archived_on) == (today, None)
    assert [m for m in mail.outbox if "archived" in m.subject] == _sent(subject)


def test_the_publication_plan_emails(worker, partnerships, monkeypatch, settings):
    """Issue 16, plan: a plan step's new owner is told, and the pack is emailed to the
    National Panel, Ofsted and the DfE (§10.5.1), each once through the worker, a failure
    retried; a step owner's job lost to a broker outage is sent by the plan's mail sweep."""
    from publication.models import PlanStep, PublicationTask, SentBy
    from publication.services import notice, plan
    from publication.tasks import plan_mail_sweep, publication_task_email
    from tests.publication.public_rows import publication

    leicester = partnerships["leicester"]
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.ofsted_email = "ofsted@example.gov.uk"
    leicester.dfe_email = "dfe@example.gov.uk"
    leicester.email_publication_pack = True
    leicester.save()
    office = staff_user(leicester, email="office@city.example")
    row, _ = publication(leicester)  # the partnership decided to publish the report
    reference = row.lcspr.case.reference
    task = PublicationTask.unscoped.create(
        publication=row, step=PlanStep.MEDIA, due_on=working_days_ahead(10, leicester)
    )

    def owner_set(owner):
        task.refresh_from_db()
        plan.publication_task_update(
            publication=row,
            step=PlanStep.MEDIA,
            owner=owner,
            due_on=task.due_on,
            done_on=None,
            note="",
            version=task.version,
            actor=office,
        )

    subject = f'Case {reference}: the publication plan step "{PlanStep.MEDIA.label}" is yours'
    FailFirstBackend.fail_subject = subject
    owner_set(office)
    _fails_once_then_sent(subject, [office.email])

    pack = f"{leicester.name}: LCSPR publication pack, case {reference}"
    FailFirstBackend.fail_subject = pack
    row.refresh_from_db()
    notice.panel_notice_send(publication=row, actor=office, sent_by=SentBy.EMAIL)
    mailboxes = ["panel@example.gov.uk", "ofsted@example.gov.uk", "dfe@example.gov.uk"]
    _fails_once_then_sent(pack, mailboxes)
    [(_, _, mimetype)] = _sent(pack)[0].attachments
    assert mimetype == "application/pdf"

    monkeypatch.setattr(publication_task_email, "delay", lambda **kwargs: None)
    second = staff_user(leicester, email="office2@city.example")
    owner_set(second)
    settings.MAIL_SWEEP_GRACE_MINUTES = 0
    plan_mail_sweep.delay()
    assert _wait_for(lambda: len(_sent(subject)) == 2)
    assert [m.to for m in _sent(subject)] == [[office.email], [second.email]]


def test_the_action_reminders(worker, partnerships):
    """Issue 16, action plans: the owner agency told of a new action is emailed once
    through the worker, a failure retried; the daily sweep sends an overdue action's
    reminder (§11.4.1) once, even when run twice."""
    from django.utils import timezone

    from cases.selectors import working_calendar
    from publication.models import ActionReminder, PlanAction, PlanSource, ReminderKind
    from publication.tasks import action_reminders_sweep
    from tests.publication.action_fixtures import agency_serving, declined_case, make_plan

    leicester = partnerships["leicester"]
    agency = agency_serving(leicester)
    agency_user(agency, email="portal@agency.example")
    case = declined_case(leicester)
    label = f"Case {case.reference}: {PlanSource.RAPID_REVIEW.label}"
    FailFirstBackend.fail_subject = f"{label}: an action for your agency"
    action = make_plan(leicester, agency, case=case)["action"]
    recipients = ["pat.lead@agency.example", "portal@agency.example"]
    _fails_once_then_sent(
        f"{label}: an action for your agency, due {action.due_on:%-d %B %Y}", recipients
    )

    due = working_calendar(partnership=leicester).subtract(timezone.localdate(), 1)
    PlanAction.unscoped.filter(pk=action.pk).update(due_on=due)
    overdue_subject = f"{label}: an action is overdue (due {due:%-d %B %Y})"
    action_reminders_sweep.delay()
    assert _wait_for(lambda: _sent(overdue_subject))
    _run_then_wait(action_reminders_sweep, staff_user(leicester))  # the same day again
    assert ActionReminder.unscoped.filter(action=action, kind=ReminderKind.OVERDUE).count() == 1
    [overdue] = _sent(overdue_subject)
    assert sorted(overdue.to) == recipients
