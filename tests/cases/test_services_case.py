import threading
from datetime import date

import pytest
from django.db import connection

from cases import services
from cases.errors import ApplicationError
from cases.models import Case, Role, Stage
from tests.factories import open_case, staff_user


def test_references_count_per_partnership_and_year(leicester, lr):
    first = open_case(leicester, opened_on=date(2026, 3, 1))
    second = open_case(leicester, opened_on=date(2026, 5, 1))
    other = open_case(lr, opened_on=date(2026, 5, 1))
    next_year = open_case(leicester, opened_on=date(2027, 1, 4))
    assert [first.reference, second.reference, other.reference, next_year.reference] == [
        "LSCP-2026-0001",
        "LSCP-2026-0002",
        "LRSCP-2026-0001",
        "LSCP-2027-0001",
    ]


def test_only_the_business_office_opens_cases(leicester, lr, lr_office):
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    for actor in (chair, lr_office):
        with pytest.raises(ApplicationError, match="Only the partnership's Business Office"):
            services.case_open(partnership=leicester, opened_on=date(2026, 1, 5), actor=actor)


def test_opening_a_case_records_who_and_why(leicester, leicester_office):
    case = services.case_open(
        partnership=leicester,
        opened_on=date(2026, 1, 5),
        actor=leicester_office,
        reason="Notification received",
    )
    record = case.history.earliest()
    assert record.history_user == leicester_office
    assert record.history_change_reason == "Notification received"


def test_the_lead_officer_must_work_for_the_partnership(leicester, lr_office):
    with pytest.raises(ApplicationError, match="lead officer must work for this partnership"):
        open_case(leicester, lead_officer=lr_office)


def test_the_business_office_is_emailed_after_commit_with_the_reference_only(
    leicester, leicester_office, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = open_case(leicester)
        assert mailoutbox == []  # nothing leaves before the case is committed
    assert len(callbacks) == 1
    assert [m.subject for m in mailoutbox] == [f"Case {case.reference} opened"]
    assert mailoutbox[0].to == [leicester_office.email]
    # A second run of the same job sends nothing more.
    from cases.tasks import case_opened_notify

    assert case_opened_notify(partnership_id=leicester.pk, case_id=case.pk) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_cases_opened_at_once_get_different_references(partnerships):
    leicester = partnerships["leicester"]
    references, errors = [], []

    def open_one():
        try:
            references.append(open_case(leicester, opened_on=date(2026, 6, 1)).reference)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(references) == [f"LSCP-2026-000{n}" for n in range(1, 7)]
    assert Case.objects.for_partnership(leicester).count() == 6


def test_references_keep_counting_past_ten_thousand(leicester):
    case = open_case(leicester, opened_on=date(2026, 2, 2))
    Case.objects.for_partnership(leicester).filter(pk=case.pk).update(reference_number=9999)
    assert open_case(leicester, opened_on=date(2026, 2, 3)).reference == "LSCP-2026-10000"
    assert open_case(leicester, opened_on=date(2026, 2, 4)).reference == "LSCP-2026-10001"


def test_stage_changes_follow_the_case_path(leicester, leicester_office):
    case = open_case(leicester)
    with pytest.raises(ApplicationError, match="cannot move to Publication"):
        services.case_stage_set(
            case=case, stage=Stage.PUBLICATION, actor=leicester_office, reason="skip ahead"
        )
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.case_stage_set(
            case=case, stage=Stage.RAPID_REVIEW, actor=leicester_office, reason=" "
        )
    services.case_stage_set(
        case=case, stage=Stage.RAPID_REVIEW, actor=leicester_office, reason="Notified"
    )
    assert case.history.first().history_change_reason == "Notified"


def test_only_business_office_or_chair_move_a_case_and_only_in_their_partnership(leicester, lr):
    case = open_case(leicester)
    for actor in (
        staff_user(leicester, role=Role.CRG_MEMBER),
        staff_user(lr, role=Role.CRG_CHAIR),
    ):
        with pytest.raises(ApplicationError, match="Only the Business Office or the CRG chair"):
            services.case_stage_set(case=case, stage=Stage.CLOSED, actor=actor, reason="x")
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    services.case_stage_set(case=case, stage=Stage.CLOSED, actor=chair, reason="No LCSPR")
    assert case.stage == Stage.CLOSED


def test_a_failed_email_is_retried_not_lost(leicester, leicester_office, monkeypatch):
    from smtplib import SMTPException

    def broken_send(*args, **kwargs):
        raise SMTPException("relay down")

    monkeypatch.setattr("cases.services.case.send_mail", broken_send)
    case = open_case(leicester)
    with pytest.raises(SMTPException):
        services.case_opened_notice_send(partnership_id=leicester.pk, case_id=case.pk)
    case = Case.objects.for_partnership(leicester).get(pk=case.pk)
    assert case.opened_notice_sent_at is None  # so the retry sends it
    from cases.tasks import case_opened_notify

    assert SMTPException in case_opened_notify.autoretry_for
