"""Retention (issue 18): the rule, the daily flagging job, the decision pages, and what
erasure removes. Time is moved by dating the closing back and passing the job's `today`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import Case, Child, Role, Stage
from cases.web import ARCHIVED_READ_ONLY
from publication.models import Publication
from retention.models import RetentionDecision, RetentionReview
from retention.rules import RetentionDates, is_due, retained_until, retention_dates
from retention.selectors import cases_due_for_review
from retention.services.decision import CONFIRM_MISMATCH, REASON_MISSING
from retention.services.review import retention_reviews_flag
from retention.tasks import partnership_retention_reviews_flag
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, staff_user
from tests.publication.public_rows import CHILD_NAMES, publication

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def closed(case: Case, on: date) -> Case:
    case.stage, case.closed_on = Stage.CLOSED, on
    case.save()
    return case


def years_ago(n: int, days: int = 0) -> date:
    return retained_until(TODAY, -n) - timedelta(days=days)


# --- The rule ---------------------------------------------------------------------------


def dates(closed_on, years=6, available_until=None, kept_until=None) -> RetentionDates:
    return retention_dates(
        closed_on=closed_on, years=years, available_until=available_until, kept_until=kept_until
    )


def due(d: RetentionDates, today, *, stage=Stage.CLOSED, open_actions=False) -> bool:
    return is_due(
        stage=stage, dates=d, open_actions=open_actions, archived=False, erased=False, today=today
    )


def test_due_the_day_after_the_retention_period_never_on_it():
    d = dates(date(2020, 3, 10), years=6)
    assert d.retained_until == date(2026, 3, 10)
    assert not due(d, date(2026, 3, 10))
    assert due(d, date(2026, 3, 11))


def test_a_publication_year_not_yet_over_holds_the_case_back():
    d = dates(date(2020, 3, 10), years=6, available_until=date(2026, 9, 1))
    assert not due(d, date(2026, 6, 1))
    assert not due(d, date(2026, 9, 1))
    assert due(d, date(2026, 9, 2))


def test_a_keep_decision_holds_the_case_back_until_its_date():
    d = dates(date(2020, 3, 10), years=6, kept_until=date(2027, 1, 31))
    assert not due(d, date(2027, 1, 31))
    assert due(d, date(2027, 2, 1))


def test_open_cases_and_cases_with_open_actions_are_never_due():
    d = dates(date(2000, 1, 1))
    assert not due(d, TODAY, stage=Stage.LEARNING)
    assert not due(d, TODAY, open_actions=True)
    assert not due(dates(None), TODAY)


def test_29_february_is_clamped():
    assert retained_until(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_each_partnership_uses_its_own_period(leicester, lr):
    leicester.retention_years, lr.retention_years = 6, 10
    leicester.save()
    lr.save()
    seven_years = years_ago(7)
    mine = closed(open_case(leicester), seven_years)
    theirs = closed(open_case(lr), seven_years)
    assert [d.case for d in cases_due_for_review(partnership=leicester, today=TODAY)] == [mine]
    assert cases_due_for_review(partnership=lr, today=TODAY) == []
    # L&R's ten years: due the day after, not on it.
    ten = retained_until(theirs.closed_on, 10)
    assert cases_due_for_review(partnership=lr, today=ten) == []
    assert [d.case for d in cases_due_for_review(partnership=lr, today=ten + timedelta(1))] == [
        theirs
    ]


def test_the_publication_year_is_read_from_the_case(leicester):
    row, _files = publication(leicester, published_on=TODAY - timedelta(days=100))
    case = closed(row.lcspr.case, years_ago(7))
    # Retention period over, but the report is still within its year (§10.5.2).
    assert cases_due_for_review(partnership=leicester, today=TODAY) == []
    later = TODAY + timedelta(days=400)
    [found] = cases_due_for_review(partnership=leicester, today=later)
    assert found.case == case
    assert found.dates.available_until is not None


# --- The daily job -------------------------------------------------------------------------


def test_the_job_flags_once_and_tells_the_office_once(
    client, leicester, django_capture_on_commit_callbacks
):
    office = staff_user(leicester, email="office@example.org")
    case = closed(open_case(leicester), years_ago(7))
    Child.unscoped.create(case=case, pseudonym="Child A", name="Zebedee Quarrington")
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            partnership_retention_reviews_flag(partnership_id=leicester.pk)
    [review] = RetentionReview.unscoped.filter(case=case)
    assert review.decided_at is None
    [email] = mail.outbox
    assert email.to == [office.email]
    assert case.reference in email.subject
    assert "Zebedee" not in email.subject + email.body
    # And on the dashboard of those who decide.
    sign_in(client, office)
    dashboard = client.get("/").content.decode()
    assert "decide to archive, keep or erase it" in dashboard
    assert case.reference in dashboard
    # Nothing was archived or erased.
    case.refresh_from_db()
    assert case.archived_at is None
    assert case.erased_at is None


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def flagged(leicester):
    case = closed(open_case(leicester), years_ago(7))
    Child.unscoped.create(
        case=case, pseudonym="Child A", name="Zebedee Quarrington", address="1 High St"
    )
    [review] = retention_reviews_flag(partnership=leicester, today=TODAY)
    return review


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.BUSINESS_OFFICE, 200),
        (Role.CRG_CHAIR, 200),
        (Role.PARTNERSHIP_ADMIN, 200),
        (Role.CRG_MEMBER, 403),
        (Role.REVIEWER, 403),
        (Role.INDEPENDENT_SCRUTINEER, 403),
    ],
)
def test_who_may_decide(client, leicester, flagged, role, status):
    sign_in(client, staff_user(leicester, role=role))
    assert client.get("/retention/").status_code == status
    assert client.get(f"/retention/{flagged.case.reference}/").status_code == status


def test_agencies_and_the_other_partnership_reach_nothing(client, lr, flagged):
    sign_in(client, agency_user(AgencyFactory(name="Leicestershire Police")))
    assert client.get(f"/retention/{flagged.case.reference}/").status_code in (403, 404)
    sign_in(client, staff_user(lr))
    assert client.get(f"/retention/{flagged.case.reference}/").status_code == 404
    assert flagged.case.reference not in client.get("/retention/").content.decode()


def test_the_list_shows_the_dates_that_make_it_due(client, leicester, flagged):
    sign_in(client, staff_user(leicester))
    page = client.get("/retention/").content.decode()
    assert flagged.case.reference in page
    assert f"{flagged.retained_until.day} " in page
    assert str(flagged.retained_until.year) in page


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client, leicester, flagged):
    sign_in(client, staff_user(leicester))
    url = f"/retention/{flagged.case.reference}/"
    response = client.post(
        url, {"decision": "erase", "reason": "Past retention", "confirm": "", "version": 1}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert CONFIRM_MISMATCH.format(reference=flagged.case.reference) in page
    assert "Past retention" in page
    response = client.post(url, {"decision": "keep", "reason": "", "version": 1})
    assert REASON_MISSING[RetentionDecision.KEEP] in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.decided_at is None
    assert Child.unscoped.get(case=flagged.case).name == "Zebedee Quarrington"


def test_archive_drops_the_case_from_the_working_lists_but_not_its_reference(
    client, leicester, flagged
):
    office = staff_user(leicester)
    sign_in(client, office)
    reference = flagged.case.reference
    response = client.post(
        f"/retention/{reference}/", {"decision": "archive", "reason": "", "version": 1}
    )
    assert "is archived" in client.get(response.url).content.decode()
    flagged.refresh_from_db()
    assert flagged.decision == RetentionDecision.ARCHIVE
    assert flagged.decided_by == office
    assert reference not in client.get("/cases/").content.decode()
    assert reference in client.get(f"/cases/?reference={reference}").content.decode()
    assert client.get(f"/cases/{reference}/").status_code == 200
    # Read only: a form posted on it is refused, whatever it is.
    refused = client.post(f"/cases/{reference}/withdraw/", {"reason": "x", "version": 2})
    assert refused.status_code == 403
    assert ARCHIVED_READ_ONLY in refused.content.decode()
    # Never flagged again.
    assert retention_reviews_flag(partnership=leicester, today=TODAY + timedelta(days=900)) == []


def test_keep_lists_the_case_again_after_its_date(client, leicester, flagged):
    sign_in(client, staff_user(leicester))
    until = TODAY + timedelta(days=30)
    response = client.post(
        f"/retention/{flagged.case.reference}/",
        {
            "decision": "keep",
            "keep_until-day": until.day,
            "keep_until-month": until.month,
            "keep_until-year": until.year,
            "reason": "A related inquest is open",
            "version": 1,
        },
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.decision == RetentionDecision.KEEP
    assert flagged.keep_until == until
    assert retention_reviews_flag(partnership=leicester, today=until) == []
    [again] = retention_reviews_flag(partnership=leicester, today=until + timedelta(days=1))
    assert again.kept_until == until


def test_erase_removes_the_identifying_data_from_live_and_history_tables(
    client, leicester, django_capture_on_commit_callbacks
):
    row, _files = publication(leicester, published_on=TODAY - timedelta(days=800))
    case = closed(row.lcspr.case, years_ago(7))
    child = Child.unscoped.get(case=case)
    child.address, child.date_of_birth = "1 High St, Leicester", date(2015, 1, 2)
    child.save()
    child.name = CHILD_NAMES["leicester"] + " Junior"  # a second history row
    child._change_reason = f"Name corrected to {child.name}"
    child.save()
    file_names = [row.action_plan_file.name]
    storage = row.action_plan_file.storage
    assert storage.exists(file_names[0])
    [review] = retention_reviews_flag(partnership=leicester, today=TODAY)
    office = staff_user(leicester)
    sign_in(client, office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/retention/{case.reference}/",
            {
                "decision": "erase",
                "reason": "Retention period over",
                "confirm": case.reference,
                "version": 1,
            },
        )
    assert response.status_code == 302
    # Live tables.
    child.refresh_from_db()
    assert (child.name, child.address, child.date_of_birth) == ("", "", None)
    row.refresh_from_db()
    assert row.action_plan_file.name == ""
    assert row.public_title == ""
    assert row.published_on is not None  # the dates stand, for the figures
    # History tables: no row keeps the name or the address.
    history = Child.history.filter(id=child.pk)
    assert history.count() >= 3
    assert not history.exclude(name="").exists()
    assert not history.exclude(address="").exists()
    assert not history.filter(date_of_birth__isnull=False).exists()
    assert not history.filter(history_change_reason__contains="Quarrington").exists()
    assert not Publication.history.filter(id=row.pk).exclude(public_title="").exists()
    # The files, through the storage API.
    assert not storage.exists(file_names[0])
    # Kept: the reference, the dates, and the decision.
    case.refresh_from_db()
    assert case.reference
    assert case.closed_on
    assert case.erased_at
    assert case.archived_at
    review.refresh_from_db()
    assert (review.decision, review.reason, review.decided_by) == (
        RetentionDecision.ERASE,
        "Retention period over",
        office,
    )
    page = client.get("/retention/").content.decode()
    assert case.reference in page
    assert "Retention period over" in page
    # The case still opens by its reference, says it was erased and names nobody.
    case_page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Erased on" in case_page
    assert CHILD_NAMES["leicester"] not in case_page


def test_a_file_replaced_before_erasure_is_deleted_too(leicester):
    """An older version of a file, named only in the history, is erased with the case."""
    from retention.services.decision import retention_decide

    row, _files = publication(leicester, published_on=TODAY - timedelta(days=800))
    storage = row.action_plan_file.storage
    old = row.action_plan_file.name
    row.action_plan_file.save("b.pdf", ContentFile(b"%PDF new"), save=True)
    new = row.action_plan_file.name
    assert storage.exists(old)
    assert storage.exists(new)
    case = closed(row.lcspr.case, years_ago(7))
    [review] = retention_reviews_flag(partnership=leicester, today=TODAY)
    erasure = retention_decide(
        review=review,
        decision="erase",
        reason="Past retention",
        confirm_reference=case.reference,
        version=review.version,
        actor=staff_user(leicester),
    )
    assert {old, new} <= set(erasure.files)


def test_every_text_field_of_a_case_is_erased_unless_named_as_kept():
    """A model or field added later is erased with the others; what is kept is only what the
    erasure module names (and choices, which name a kind, not a person)."""
    from django.db import models

    from retention.services.erasure import case_models, erasable_fields

    kept = set()
    for model in case_models():
        erased = erasable_fields(model)
        for f in model._meta.concrete_fields:
            text = isinstance(f, models.CharField | models.TextField) and not f.choices
            if (text or isinstance(f, models.FileField | models.JSONField)) and (
                f.name not in erased
            ):
                kept.add((model._meta.label, f.name))
    assert kept == {
        ("cases.Case", "reference"),
        ("cases.Child", "pseudonym"),
        ("cases.Deadline", "kind"),
        ("cases.Deadline", "own_seed"),
        ("publication.PlanRecommendation", "number"),
    }
    assert "name" in erasable_fields(Child)
    assert erasable_fields(Child)["date_of_birth"] is None


def test_the_daily_sweep_flags_each_partnership_and_tells_each_office_its_own(
    leicester, lr, django_capture_on_commit_callbacks
):
    from django.conf import settings

    from retention.tasks import retention_reviews_sweep

    assert "retention.tasks.retention_reviews_sweep" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    offices = {p: staff_user(p, email=f"office@{p.slug}.example.org") for p in (leicester, lr)}
    cases = {p: closed(open_case(p), years_ago(30)) for p in (leicester, lr)}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        retention_reviews_sweep()
    assert len(mail.outbox) == 2
    for partnership, office in offices.items():
        [email] = [m for m in mail.outbox if m.to == [office.email]]
        assert cases[partnership].reference in email.subject
        other = cases[lr if partnership == leicester else leicester]
        assert other.reference not in email.subject + email.body


def test_a_decision_made_meanwhile_by_someone_else_is_said_not_overwritten(
    client, leicester, flagged
):
    from django.utils.html import escape

    from retention.services.decision import CONFLICT

    url = f"/retention/{flagged.case.reference}/"
    until = TODAY + timedelta(days=90)
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    client.post(
        url,
        {
            "decision": "keep",
            "keep_until-day": until.day,
            "keep_until-month": until.month,
            "keep_until-year": until.year,
            "reason": "Inquest",
            "version": 1,
        },
    )
    sign_in(client, staff_user(leicester))
    ref = flagged.case.reference
    response = client.post(
        url, {"decision": "erase", "reason": "Past it", "confirm": ref, "version": 1}
    )
    assert response.status_code == 409
    assert escape(CONFLICT) in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.decision == RetentionDecision.KEEP
    assert Child.unscoped.get(case=flagged.case).name == "Zebedee Quarrington"
    # Once archived, the case is read only: a late post is refused, and says why.
    from cases.web import ARCHIVED_READ_ONLY

    case = flagged.case
    case.archived_at = timezone.now()
    case.save()
    response = client.post(url, {"decision": "erase", "reason": "x", "confirm": ref, "version": 2})
    assert response.status_code == 403
    assert ARCHIVED_READ_ONLY in response.content.decode()


def test_closing_records_the_day_and_cases_closed_before_take_it_from_their_history(leicester):
    import importlib

    from django.apps import apps

    case = open_case(leicester, stage=Stage.CLOSED)
    assert case.closed_on == TODAY
    # As if it closed 400 days ago, before the closing day was recorded.
    closing = Case.history.filter(id=case.pk, stage=Stage.CLOSED).earliest("history_date")
    closing.history_date -= timedelta(days=400)
    closing.save()
    case.closed_on = None
    case.save()
    migration = importlib.import_module(
        "cases.migrations.0027_retention_period_and_case_closing_archiving"
    )
    migration.closed_on_from_history(apps, None)
    case.refresh_from_db()
    assert case.closed_on == timezone.localtime(closing.history_date).date()
    assert case.closed_on == TODAY - timedelta(days=400)
