"""Archiving after the year of publication (§10.5.2): the daily job marks a report archived
once its `publication_available_until` date has passed, closes that deadline, takes it off
the public page and tells the Business Office (an email and a dashboard item). Time is
moved by dating the publication a year back and passing the job's `today`."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import Deadline, DeadlineStatus, Partnership
from publication.models import Publication
from publication.rules.availability import AVAILABLE_UNTIL_KIND
from publication.services.archive import publication_archived_email_send, publications_archive
from publication.tasks import partnership_publications_archive, publications_archive_sweep
from tests.factories import sign_in, staff_user
from tests.publication.public_rows import CHILD_NAMES, publication

pytestmark = pytest.mark.django_db


def available_until(row):
    return Deadline.unscoped.get(case=row.lcspr.case, kind=AVAILABLE_UNTIL_KIND)


def test_a_report_is_archived_the_day_after_its_year_and_the_deadline_is_met(
    client, leicester, django_capture_on_commit_callbacks
):
    office = staff_user(leicester, email="office@example.org")
    today = timezone.localdate()
    # A year and three days ago, so that its year ended a day or more ago.
    published_on = today.replace(year=today.year - 1) - timedelta(days=3)
    row, files = publication(
        leicester, published_on=published_on, decided_on=published_on - timedelta(days=120)
    )
    deadline = available_until(row)
    until = deadline.due_date
    assert until.year == published_on.year + 1  # twelve months on (§10.5.2)
    # Before and on the date: still published, the file still served.
    assert until < today
    for day in (published_on + timedelta(days=200), until):
        assert publications_archive(partnership=leicester, today=day) == []
    report_url = f"/published/leicester/{row.public_id}/report.pdf"
    assert client.get(report_url).content == files["report"]
    # The day after: archived, the deadline met, the office told.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        archived = publications_archive(partnership=leicester, today=until + timedelta(days=1))
    assert [p.pk for p in archived] == [row.pk]
    row.refresh_from_db()
    deadline.refresh_from_db()
    assert row.archived_on == until + timedelta(days=1)
    assert deadline.status == DeadlineStatus.MET
    assert deadline.completed_on == until + timedelta(days=1)
    # Off the public page and its feed; the page says where to ask for it.
    assert client.get(report_url).status_code == 404
    assert client.get(f"/published/leicester/{row.public_id}/action-plan.pdf").status_code == 404
    listing = client.get("/published/leicester/").content.decode()
    assert str(row.public_id) not in listing
    assert "Some of this partnership's reports are archived" in listing
    assert str(row.public_id) not in client.get("/published/leicester/feed.atom").content.decode()
    # The Business Office's email: the reference and dates, no name.
    [email] = mail.outbox
    assert email.to == [office.email]
    assert row.lcspr.case.reference in email.subject
    assert "archived" in email.body
    assert CHILD_NAMES["leicester"] not in email.body + email.subject
    # And its dashboard.
    sign_in(client, office)
    dashboard = client.get("/").content.decode()
    assert "Its published report is archived" in dashboard
    assert row.lcspr.case.reference in dashboard


def test_the_daily_job_run_twice_changes_nothing_more(
    leicester, lr, caplog, django_capture_on_commit_callbacks
):
    staff_user(leicester, email="office@example.org")
    staff_user(lr, email="lr-office@example.org")
    old = timezone.localdate() - timedelta(days=400)
    leicester_row, _ = publication(leicester, published_on=old)
    lr_row, _ = publication(lr, published_on=old)
    recent, _ = publication(leicester, published_on=timezone.localdate() - timedelta(days=30))
    planned, _ = publication(leicester, planned_on=timezone.localdate())
    mail.outbox.clear()
    caplog.set_level(logging.INFO, logger="publication")
    with django_capture_on_commit_callbacks(execute=True):
        assert publications_archive_sweep() == Partnership.objects.count()  # one job each
    assert Publication.unscoped.filter(archived_on__isnull=False).count() == 2
    assert set(Publication.unscoped.filter(archived_on__isnull=False)) == {leicester_row, lr_row}
    assert len(mail.outbox) == 2
    history = {p.pk: p.history.count() for p in Publication.unscoped.all()}
    deadlines = {d.pk: (d.status, d.updated_at) for d in Deadline.unscoped.all()}
    archived_on = dict(Publication.unscoped.values_list("pk", "archived_on"))
    # Logs name references only.
    logged = caplog.text
    assert leicester_row.lcspr.case.reference in logged
    for name in CHILD_NAMES.values():
        assert name not in logged
    # Again: nothing archived, no email, no history, no deadline touched.
    with django_capture_on_commit_callbacks(execute=True):
        assert partnership_publications_archive(partnership_id=leicester.pk) == 0
        assert partnership_publications_archive(partnership_id=lr.pk) == 0
    assert len(mail.outbox) == 2
    assert {p.pk: p.history.count() for p in Publication.unscoped.all()} == history
    assert {d.pk: (d.status, d.updated_at) for d in Deadline.unscoped.all()} == deadlines
    assert dict(Publication.unscoped.values_list("pk", "archived_on")) == archived_on
    recent.refresh_from_db()
    planned.refresh_from_db()
    assert recent.archived_on is None
    assert planned.archived_on is None


def test_an_email_lost_to_a_failed_send_goes_with_the_next_run(leicester, monkeypatch):
    staff_user(leicester, email="office@example.org")
    row, _ = publication(leicester, published_on=timezone.localdate() - timedelta(days=400))
    # Archived (its email's job is queued on commit, which this test's transaction
    # never reaches); then the send itself fails.
    assert publications_archive(partnership=leicester, today=timezone.localdate()) == [row]

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("publication.services.archive.send_mail", refuse)
    with pytest.raises(OSError, match="mail server down"):
        publication_archived_email_send(partnership_id=leicester.pk, publication_id=row.pk)
    row.refresh_from_db()
    assert row.archived_on == timezone.localdate()
    assert row.archived_emailed_at is None  # the claim taken back
    monkeypatch.undo()
    mail.outbox.clear()
    assert partnership_publications_archive(partnership_id=leicester.pk) == 0  # none new
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.archived_emailed_at is not None


def test_the_daily_job_is_in_the_beat_schedule():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "publication.tasks.publications_archive_sweep" in tasks
