"""The National Panel log (§1.6.3): every decision notified to the National Panel across
each case's life, read from the records that hold it (a Rapid Review's decision, a
referral's, the decision to publish or not with its notice, a delay's notice), with the
date due, the date sent and what was sent; and a case that cannot close while one of its
decisions is un-notified."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Case, Child, Deadline, Role, Stage
from cases.services import case_stage_set
from cases.tenancy import Scope
from publication.models import PackKind, PanelNotice, Publication, PublishChoice, SentBy
from publication.rules.panel_log import (
    DELAY_DECISION,
    PUBLICATION_DECISIONS,
    PUBLICATION_UNNOTIFIED,
    PUBLICATION_WHAT,
    RAPID_REVIEW_DECISIONS,
    RAPID_REVIEW_UNNOTIFIED,
)
from publication.selectors.panel_log import panel_log
from rapidreview.models import Decision, RapidReview
from reviews.models import Delay, DelayNotice
from reviews.services import lcspr_open
from tests.factories import open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

LOG = reverse("national_panel_log")
SHA = "ab" * 32
DAY = timezone.localdate() - timedelta(days=60)


def _decided(partnership, decision, *, due, notified=None, stage=Stage.RAPID_REVIEW):
    case = open_case(partnership, stage=stage)
    RapidReview.unscoped.create(
        case=case, decision=decision, decided_on=DAY, decision_notified_on=notified
    )
    if due is not None:
        Deadline.unscoped.create(case=case, kind="decision_notified", event_date=DAY, due_date=due)
    return case


def _publication(partnership, choice, *, notice_on=None, due=None):
    case = open_case(partnership)
    lcspr = lcspr_open(case=case, decided_on=DAY, key_lines_of_enquiry="", actor=None)
    publication = Publication.unscoped.create(lcspr=lcspr, choice=choice, decided_on=DAY)
    if due is not None:
        Deadline.unscoped.create(
            case=case, kind="report_sent_to_national_panel", event_date=DAY, due_date=due
        )
    if notice_on is not None:
        PanelNotice.unscoped.create(
            publication=publication,
            kind=PackKind.IMPROVEMENTS
            if choice == PublishChoice.IMPROVEMENTS_ONLY
            else PackKind.REPORT,
            sha256=SHA,
            size=123456,
            recipients=["panel@example.org"],
            sent_by=SentBy.EMAIL,
            sent_on=notice_on,
        )
    return case, publication


def _delay(partnership, *, sent: bool):
    case = open_case(partnership)
    lcspr = lcspr_open(case=case, decided_on=DAY, key_lines_of_enquiry="", actor=None)
    revised = DAY + timedelta(days=300)
    delay = Delay.unscoped.create(
        lcspr=lcspr,
        arose_on=DAY + timedelta(days=10),
        asked_by="Police",
        reason="Criminal trial",
        holds_up="Interviews",
        prevents_publication=True,
        revised_expected_on=revised,
    )
    if sent:
        DelayNotice.unscoped.create(
            delay=delay,
            reason="Criminal trial",
            statutory_date=DAY + timedelta(days=182),
            revised_expected_on=revised,
            recipients=["panel@example.org"],
        )
    return case


@pytest.fixture
def log_rows(leicester, lr):
    rows = {
        "on_time": _decided(
            leicester,
            Decision.PROCEED,
            due=DAY + timedelta(days=10),
            notified=DAY + timedelta(days=5),
        ),
        "late": _decided(
            leicester,
            Decision.NOT_PROCEED,
            due=DAY + timedelta(days=10),
            notified=DAY + timedelta(days=12),
        ),
        # No deadline row at all, and never notified.
        "unsent": _decided(leicester, Decision.NOT_PROCEED, due=None),
        "published": _publication(
            leicester,
            PublishChoice.REPORT,
            notice_on=DAY + timedelta(days=20),
            due=DAY + timedelta(days=25),
        )[0],
        "not_published": _publication(leicester, PublishChoice.IMPROVEMENTS_ONLY)[0],
        "delay_sent": _delay(leicester, sent=True),
        "delay_unsent": _delay(leicester, sent=False),
        "other": _decided(lr, Decision.PROCEED, due=DAY + timedelta(days=10)),
    }
    Child.unscoped.create(case=rows["late"], pseudonym="Child A", name="Tabitha Marchbanks")
    return rows


def _by_reference(entries):
    found = {}
    for entry in entries:
        found.setdefault(entry.case_reference, []).append(entry)
    return found


def test_the_log_lists_each_kind_of_decision_with_its_due_and_sent_dates(leicester, log_rows):
    office = staff_user(leicester)
    scope = Scope(user=office, membership=office.memberships.get())
    entries = _by_reference(panel_log(scope=scope))
    ref = {name: case.reference for name, case in log_rows.items()}
    (on_time,) = entries[ref["on_time"]]
    assert (on_time.decision, on_time.due_on, on_time.sent_on, on_time.status) == (
        RAPID_REVIEW_DECISIONS[Decision.PROCEED],
        DAY + timedelta(days=10),
        DAY + timedelta(days=5),
        "sent",
    )
    (late,) = entries[ref["late"]]
    assert late.status == "sent_late"
    (unsent,) = entries[ref["unsent"]]
    assert (unsent.due_on, unsent.sent_on, unsent.status) == (None, None, "not_sent")
    (published,) = entries[ref["published"]]
    assert published.decision == PUBLICATION_DECISIONS[PublishChoice.REPORT]
    assert (published.due_on, published.sent_on) == (
        DAY + timedelta(days=25),
        DAY + timedelta(days=20),
    )
    assert SHA[:12] in published.sent
    (not_published,) = entries[ref["not_published"]]
    assert not_published.decision == PUBLICATION_DECISIONS[PublishChoice.IMPROVEMENTS_ONLY]
    assert not_published.status == "not_sent"
    (delay_sent,) = entries[ref["delay_sent"]]
    assert (delay_sent.decision, delay_sent.status) == (DELAY_DECISION, "sent")
    assert delay_sent.due_on == DAY + timedelta(days=182)
    (delay_unsent,) = entries[ref["delay_unsent"]]
    assert delay_unsent.status == "not_sent"
    assert ref["other"] not in entries  # the other partnership's


def test_the_log_page_filters_by_status_and_downloads_as_csv(client, leicester, log_rows):
    sign_in(client, staff_user(leicester))
    page = client.get(LOG).text
    for name in ("on_time", "late", "unsent", "published", "not_published", "delay_sent"):
        assert log_rows[name].reference in page
    assert log_rows["other"].reference not in page
    assert "Tabitha Marchbanks" not in page
    assert "Sent late" in page
    assert "Not sent" in page
    not_sent = client.get(LOG, {"status": "not_sent"}).text
    assert log_rows["unsent"].reference in not_sent
    assert log_rows["not_published"].reference in not_sent
    assert log_rows["on_time"].reference not in not_sent
    assert log_rows["late"].reference not in not_sent
    late = client.get(LOG, {"status": "sent_late"}).text
    assert log_rows["late"].reference in late
    assert log_rows["unsent"].reference not in late
    download = client.get(reverse("national_panel_log_csv"), {"status": "sent"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][0] == "Case"
    listed = {row[0] for row in rows[1:]}
    assert log_rows["on_time"].reference in listed
    assert log_rows["unsent"].reference not in listed
    assert log_rows["other"].reference not in download.content.decode()


def test_the_other_partnership_and_an_unappointed_reviewer_see_none_of_it(
    client, lr, leicester, log_rows
):
    sign_in(client, staff_user(lr))
    page = client.get(LOG).text
    assert log_rows["other"].reference in page
    for name, case in log_rows.items():
        if name != "other":
            assert case.reference not in page
            assert case.reference not in client.get(reverse("national_panel_log_csv")).text
    sign_in(client, staff_user(leicester, role=Role.REVIEWER))
    page = client.get(LOG).text
    for case in log_rows.values():
        assert case.reference not in page


def test_a_case_cannot_close_while_its_rapid_review_decision_is_unnotified(leicester):
    case = _decided(leicester, Decision.NOT_PROCEED, due=None)
    with pytest.raises(ApplicationError) as refused:
        case_stage_set(case=case, stage=Stage.CLOSED, actor=None, reason="No LCSPR")
    assert refused.value.message == RAPID_REVIEW_UNNOTIFIED.format(of_day=f" of {DAY:%-d %B %Y}")
    assert "“After the decision” page" in refused.value.message
    RapidReview.unscoped.filter(case=case).update(decision_notified_on=DAY)
    case_stage_set(case=case, stage=Stage.CLOSED, actor=None, reason="No LCSPR")
    assert Case.unscoped.get(pk=case.pk).stage == Stage.CLOSED


def test_a_case_cannot_close_while_its_publication_decision_is_unsent(leicester):
    case, publication = _publication(leicester, PublishChoice.IMPROVEMENTS_ONLY)
    with pytest.raises(ApplicationError) as refused:
        case_stage_set(case=case, stage=Stage.CLOSED, actor=None, reason="Done")
    assert refused.value.message == PUBLICATION_UNNOTIFIED.format(
        of_day=f" of {DAY:%-d %B %Y}", what=PUBLICATION_WHAT[PublishChoice.IMPROVEMENTS_ONLY]
    )
    assert "publication page" in refused.value.message
    PanelNotice.unscoped.create(
        publication=publication,
        kind=PackKind.IMPROVEMENTS,
        sha256=SHA,
        size=10,
        sent_by=SentBy.OTHER,
        sent_on=DAY + timedelta(days=1),
    )
    case_stage_set(case=case, stage=Stage.CLOSED, actor=None, reason="Done")
    assert Case.unscoped.get(pk=case.pk).stage == Stage.CLOSED


def test_a_case_without_decisions_closes_as_before(leicester):
    case = open_case(leicester)
    case_stage_set(case=case, stage=Stage.CLOSED, actor=None, reason="Withdrawn")
    assert Case.unscoped.get(pk=case.pk).stage == Stage.CLOSED


def _referral(partnership, *, status):
    """A referral the CRG found raises learning outside an LCSPR (§1.4.5), its decision's
    notification deadline in `status`."""
    from cases.models import DeadlineStatus, Referral

    case = open_case(partnership)
    Referral.unscoped.create(
        case=case,
        received_on=DAY,
        summary="Child A was hurt.",
        learning_outside_review_on=DAY + timedelta(days=30),
    )
    Deadline.unscoped.create(
        case=case,
        kind="referral_decision_notified",
        event_date=DAY,
        due_date=DAY + timedelta(days=61),
        status=status,
        completed_on=DAY + timedelta(days=31) if status == DeadlineStatus.MET else None,
    )
    return case


def test_a_referral_decision_is_logged_and_a_waived_notification_stops_closing(leicester):
    from cases.models import DeadlineStatus
    from publication.rules.panel_log import REFERRAL_DECISION, REFERRAL_UNNOTIFIED

    notified = _referral(leicester, status=DeadlineStatus.MET)
    waived = _referral(leicester, status=DeadlineStatus.WAIVED)
    office = staff_user(leicester)
    entries = _by_reference(
        panel_log(scope=Scope(user=office, membership=office.memberships.get()))
    )
    (sent,) = entries[notified.reference]
    assert (sent.decision, sent.due_on, sent.sent_on, sent.status) == (
        REFERRAL_DECISION,
        DAY + timedelta(days=61),
        DAY + timedelta(days=31),
        "sent",
    )
    (unsent,) = entries[waived.reference]
    assert unsent.status == "not_sent"
    case_stage_set(case=notified, stage=Stage.CLOSED, actor=None, reason="Learning taken forward")
    with pytest.raises(ApplicationError) as refused:
        case_stage_set(case=waived, stage=Stage.CLOSED, actor=None, reason="Learning taken forward")
    assert refused.value.message == REFERRAL_UNNOTIFIED.format(
        of_day=f" of {DAY + timedelta(days=30):%-d %B %Y}"
    )
