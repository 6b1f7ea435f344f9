"""The notice to the National Panel, Ofsted and the DfE (§10.5.1) and the publication
record (§10.5.2-10.5.3): the pack emailed once with the exact file whose checksum is kept,
or recorded as sent another way; a missing mailbox named and the send refused; the planned
date refused when closer than seven working days to the pack; publication completing
`lcspr_complete` and starting `publication_available_until`."""

import hashlib
import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Deadline, DeadlineStatus
from cases.selectors import working_calendar
from cases.workdays import WorkingCalendar
from publication.models import (
    ArchiveRequest,
    NspccChoice,
    PackKind,
    PanelNotice,
    PublishChoice,
    SentBy,
)
from publication.rules.plan import earliest_publication_date, planned_date_allowed
from publication.services import notice as notice_services
from publication.services import plan as services
from publication.services import record as record_services
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def page(case, part=""):
    return f"/cases/{case.reference}/lcspr/publication/{part}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def once_token(client, url) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', text(client.get(url)))[1]


@pytest.fixture
def decided(final, case, office):
    """The plan open, the partnership deciding to publish the report."""
    publication = services.publication_open(lcspr=case.lcspr, actor=office)
    services.publication_decide(
        publication=publication,
        choice=PublishChoice.REPORT,
        reason="",
        version=publication.version,
        actor=office,
    )
    publication.refresh_from_db()
    return publication


def date_post(name, day):
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


# --- The rule (§10.5.1) ----------------------------------------------------------------


def test_the_earliest_publication_date_is_seven_working_days_after_the_pack():
    calendar = WorkingCalendar()
    friday = timezone.datetime(2026, 11, 20).date()
    # Seven working days after Friday 20 November 2026: Tuesday 1 December.
    assert earliest_publication_date(friday, calendar) == timezone.datetime(2026, 12, 1).date()
    assert planned_date_allowed(timezone.datetime(2026, 12, 1).date(), friday, calendar)
    assert not planned_date_allowed(timezone.datetime(2026, 11, 30).date(), friday, calendar)
    # Over Christmas the bank holidays do not count (25 and 28 December, 1 January).
    christmas_eve = timezone.datetime(2026, 12, 24).date()
    assert earliest_publication_date(christmas_eve, calendar) == (
        timezone.datetime(2027, 1, 7).date()
    )


# --- The notice ------------------------------------------------------------------------


def test_the_pack_is_emailed_once_with_the_file_whose_checksum_is_kept(
    client, decided, case, office, leicester, final, django_capture_on_commit_callbacks
):
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.email_publication_pack = True
    leicester.save()
    sign_in(client, office)
    url = page(case, "notice/")
    token = once_token(client, url)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"once_token": token})
    assert response.status_code == 302, text(response)
    notice = PanelNotice.unscoped.get()
    assert notice.kind == PackKind.REPORT
    assert notice.sent_by == SentBy.EMAIL
    assert notice.sent_on == timezone.localdate()
    assert set(notice.recipients) == {
        "panel@example.gov.uk",
        leicester.ofsted_email,
        leicester.dfe_email,
    }
    [email] = mail.outbox
    assert set(email.to) == set(notice.recipients)
    [(name, content, kind)] = email.attachments
    assert kind == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == notice.sha256 == final.sha256
    assert len(content) == notice.size
    assert notice.emailed_at is not None or PanelNotice.unscoped.get().emailed_at is not None
    # The same form sent again records nothing more, and the job run again sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"once_token": token})
    assert PanelNotice.unscoped.count() == 1
    from publication.tasks import panel_notice_email

    assert panel_notice_email(partnership_id=leicester.pk, notice_id=notice.pk) == 0
    assert len(mail.outbox) == 1
    # Sending again is a knowing act: the page says when it went and what another send does.
    again = html.unescape(text(client.get(url)))
    assert f"The pack was already sent on {format_date(timezone.localdate())}" in again
    assert "Send the pack again by email" in again
    # The page shows the earliest allowed publication date.
    earliest = earliest_publication_date(
        timezone.localdate(), working_calendar(partnership=leicester)
    )
    assert format_date(earliest) in text(client.get(page(case)))


def test_a_missing_mailbox_is_named_and_the_send_refused(client, decided, case, office, leicester):
    leicester.national_panel_email = ""
    leicester.dfe_email = ""
    leicester.save()
    sign_in(client, office)
    shown = text(client.get(page(case, "notice/")))
    assert "the National Panel's mailbox and the Department for Education's mailbox" in shown
    assert "partnership admin" in shown
    assert "the National Panel's mailbox" in text(client.get(page(case)))
    with pytest.raises(ApplicationError):
        notice_services.panel_notice_send(
            publication=decided, actor=office, sent_by=SentBy.OTHER, sent_on=timezone.localdate()
        )
    assert not PanelNotice.unscoped.exists()


def test_sent_another_way_is_recorded_with_its_date_and_completes_the_deadline(
    client, decided, case, office, leicester
):
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.save()
    calendar = working_calendar(partnership=leicester)
    planned = calendar.add(timezone.localdate(), 10)
    services.publication_date_set(
        publication=decided, planned_on=planned, version=decided.version, actor=office
    )
    sent_deadline = Deadline.unscoped.get(case=case, kind="report_sent_to_national_panel")
    assert sent_deadline.due_date == calendar.subtract(planned, 7)
    sign_in(client, office)
    url = page(case, "notice/")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url,
        {
            "once_token": once_token(client, url),
            "note": "Secure transfer",
            **date_post("sent_on", yesterday),
        },
    )
    assert response.status_code == 302, text(response)
    notice = PanelNotice.unscoped.get()
    assert (notice.sent_by, notice.sent_on) == (SentBy.OTHER, yesterday)
    assert notice.sha256 == decided.lcspr.report_final.sha256
    assert not mail.outbox
    sent_deadline.refresh_from_db()
    assert sent_deadline.status == DeadlineStatus.MET
    assert sent_deadline.completed_on == yesterday


def test_a_planned_date_too_close_to_the_pack_is_refused_with_the_earliest_date(
    client, decided, case, office, leicester
):
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.save()
    today = timezone.localdate()
    notice_services.panel_notice_send(
        publication=decided, actor=office, sent_by=SentBy.OTHER, sent_on=today
    )
    decided.refresh_from_db()
    earliest = earliest_publication_date(today, working_calendar(partnership=leicester))
    sign_in(client, office)
    too_close = earliest - timedelta(days=1)
    response = client.post(
        page(case, "date/"), {"version": decided.version, **date_post("planned_on", too_close)}
    )
    assert response.status_code == 200
    shown = text(response)
    assert f"must be {format_date(earliest)} or later" in shown
    assert f'value="{too_close.day}"' in shown  # what was typed is kept
    decided.refresh_from_db()
    assert decided.planned_on is None
    response = client.post(
        page(case, "date/"), {"version": decided.version, **date_post("planned_on", earliest)}
    )
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.planned_on == earliest


# --- The publication record (§10.5.2-10.5.3) ---------------------------------------------


def test_publication_completes_the_lcspr_and_starts_the_year_available(
    decided, case, office, leicester
):
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.save()
    calendar = working_calendar(partnership=leicester)
    sent_on = calendar.subtract(timezone.localdate(), 8)
    notice_services.panel_notice_send(
        publication=decided, actor=office, sent_by=SentBy.OTHER, sent_on=sent_on
    )
    decided.refresh_from_db()
    too_early = calendar.add(sent_on, 6)
    with pytest.raises(ApplicationError) as refused:
        record_services.publication_record(
            publication=decided,
            published_on=too_early,
            url="https://example.org/lcspr",
            reviewer_name="Harriet Ollerenshaw",
            anonymous_reviewer=False,
            version=decided.version,
            actor=office,
        )
    assert format_date(calendar.add(sent_on, 7)) in refused.value.message
    today = timezone.localdate()
    record_services.publication_record(
        publication=decided,
        published_on=today,
        url="https://example.org/lcspr",
        reviewer_name="Harriet Ollerenshaw",
        anonymous_reviewer=False,
        version=decided.version,
        actor=office,
    )
    complete = Deadline.unscoped.get(case=case, kind="lcspr_complete")
    assert complete.status == DeadlineStatus.MET
    assert complete.completed_on == today
    available = Deadline.unscoped.get(case=case, kind="publication_available_until")
    assert available.due_date >= today.replace(year=today.year + 1) - timedelta(days=1)
    assert available.status == DeadlineStatus.OPEN


def test_the_record_freezes_the_action_plan_and_defaults_the_reviewer(
    client, decided, case, office, leicester
):
    from tests.publication.test_plan import action_plan

    action_plan(case)
    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.save()
    sent_on = working_calendar(partnership=leicester).subtract(timezone.localdate(), 8)
    notice_services.panel_notice_send(
        publication=decided, actor=office, sent_by=SentBy.OTHER, sent_on=sent_on
    )
    sign_in(client, office)
    shown = text(client.get(page(case, "record/")))
    assert 'value="Harriet Ollerenshaw"' in shown
    decided.refresh_from_db()
    response = client.post(
        page(case, "record/"),
        {
            "version": decided.version,
            "url": "https://example.org/published/lcspr",
            "reviewer_name": "Harriet Ollerenshaw",
            **date_post("published_on", timezone.localdate()),
        },
    )
    assert response.status_code == 302, text(response)
    decided.refresh_from_db()
    assert decided.published_on == timezone.localdate()
    with decided.action_plan_file.open("rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == decided.action_plan_sha256
    response = client.get(page(case, "action-plan.pdf"))
    assert response.status_code == 200
    # The NSPCC decision with its reason, and the submission of the pack's file.
    decided.refresh_from_db()
    record_services.nspcc_record(
        publication=decided,
        choice=NspccChoice.SUBMIT,
        reason="A rare theme the repository lacks.",
        submitted_on=timezone.localdate(),
        version=decided.version,
        actor=office,
    )
    decided.refresh_from_db()
    assert decided.nspcc_sha256 == decided.lcspr.report_final.sha256
    # A request for the archived report is logged with its answer.
    record_services.archive_request_add(
        publication=decided,
        requester_name="A researcher",
        requester_organisation="A university",
        requester_email="",
        received_on=timezone.localdate(),
        answer="sent",
        answered_on=None,
        answer_note="Sent the PDF",
        actor=office,
    )
    assert ArchiveRequest.unscoped.get().answered_on == timezone.localdate()
    assert "A researcher" in text(client.get(page(case)))


def test_the_public_title_is_refused_with_the_childs_name_or_the_case_reference(
    client, decided, case, office, leicester
):
    from tests.publication.conftest import CHILD_NAME

    leicester.national_panel_email = "panel@example.gov.uk"
    leicester.save()
    sent_on = working_calendar(partnership=leicester).subtract(timezone.localdate(), 8)
    notice_services.panel_notice_send(
        publication=decided, actor=office, sent_by=SentBy.OTHER, sent_on=sent_on
    )
    decided.refresh_from_db()
    sign_in(client, office)
    form = {
        "version": decided.version,
        "url": "https://example.org/published/lcspr",
        "reviewer_name": "Harriet Ollerenshaw",
        **date_post("published_on", timezone.localdate()),
    }
    for title in (f"Learning from the death of {CHILD_NAME}", f"Review {case.reference}"):
        response = client.post(page(case, "record/"), {**form, "public_title": title})
        assert response.status_code == 200
        shown = html.unescape(text(response))
        assert record_services.TITLE_NOT_ANONYMOUS in shown
        assert f'value="{title}"' in shown  # what was typed is kept
    decided.refresh_from_db()
    assert decided.published_on is None
    title = "Child A: learning about a baby's safety at home"
    response = client.post(page(case, "record/"), {**form, "public_title": title})
    assert response.status_code == 302
    public = client.get(f"/published/{leicester.slug}/")
    assert html.escape(title) in public.content.decode()


def test_publication_cannot_be_recorded_before_the_pack_is_sent(decided, office):
    with pytest.raises(ApplicationError) as refused:
        record_services.publication_record(
            publication=decided,
            published_on=timezone.localdate(),
            url="https://example.org/x",
            reviewer_name="",
            anonymous_reviewer=True,
            version=decided.version,
            actor=office,
        )
    assert refused.value.message == record_services.NO_NOTICE
