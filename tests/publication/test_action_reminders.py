"""Chasing the actions (§11.4.1): the owner agency's portal users and the lead are emailed
on the partnership's reminder days before the due date (its working calendar), every day
once overdue, and the CRG chair once it is escalate_after_working_days late. A sweep run
twice sends each once. Emails name the case reference, never the child. The dashboard
shows the office overdue actions and the agency its own due or overdue."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import Child, Role
from cases.selectors import working_calendar
from publication.models import ActionReminder, PlanAction, ReminderKind
from publication.services.reminders import action_reminders_run
from publication.tasks import action_reminders_sweep
from tests.factories import agency_user, sign_in, staff_user
from tests.publication.action_fixtures import (
    _media_in_tmp,  # noqa: F401 - autouse
    agency_serving,
    make_plan,
)

pytestmark = pytest.mark.django_db
CHILD = "Bartholomew Quince"


def plan_due(partnership, *, working_days):
    """A plan whose one action is due `working_days` working days from today (negative:
    overdue), owned by an agency with a portal user; the case's child is named."""
    agency = agency_serving(partnership)
    portal = agency_user(agency, email="portal@agency.example")
    made = make_plan(partnership, agency)
    Child.unscoped.create(case=made["case"], pseudonym="Child A", name=CHILD)
    cal = working_calendar(partnership=partnership)
    today = timezone.localdate()
    # The assignment's email (its job runs after the commit the test never makes) goes
    # with the sweep, before the due date is moved.
    action_reminders_run(partnership=partnership, today=today)
    if not cal.is_working_day(today):
        today = cal.add(today, 1)
    due = cal.add(today, working_days) if working_days >= 0 else cal.subtract(today, -working_days)
    PlanAction.unscoped.filter(pk=made["action"].pk).update(due_on=due)
    made["action"].refresh_from_db()
    return made | {"today": today, "portal": portal, "agency": agency, "cal": cal}


def test_a_due_soon_reminder_goes_once_to_the_agency_and_the_lead(leicester):
    days = max(int(n) for n in leicester.reminder_working_days)
    made = plan_due(leicester, working_days=days)
    mail.outbox.clear()
    assert action_reminders_run(partnership=leicester, today=made["today"]) == 1
    assert action_reminders_run(partnership=leicester, today=made["today"]) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"portal@agency.example", "pat.lead@agency.example"}
    assert made["case"].reference in message.subject
    assert CHILD not in message.subject + message.body
    reminders = (
        ActionReminder.objects.for_partnership(leicester)
        .filter(action=made["action"])
        .exclude(kind=ReminderKind.ASSIGNED)
    )
    assert list(reminders.values_list("kind", "recipients")) == [(ReminderKind.DUE_SOON, 2)]


def test_no_reminder_between_the_reminder_days(leicester):
    thresholds = {int(n) for n in leicester.reminder_working_days}
    gap = next(n for n in range(1, 30) if n not in thresholds)
    made = plan_due(leicester, working_days=gap)
    mail.outbox.clear()
    assert action_reminders_run(partnership=leicester, today=made["today"]) == 0
    assert mail.outbox == []


def test_overdue_daily_and_escalated_to_the_chair_once(leicester):
    chair = staff_user(leicester, role=Role.CRG_CHAIR, email="chair@partnership.example")
    late = leicester.escalate_after_working_days
    made = plan_due(leicester, working_days=-late)
    mail.outbox.clear()
    action_reminders_run(partnership=leicester, today=made["today"])
    action_reminders_run(partnership=leicester, today=made["today"])  # twice: nothing more
    kinds = sorted(
        ActionReminder.objects.for_partnership(leicester)
        .exclude(kind=ReminderKind.ASSIGNED)
        .values_list("kind", flat=True)
    )
    assert kinds == [ReminderKind.ESCALATED, ReminderKind.OVERDUE]
    assert len(mail.outbox) == 2
    to_chair = next(m for m in mail.outbox if chair.email in m.to)
    assert "escalated" in to_chair.subject
    assert made["case"].reference in to_chair.subject
    assert CHILD not in to_chair.subject + to_chair.body

    # The next working day: overdue again, but the chair is not told again.
    mail.outbox.clear()
    tomorrow = made["cal"].add(made["today"], 1)
    action_reminders_run(partnership=leicester, today=tomorrow)
    assert len(mail.outbox) == 1
    assert chair.email not in mail.outbox[0].to


def test_the_daily_task_runs_for_every_partnership_and_twice_sends_once(leicester, lr):
    plan_due(leicester, working_days=-1)
    plan_due(lr, working_days=-1)
    mail.outbox.clear()
    action_reminders_sweep()
    sent = len(mail.outbox)
    action_reminders_sweep()
    assert sent >= 2
    assert len(mail.outbox) == sent


def test_the_dashboard_shows_overdue_actions_to_the_office_and_the_agency_its_own(
    client, leicester
):
    made = plan_due(leicester, working_days=-2)
    sign_in(client, made["office"])
    page = client.get(reverse("dashboard")).text
    assert "Overdue actions" in page
    assert reverse("action_plan_detail", kwargs={"pk": made["plan"].pk}) in page
    sign_in(client, made["portal"])
    page = client.get(reverse("dashboard")).text
    assert reverse("portal_action", kwargs={"pk": made["action"].pk}) in page
    other = agency_user(agency_serving(leicester))
    sign_in(client, other)
    assert (
        reverse("portal_action", kwargs={"pk": made["action"].pk})
        not in client.get(reverse("dashboard")).text
    )


def test_the_owner_agency_is_told_of_a_new_action_once(
    leicester, django_capture_on_commit_callbacks
):
    agency = agency_serving(leicester)
    agency_user(agency, email="portal@agency.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = make_plan(leicester, agency)
    # (The office is also told the case was opened: not this test's business.)
    told = [m for m in mail.outbox if "portal@agency.example" in m.to]
    assert len(told) == 1
    message = told[0]
    assert set(message.to) == {"portal@agency.example", "pat.lead@agency.example"}
    assert made["case"].reference in message.subject
    assert reverse("portal_action", kwargs={"pk": made["action"].pk}) in message.body
    # The sweep finds it sent: nothing more.
    sent = len(mail.outbox)
    action_reminders_run(partnership=leicester, today=timezone.localdate())
    assert len(mail.outbox) == sent
