import threading
from datetime import date

import pytest
from django.db import connection

from cases import services
from cases.errors import ApplicationError
from cases.models import Case, Role
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
