"""The Business Office's intake pages, the referral pages and the restricted case file."""

import html
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.forms.intake import ChildForm, NotificationForm
from cases.models import (
    NO_ABUSE_NOT_A_DEATH,
    AccessAction,
    AccessEvent,
    AgencyKind,
    Case,
    Child,
    Deadline,
    DeadlineStatus,
    Notification,
    Referral,
    Role,
    Stage,
)
from cases.services.intake import (
    NOT_A_SCHEDULED_MEETING,
    RECEIVED_IN_FUTURE,
    REFERRAL_CONFLICT,
)
from rapidreview.models import CrgMeeting, MeetingKind
from tests.factories import AgencyFactory, appoint, sign_in, staff_user

TODAY = date(2027, 3, 1)
SUBJECT_NAME = "Jolene Marchbanks"
SIBLING_NAME = "Kit Marchbanks"
SUMMARY = "Child A was taken to hospital with a head injury; Child B was at home."


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


@pytest.fixture
def city_council(leicester):
    return AgencyFactory(
        name="Leicester City Council", kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[leicester]
    )


@pytest.fixture
def police(partnerships):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def office(client, leicester_office):
    return sign_in(client, leicester_office)


def day_month_year(prefix, when):
    return {
        f"{prefix}-day": str(when.day),
        f"{prefix}-month": str(when.month),
        f"{prefix}-year": str(when.year),
    }


CHILDREN = {
    "child-TOTAL_FORMS": "4",
    "child-INITIAL_FORMS": "0",
    "child-MIN_NUM_FORMS": "0",
    "child-MAX_NUM_FORMS": "4",
    "child-0-local_authority_reference": "LA-1001",
    "child-0-name": SUBJECT_NAME,
    "child-0-date_of_birth-day": "3",
    "child-0-date_of_birth-month": "4",
    "child-0-date_of_birth-year": "2019",
    "child-1-local_authority_reference": "LA-1002",
    "child-1-name": SIBLING_NAME,
}


def notification_fields(authority, received=date(2026, 12, 18), **overrides):
    fields = {
        "notifying_authority": str(authority.pk),
        **day_month_year("received_on", received),
        "incident_kind": "serious_harm",
        "abuse_or_neglect": "suspected",
        "summary": SUMMARY,
        "care_status": "neither",
    }
    fields.update(overrides)
    return fields


def referral_fields(agency, received=date(2026, 6, 1), **overrides):
    fields = {
        "referring_agency": str(agency.pk),
        "referrer_name": "DS Hollis",
        "referrer_contact": "hollis@example.org",
        **day_month_year("received_on", received),
        "summary": "The school raised concerns about Child A.",
        "criteria": ["single_agency", "improvements"],
        "reasons": "Missed opportunities to share information.",
    }
    fields.update(overrides)
    return fields


def input_value(page, name):
    """The value a text input shows, as a user would see it after a failed submission."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input called {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def is_checked(page, name, value):
    tag = re.search(
        rf'<input[^>]*name="{re.escape(name)}"[^>]*value="{re.escape(value)}"[^>]*>', page
    )
    assert tag, f"no option {value} of {name}"
    return " checked" in tag.group(0)


def selected_option(page, name):
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, re.S)
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return chosen.group(1) if chosen else None


def cases_of(partnership):
    return list(Case.objects.for_partnership(partnership))


def error_summary(page):
    """The text of the error summary's list, as a user reads it."""
    return page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]


# Date errors name the date they are about (the GOV.UK pattern), by its label.
RECEIVED = NotificationForm.base_fields["received_on"].label
DATE_OF_BIRTH = ChildForm.base_fields["date_of_birth"].label.lower()


# --- Recording a notification ------------------------------------------------------------


def test_the_business_office_records_a_notification_and_lands_on_the_case(
    client, office, leicester, leicester_office, city_council
):
    form = client.get("/cases/new/notification/")
    assert form.status_code == 200
    assert 'name="received_on-day"' in form.text
    assert 'name="child-TOTAL_FORMS"' in form.text

    response = client.post(
        "/cases/new/notification/", {**notification_fields(city_council), **CHILDREN}
    )
    [case] = cases_of(leicester)
    assert response.status_code == 302
    assert response.url == f"/cases/{case.reference}/"
    assert case.stage == Stage.RAPID_REVIEW
    assert case.lead_officer == leicester_office
    assert Notification.objects.for_partnership(leicester).get(case=case).summary == SUMMARY

    page = client.get(response.url).content.decode()
    assert f"Notification recorded. Case {case.reference} is at the Rapid Review stage" in page
    assert "Child A (subject child)" in page
    assert "Child B (sibling)" in page
    assert "Leicester City Council" in page
    assert "18 December 2026" in page
    for name in (SUBJECT_NAME, SIBLING_NAME):
        for part in name.split():
            assert part not in page
    deadlines = client.get(f"/cases/{case.reference}/deadlines/").content.decode()
    assert "Wednesday 13 January 2027" in deadlines  # 15 working days after 18 Dec 2026, by hand


def test_the_restricted_file_shows_the_names_to_those_who_act_on_the_case_only(
    client, office, leicester, lr, city_council
):
    """The office, the chair and the review's own Reviewer, who meets the family (§7.4.1);
    not the Scrutineer, a CRG member or a Panel member."""
    client.post("/cases/new/notification/", {**notification_fields(city_council), **CHILDREN})
    [case] = cases_of(leicester)
    url = f"/cases/{case.reference}/restricted/"

    page = client.get(url).content.decode()
    assert SUBJECT_NAME in page
    assert SIBLING_NAME in page
    assert "3 April 2019" in page
    chair = staff_user(leicester, role=Role.CRG_CHAIR, username="chair")
    sign_in(client, chair)
    assert SUBJECT_NAME in client.get(url).content.decode()
    reviewer = staff_user(leicester, role=Role.REVIEWER, username="reviewer")
    appoint(case, reviewer)  # a Reviewer sees only the case of the review they hold
    sign_in(client, reviewer)
    assert SUBJECT_NAME in client.get(url).content.decode()

    for username, role in [
        ("scrutineer", Role.INDEPENDENT_SCRUTINEER),
        ("member", Role.CRG_MEMBER),
        ("panel", Role.PANEL_MEMBER),
    ]:
        person = staff_user(leicester, role=role, username=username)
        if role == Role.PANEL_MEMBER:  # a Panel member sees only the case of their review
            appoint(case, person, Role.PANEL_MEMBER)
        sign_in(client, person)
        refused = client.get(url)
        assert refused.status_code == 403
        assert SUBJECT_NAME not in refused.content.decode()
        # The case itself they may read: pseudonyms only.
        overview = client.get(f"/cases/{case.reference}/").content.decode()
        assert "Child A" in overview
        assert "Marchbanks" not in overview
    sign_in(client, staff_user(lr, username="lr-office"))
    assert client.get(url).status_code == 404

    logged = {
        (e.username, e.action, e.status_code)
        for e in AccessEvent.unscoped.filter(
            route="restricted_file", object_reference=case.reference
        )
    }
    assert logged == {
        ("t-leicester-office", AccessAction.VIEW, 200),
        ("chair", AccessAction.VIEW, 200),
        ("reviewer", AccessAction.VIEW, 200),
        ("scrutineer", AccessAction.DENIED, 403),
        ("member", AccessAction.DENIED, 403),
        ("panel", AccessAction.DENIED, 403),
        ("lr-office", AccessAction.DENIED, 404),
    }


@pytest.mark.parametrize("path", ["/cases/new/notification/", "/cases/new/referral/"])
def test_only_the_business_office_may_record_intake(client, leicester, city_council, path):
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    assert client.get(path).status_code == 403
    posted = client.post(path, {**notification_fields(city_council), **CHILDREN})
    assert posted.status_code == 403
    assert cases_of(leicester) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"summary": ""}, "Enter a summary of the incident.", id="missing-summary"),
        pytest.param(
            day_month_year("received_on", date(2026, 1, 31)) | {"received_on-month": "2"},
            f"{RECEIVED} must be a real date.",
            id="31-february",
        ),
        pytest.param(
            {"received_on-day": "18", "received_on-month": "", "received_on-year": "2026"},
            f"{RECEIVED} must be a day, month and year in numbers, for example 18 12 2026.",
            id="no-month",
        ),
        pytest.param(
            {"received_on-year": "26"},
            f"{RECEIVED} must have the year as 4 digits, for example 2026.",
            id="two-digit-year",
        ),
        pytest.param(
            day_month_year("received_on", TODAY + timedelta(days=1)),
            RECEIVED_IN_FUTURE,
            id="received-tomorrow",
        ),
        pytest.param(
            {"received_on-day": "", "received_on-month": "", "received_on-year": ""},
            "Enter the date the partnership received the notification.",
            id="no-date",
        ),
        pytest.param(
            {"abuse_or_neglect": "not_known"},
            NO_ABUSE_NOT_A_DEATH,
            id="serious-harm-without-abuse-or-neglect",
        ),
        pytest.param(
            {"child-0-date_of_birth-month": "2", "child-0-date_of_birth-day": "30"},
            f"Subject child: {DATE_OF_BIRTH} must be a real date.",
            id="subject-child-born-30-february",
        ),
        pytest.param(
            day_month_year("child-1-date_of_birth", date(2021, 5, 1))
            | {"child-1-date_of_birth-year": "21"},
            f"Sibling 1: {DATE_OF_BIRTH} must have the year as 4 digits, for example 2026.",
            id="sibling-born-in-year-21",
        ),
        pytest.param(
            {
                "child-0-local_authority_reference": "",
                "child-0-name": "",
                "child-0-date_of_birth-day": "",
                "child-0-date_of_birth-month": "",
                "child-0-date_of_birth-year": "",
            },
            "Enter the subject child's Local Authority reference or name.",
            id="no-subject-child",
        ),
        pytest.param(
            {"child-0-local_authority_reference": "", "child-0-name": ""},
            "Enter the subject child's Local Authority reference or name.",
            id="subject-child-by-birth-date-only",
        ),
    ],
)
def test_a_bad_notification_shows_the_error_summary_and_keeps_what_was_typed(
    client, office, leicester, city_council, overrides, message
):
    data = {**notification_fields(city_council), **CHILDREN, **overrides}
    response = client.post("/cases/new/notification/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Record a notification" in page
    assert "govuk-error-summary" in page
    assert "There is a problem" in page
    summary_box = error_summary(page)
    assert html.escape(message) in summary_box  # listed in the summary …
    assert page.count(html.escape(message)) == 2  # … and beside its field
    for target in re.findall(r'href="#([^"]+)"', summary_box):  # each link finds its field
        assert f'id="{target}"' in page, target
    # Every value typed is still there.
    for name in (
        "received_on-day",
        "received_on-month",
        "received_on-year",
        "child-0-local_authority_reference",
        "child-0-name",
        "child-0-date_of_birth-day",
        "child-0-date_of_birth-month",
        "child-1-local_authority_reference",
        "child-1-name",
        "child-1-date_of_birth-year",
    ):
        assert input_value(page, name) == data.get(name, ""), name
    if data["summary"]:
        assert SUMMARY in html.unescape(page)
    assert selected_option(page, "notifying_authority") == str(city_council.pk)
    assert is_checked(page, "incident_kind", "serious_harm")
    assert is_checked(page, "abuse_or_neglect", data["abuse_or_neglect"])
    assert cases_of(leicester) == []


@pytest.mark.parametrize(
    ("box", "typed"),
    [
        pytest.param("received_on-day", "²", id="superscript-day"),
        pytest.param("received_on-month", "١٢", id="arabic-indic-month"),
        pytest.param("received_on-year", "99999", id="five-digit-year"),
        pytest.param("received_on-day", "99999", id="five-digit-day"),
    ],
)
def test_a_date_box_with_something_odd_in_it_is_an_error_not_a_crash(
    client, office, leicester, city_council, box, typed
):
    data = {**notification_fields(city_council), **CHILDREN, box: typed}
    response = client.post("/cases/new/notification/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Record a notification" in page
    summary_box = error_summary(page)
    [target] = re.findall(r'href="#([^"]+)"', summary_box)  # one error, on the date
    assert target == "id_received_on_0"
    assert 'class="govuk-form-group govuk-form-group--error"' in page
    assert input_value(page, box) == typed
    assert cases_of(leicester) == []


@pytest.mark.parametrize(
    ("box", "typed"),
    [
        pytest.param("received_on-day", "²", id="superscript-day"),
        pytest.param("received_on-month", "١٢", id="arabic-indic-month"),
        pytest.param("received_on-year", "99999", id="five-digit-year"),
    ],
)
def test_the_error_for_an_odd_date_names_the_date(client, office, city_council, box, typed):
    data = {**notification_fields(city_council), **CHILDREN, box: typed}
    page = client.post("/cases/new/notification/", data).content.decode()
    [error] = re.findall(r'<a href="#[^"]+">([^<]*)</a>', error_summary(page))
    assert html.unescape(error).startswith(f"{RECEIVED} must ")


def test_a_notification_posted_with_no_child_forms_records_nothing(
    client, office, leicester, city_council
):
    data = {**notification_fields(city_council), **CHILDREN, "child-TOTAL_FORMS": "0"}
    response = client.post("/cases/new/notification/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Record a notification" in page
    assert "There is a problem" in page
    assert cases_of(leicester) == []
    assert Child.objects.for_partnership(leicester).count() == 0


def test_a_notification_posted_with_no_child_forms_says_what_is_missing(
    client, office, city_council
):
    data = {**notification_fields(city_council), **CHILDREN, "child-TOTAL_FORMS": "0"}
    page = client.post("/cases/new/notification/", data).content.decode()
    assert re.findall(r'<a href="#[^"]+">[^<]+</a>', error_summary(page))


def test_a_referral_posted_with_no_child_forms_records_nothing(client, office, leicester, police):
    data = {**referral_fields(police), **CHILDREN, "child-TOTAL_FORMS": "0"}
    response = client.post("/cases/new/referral/", data)
    assert response.status_code == 200
    assert "<title>Error: Record a referral" in response.content.decode()
    assert cases_of(leicester) == []


# --- Referrals ---------------------------------------------------------------------------


def test_the_business_office_records_a_referral(client, office, leicester, police):
    response = client.post("/cases/new/referral/", {**referral_fields(police), **CHILDREN})
    [case] = cases_of(leicester)
    assert response.status_code == 302
    assert response.url == f"/cases/{case.reference}/"
    assert case.stage == Stage.REFERRAL_DECISION
    referral = Referral.objects.for_partnership(leicester).get(case=case)
    assert referral.criteria == ["single_agency", "improvements"]
    page = client.get(response.url).content.decode()
    assert "Referral recorded." in page
    assert "Leicestershire Police" in page
    assert f"/cases/{case.reference}/referral/notified/" in page
    assert f"/cases/{case.reference}/referral/" in page
    assert "Marchbanks" not in page
    deadlines = {
        d.kind: d.due_date for d in Deadline.objects.for_partnership(leicester).filter(case=case)
    }
    # Monday 1 June 2026: Wed 1 July and Sat 1 August, moved back to Fri 31 July.
    assert deadlines == {
        "referral_shared_with_local_authority": date(2026, 7, 1),
        "referral_first_discussion": date(2026, 7, 1),
        "referral_information_request_sent": date(2026, 7, 1),
        "referral_decision": date(2026, 7, 31),
        "referral_decision_notified": date(2026, 7, 31),
    }


def test_a_bad_referral_keeps_what_was_typed(client, office, leicester, police):
    data = {**referral_fields(police, reasons=""), **CHILDREN}
    response = client.post("/cases/new/referral/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Record a referral" in page
    assert "There is a problem" in page
    assert "Enter the referrer&#x27;s reasons against the §1.4 criteria." in page
    assert "The school raised concerns about Child A." in page
    assert input_value(page, "referrer_name") == "DS Hollis"
    assert input_value(page, "received_on-day") == "1"
    assert is_checked(page, "criteria", "single_agency")
    assert is_checked(page, "criteria", "improvements")
    assert not is_checked(page, "criteria", "cross_boundary")
    assert selected_option(page, "referring_agency") == str(police.pk)
    assert input_value(page, "child-0-name") == SUBJECT_NAME
    assert cases_of(leicester) == []


@pytest.fixture
def referred(client, office, leicester, police):
    for day in (date(2026, 6, 17), date(2026, 6, 24)):  # the CRG's scheduled meetings
        CrgMeeting.unscoped.create(partnership=leicester, kind=MeetingKind.MONTHLY, held_on=day)
    client.post("/cases/new/referral/", {**referral_fields(police), **CHILDREN})
    [case] = cases_of(leicester)
    return case


def test_the_office_records_the_local_authority_notifying_after_a_referral(
    client, leicester, city_council, referred
):
    url = f"/cases/{referred.reference}/referral/notified/"
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="received_on-day"' in form.content.decode()

    response = client.post(url, notification_fields(city_council))
    assert response.status_code == 302
    assert response.url == f"/cases/{referred.reference}/"
    case = Case.objects.for_partnership(leicester).get(pk=referred.pk)
    assert case.stage == Stage.RAPID_REVIEW
    statuses = {
        d.kind: d.status for d in Deadline.objects.for_partnership(leicester).filter(case=case)
    }
    assert statuses["referral_decision"] == DeadlineStatus.WAIVED
    assert statuses["rapid_review_complete"] == DeadlineStatus.OPEN
    page = client.get(response.url).content.decode()
    assert "is now a Rapid Review" in page
    assert "now a Rapid Review (§4.1.6)" in page
    # The deadlines page shows the waived referral deadlines and the new ones.
    deadlines = client.get(f"/cases/{case.reference}/deadlines/")
    assert deadlines.status_code == 200
    assert "Waived" in deadlines.content.decode()
    assert "Wednesday 13 January 2027" in deadlines.content.decode()
    # Done once: the page now says when, and offers no form.
    again = client.get(url).content.decode()
    assert "The notification was received on 18 December 2026." in again
    assert 'name="received_on-day"' not in again
    assert client.post(url, notification_fields(city_council)).status_code == 200
    assert Notification.objects.for_partnership(leicester).filter(case=case).count() == 1


def test_a_notification_before_the_referral_is_refused_on_the_page(
    client, leicester, city_council, referred
):
    url = f"/cases/{referred.reference}/referral/notified/"
    response = client.post(url, notification_fields(city_council, received=date(2026, 5, 29)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The notification cannot be received before the referral." in page
    assert SUMMARY in html.unescape(page)
    assert input_value(page, "received_on-day") == "29"
    case = Case.objects.for_partnership(leicester).get(pk=referred.pk)
    assert case.stage == Stage.REFERRAL_DECISION


def test_only_the_office_converts_a_referral(client, leicester, city_council, referred):
    url = f"/cases/{referred.reference}/referral/notified/"
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="received_on-day"' not in page.content.decode()
    assert client.post(url, notification_fields(city_council)).status_code == 200
    case = Case.objects.for_partnership(leicester).get(pk=referred.pk)
    assert case.stage == Stage.REFERRAL_DECISION
    assert not Notification.objects.for_partnership(leicester).filter(case=case).exists()


def progress_page(client, url):
    """The progress page, and the version its form was opened at (a hidden field)."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    return page, input_value(page, "version")


def test_the_office_records_a_referrals_progress(client, leicester, referred):
    url = f"/cases/{referred.reference}/referral/"
    _, version = progress_page(client, url)
    data = {
        "version": version,
        **day_month_year("shared_with_local_authority_on", date(2026, 6, 2)),
        "local_authority_representative": "Sam Okafor",
        "first_crg_meeting_on": "2026-06-17",
        "request_information": "yes",
        "request_information_reason": "The CRG wants the school's records.",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == url
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.shared_with_local_authority_on == date(2026, 6, 2)
    assert saved.first_crg_meeting_on == date(2026, 6, 17)
    assert saved.request_information is True
    # The page shows what was saved, opened at the saved version.
    page, version_now = progress_page(client, url)
    assert "The referral&#x27;s progress is saved." in page
    assert version_now == str(saved.version)
    assert version_now != version
    assert input_value(page, "local_authority_representative") == "Sam Okafor"
    assert is_checked(page, "first_crg_meeting_on", "2026-06-17")
    assert is_checked(page, "request_information", "yes")
    assert "The CRG wants the school&#x27;s records." in page


def test_bad_referral_progress_is_shown_and_keeps_what_was_typed(client, leicester, referred):
    url = f"/cases/{referred.reference}/referral/"
    _, version = progress_page(client, url)
    data = {
        "version": version,
        **day_month_year("shared_with_local_authority_on", date(2026, 6, 2)),
        "local_authority_representative": "",
        "first_crg_meeting_on": "2026-06-17",
        "request_information": "no",
        "request_information_reason": "Enough is known already.",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Name the Local Authority representative it was shared with." in page
    assert input_value(page, "shared_with_local_authority_on-day") == "2"
    assert is_checked(page, "first_crg_meeting_on", "2026-06-17")
    assert is_checked(page, "request_information", "no")
    assert "Enough is known already." in page
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.shared_with_local_authority_on is None


def test_a_day_with_no_scheduled_crg_meeting_is_refused_on_the_page(client, leicester, referred):
    url = f"/cases/{referred.reference}/referral/"
    _, version = progress_page(client, url)
    data = {"version": version, "first_crg_meeting_on": "2026-06-01"}
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert html.escape(NOT_A_SCHEDULED_MEETING) in error_summary(page)
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.first_crg_meeting_on is None


def test_progress_from_a_page_a_colleague_saved_over_is_refused_and_kept(
    client, leicester, referred
):
    url = f"/cases/{referred.reference}/referral/"
    _, opened_at = progress_page(client, url)
    # Meanwhile a colleague, with the page open at the same version, saves.
    colleague_client = type(client)()
    sign_in(colleague_client, staff_user(leicester, username="office-colleague"))
    theirs = {
        "version": opened_at,
        "first_crg_meeting_on": "2026-06-17",
        "request_information": "yes",
        "request_information_reason": "The CRG wants the school's records.",
    }
    assert colleague_client.post(url, theirs).status_code == 302

    mine = {
        "version": opened_at,
        "first_crg_meeting_on": "2026-06-24",
        "request_information": "no",
        "request_information_reason": "Enough is known already.",
    }
    response = client.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Referral progress" in page
    assert html.escape(REFERRAL_CONFLICT) in error_summary(page)
    # What I typed is still on the page; what the colleague saved still stands.
    assert is_checked(page, "first_crg_meeting_on", "2026-06-24")
    assert is_checked(page, "request_information", "no")
    assert "Enough is known already." in page
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.first_crg_meeting_on == date(2026, 6, 17)
    assert saved.request_information is True
    # Opened again, the page carries the colleague's version and saves.
    _, current = progress_page(client, url)
    assert client.post(url, {**mine, "version": current}).status_code == 302
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.first_crg_meeting_on == date(2026, 6, 24)


def test_progress_cannot_be_changed_once_the_referral_is_a_rapid_review(
    client, leicester, city_council, referred
):
    url = f"/cases/{referred.reference}/referral/"
    _, version = progress_page(client, url)
    converted = client.post(
        f"/cases/{referred.reference}/referral/notified/", notification_fields(city_council)
    )
    assert converted.status_code == 302
    page = client.get(url).content.decode()  # read only now: no form, no version
    assert 'name="local_authority_representative"' not in page
    assert 'name="version"' not in page
    assert "Not decided yet" in page
    data = {
        "version": version,
        "first_crg_meeting_on": "2026-06-17",
        "request_information": "no",
        "request_information_reason": "Enough is known already.",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.first_crg_meeting_on is None
    assert saved.request_information is None


def test_others_read_a_referrals_progress_but_cannot_change_it(client, leicester, referred):
    url = f"/cases/{referred.reference}/referral/"
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    page = client.get(url)
    assert page.status_code == 200
    assert "Not decided yet" in page.content.decode()
    assert 'name="local_authority_representative"' not in page.content.decode()
    client.post(url, {"local_authority_representative": "Someone", "request_information": "no"})
    saved = Referral.objects.for_partnership(leicester).get(case=referred)
    assert saved.local_authority_representative == ""
    assert saved.request_information is None


def test_a_case_without_a_referral_says_so_on_the_progress_page(
    client, office, leicester, city_council
):
    client.post("/cases/new/notification/", {**notification_fields(city_council), **CHILDREN})
    [case] = cases_of(leicester)
    page = client.get(f"/cases/{case.reference}/referral/").content.decode()
    assert "This case did not start with a referral." in page
    assert Child.objects.for_partnership(leicester).filter(case=case).count() == 2


@pytest.mark.parametrize("page", ["referral/", "referral/notified/", "restricted/"])
def test_the_other_partnerships_office_cannot_find_the_referral_pages(
    client, lr, referred, city_council, page
):
    sign_in(client, staff_user(lr, username="lr-office"))
    url = f"/cases/{referred.reference}/{page}"
    assert client.get(url).status_code == 404
    assert client.post(url, notification_fields(city_council)).status_code == 404
    case = Case.objects.for_partnership(referred.partnership).get(pk=referred.pk)
    assert case.stage == Stage.REFERRAL_DECISION
