"""The notification form's follow-up step, its children added on demand, and the deaths of
looked-after children and care leavers that go to the CRG, not a Rapid Review (§1.3.5)."""

import html
import re
from datetime import date

import pytest
from django.utils import timezone

from cases.models import (
    NO_ABUSE_NOT_IN_CARE,
    AgencyKind,
    Case,
    Child,
    Notification,
    Referral,
    Role,
    Stage,
)
from rapidreview.models import CareDeathDecision, CrgMeeting, MeetingKind
from tests.factories import AgencyFactory, sign_in, staff_user

TODAY = date(2027, 3, 1)
SUMMARY = "Child A died in their placement."
NEW = "/cases/new/notification/"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real_localdate = timezone.localdate

    def pinned(value=None, **kwargs):
        return TODAY if value is None else real_localdate(value, **kwargs)

    monkeypatch.setattr("django.utils.timezone.localdate", pinned)
    return TODAY


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


def council(partnership):
    return AgencyFactory(kind=AgencyKind.LOCAL_AUTHORITY, partnerships=[partnership])


def dmy(prefix, when):
    return {f"{prefix}-day": when.day, f"{prefix}-month": when.month, f"{prefix}-year": when.year}


def first_page(authority, **overrides):
    return {
        "notifying_authority": str(authority.pk),
        **dmy("received_on", date(2027, 1, 11)),
        "incident_kind": "death",
        "abuse_or_neglect": "not_known",
        "summary": SUMMARY,
        "child-TOTAL_FORMS": "1",
        "child-INITIAL_FORMS": "0",
        "child-MIN_NUM_FORMS": "0",
        "child-MAX_NUM_FORMS": "26",
        "child-0-local_authority_reference": "LA-77",
        "child-0-name": "Rowan Tilby",
        **overrides,
    }


def hidden_fields(page):
    """What the page's form sends back unseen, as a browser would."""
    return [
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    ]


def answer(client, page, **answers):
    """Send the page's form again with its hidden fields and these answers."""
    data = {}
    for name, value in hidden_fields(page):
        data.setdefault(name, []).append(value)
    for name, value in answers.items():
        data[name] = value
    return client.post(NEW, data)


def error_summary(page):
    return page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]


def questions(page):
    """The names of the visible questions on the page."""
    visible = re.findall(
        r'<input class="govuk-(?:radios|input|checkboxes)[^"]*"[^>]*name="([^"]+)"', page
    )
    return sorted({name.split("-")[0] for name in visible})


def cases_of(partnership):
    return list(Case.objects.for_partnership(partnership))


# --- Both deaths, in both partnerships ---------------------------------------------------


@pytest.mark.parametrize(
    ("care", "shown"),
    [
        pytest.param(
            {"care_status": "looked_after"},
            ["care_status", "ofsted_notified_on", "secretary_of_state_notified_on"],
            id="looked-after-child",
        ),
        pytest.param(
            {"care_status": "care_leaver", "care_leaver_age": "22"},
            [
                "care_leaver_age",
                "care_status",
                "ofsted_notified_on",
                "secretary_of_state_notified_on",
            ],
            id="care-leaver-aged-22",
        ),
    ],
)
def test_a_care_death_is_recorded_in_both_partnerships_and_goes_to_the_crg_not_a_rapid_review(
    client, partnership, care, shown
):
    """A looked-after child's death and a 22-year-old care leaver's death are recorded, in
    both partnerships, and go to the CRG, not to a Rapid Review."""
    office = staff_user(partnership)
    sign_in(client, office)
    authority = council(partnership)
    # The first page asks nothing about care; as the child died, the next page does.
    first = client.get(NEW).content.decode()
    assert "care_status" not in questions(first)
    asked = client.post(NEW, first_page(authority)).content.decode()
    assert '<h1 class="govuk-heading-l">The child\'s care</h1>' in asked
    assert questions(asked) == ["care_status"]
    assert "govuk-error-summary" not in asked
    # Its answer makes the Secretary of State and Ofsted dates (and the age) relevant.
    dated = answer(client, asked, care_status=care["care_status"]).content.decode()
    assert questions(dated) == shown
    assert "govuk-error-summary" not in dated
    recorded = answer(
        client,
        dated,
        **care,
        **dmy("secretary_of_state_notified_on", date(2027, 1, 8)),
        **dmy("ofsted_notified_on", date(2027, 1, 9)),
    )
    (case,) = cases_of(partnership)
    assert recorded.status_code == 302
    assert recorded.url == case.get_absolute_url()
    assert case.stage == Stage.CRG_CONSIDERATION
    notification = Notification.objects.for_partnership(partnership).get(case=case)
    assert (notification.secretary_of_state_notified_on, notification.ofsted_notified_on) == (
        date(2027, 1, 8),
        date(2027, 1, 9),
    )
    assert notification.summary == SUMMARY  # carried through both steps
    page = client.get(case.get_absolute_url()).content.decode()
    assert "goes to the Case Review Group" in page  # the success message
    assert "Next: the Case Review Group considers whether the serious-incident criteria" in page
    assert "the framework sets no timescale for this" in page
    assert "Record the CRG&#x27;s decision" in page or "Record the CRG's decision" in page
    assert "Rapid Review stage" not in page
    deadlines = client.get(f"{case.get_absolute_url()}deadlines/").content.decode()
    assert "rapid_review_complete" not in deadlines
    assert "Rapid Review complete" not in deadlines
    dashboard = client.get("/").content.decode()
    assert "Deaths for the CRG to consider" in dashboard
    assert f"Case {case.reference}</a>, received 11 January 2027" in dashboard


def test_a_care_leaver_of_22_cannot_be_sent_to_a_rapid_review_by_the_crg(client, leicester):
    office = staff_user(leicester)
    sign_in(client, office)
    asked = client.post(NEW, first_page(council(leicester))).content.decode()
    dated = answer(client, asked, care_status="care_leaver").content.decode()
    answer(
        client,
        dated,
        care_status="care_leaver",
        care_leaver_age="22",
        **dmy("secretary_of_state_notified_on", date(2027, 1, 8)),
        **dmy("ofsted_notified_on", date(2027, 1, 8)),
    )
    (case,) = cases_of(leicester)
    url = f"/cases/{case.reference}/crg-consideration/"
    assert "No CRG meeting has taken place since" in client.get(url).content.decode()
    CrgMeeting.unscoped.create(
        partnership=leicester, kind=MeetingKind.MONTHLY, held_on=date(2027, 2, 10)
    )
    page = client.get(url).content.decode()
    assert 'value="rapid_review"' not in page
    assert 'value="local_review"' in page


# --- The follow-up step -----------------------------------------------------------------


def test_serious_harm_is_recorded_in_one_step_without_care_questions(client, leicester):
    sign_in(client, staff_user(leicester))
    data = first_page(
        council(leicester), incident_kind="serious_harm", abuse_or_neglect="suspected"
    )
    recorded = client.post(NEW, data)
    (case,) = cases_of(leicester)
    assert recorded.status_code == 302
    assert case.stage == Stage.RAPID_REVIEW


def test_an_error_on_the_follow_up_step_stays_there_with_its_answers(client, leicester):
    sign_in(client, staff_user(leicester))
    asked = client.post(NEW, first_page(council(leicester))).content.decode()
    refused = answer(client, asked, care_status="neither").content.decode()
    assert "<title>Error: The child's care" in refused
    assert html.escape(NO_ABUSE_NOT_IN_CARE) in error_summary(refused)
    assert re.search(r'name="care_status" type="radio" value="neither" checked', refused)
    assert cases_of(leicester) == []


def test_a_missing_follow_up_answer_is_an_error_once_asked(client, leicester):
    sign_in(client, staff_user(leicester))
    asked = client.post(NEW, first_page(council(leicester))).content.decode()
    dated = answer(client, asked, care_status="looked_after").content.decode()
    refused = answer(client, dated, care_status="looked_after").content.decode()
    summary = error_summary(refused)
    assert "Enter the date the Secretary of State for Education was notified." in summary
    assert "Enter the date Ofsted was notified." in summary
    for target in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{target}"' in refused, target
    assert cases_of(leicester) == []


def test_changing_the_notification_goes_back_with_everything_typed(client, leicester):
    sign_in(client, staff_user(leicester))
    typed = first_page(council(leicester))
    asked = client.post(NEW, typed).content.decode()
    back = answer(client, asked, care_status="looked_after", back="1").content.decode()
    assert "Record a Local Authority notification</h1>" in back
    assert "govuk-error-summary" not in back
    assert SUMMARY in back
    assert 'value="Rowan Tilby"' in back
    # The follow-up answer travels unseen, to be asked again with its value.
    assert ("care_status", "looked_after") in hidden_fields(back)
    again = answer(client, back, **typed).content.decode()
    assert re.search(r'name="care_status" type="radio" value="looked_after" checked', again)


# --- All errors at once, the warning, and children added on demand ----------------------


def test_every_error_of_the_first_page_shows_at_once(client, leicester):
    sign_in(client, staff_user(leicester))
    data = first_page(
        council(leicester),
        summary="",
        **{
            "child-TOTAL_FORMS": "2",
            "child-0-local_authority_reference": "",
            "child-0-name": "",
            "child-1-name": "Kit Tilby",
            **dmy("child-1-date_of_birth", date(2021, 2, 1)),
            "child-1-date_of_birth-day": "30",
        },
    )
    del data["incident_kind"]
    page = client.post(NEW, data).content.decode()
    summary = error_summary(page)
    for message in (
        "Enter a summary of the incident.",
        "Select whether the child died or was seriously harmed.",
        "Enter the subject child&#x27;s Local Authority reference or name.",
        "Sibling 1: date of birth must be a real date.",
    ):
        assert message in summary, message
    for target in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{target}"' in page, target
    assert cases_of(leicester) == []


def test_the_form_warns_that_the_summary_is_shared_with_agencies(client, leicester):
    sign_in(client, staff_user(leicester))
    page = client.get(NEW).content.decode()
    assert "govuk-warning-text" in page
    assert "The summary is shared with the agencies asked for information." in page


def test_another_child_is_added_on_demand_keeping_what_was_typed(client, leicester):
    sign_in(client, staff_user(leicester))
    blank = client.get(NEW).content.decode()
    assert 'name="child-0-name"' in blank
    assert 'name="child-1-name"' not in blank
    data = first_page(council(leicester), summary="")
    more = client.post(NEW, {**data, "add_child": "1"}).content.decode()
    assert 'name="child-TOTAL_FORMS" value="2"' in more
    assert "Sibling 1 (optional)" in more
    assert 'name="child-1-name"' in more
    assert 'value="Rowan Tilby"' in more
    assert "govuk-error-summary" not in more  # nothing was sent: nothing is judged yet
    assert cases_of(leicester) == []
    # The added sibling is recorded with the rest, as the perpetrator here (§1.3.4).
    typed = {k: v for k, v in data.items() if not k.startswith("child-") or "-0-" in k}
    typed |= {
        "incident_kind": "serious_harm",
        "abuse_or_neglect": "suspected",
        "summary": "Child B harmed Child A.",
        "child-TOTAL_FORMS": "2",
        "child-1-name": "Kit Tilby",
        "child-1-is_perpetrator": "on",
    }
    sent = answer(client, more, **typed)
    assert sent.status_code == 302
    (case,) = cases_of(leicester)
    children = Child.objects.for_partnership(leicester).filter(case=case)
    assert {c.pseudonym: c.is_perpetrator for c in children} == {
        "Child A": False,
        "Child B": True,
    }
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Child B (sibling, the alleged perpetrator (§1.3.4))" in page
    summary = client.get(f"/cases/{case.reference}/combined-summary/").content.decode()
    assert "Child B: sibling, the alleged perpetrator (§1.3.4)" in summary


# --- The CRG's decision on the page -----------------------------------------------------


def _care_death_case(client, partnership):
    asked = client.post(NEW, first_page(council(partnership))).content.decode()
    dated = answer(client, asked, care_status="looked_after").content.decode()
    answer(
        client,
        dated,
        care_status="looked_after",
        **dmy("secretary_of_state_notified_on", date(2027, 1, 8)),
        **dmy("ofsted_notified_on", date(2027, 1, 8)),
    )
    (case,) = cases_of(partnership)
    return case


def test_the_office_records_the_crgs_decision_and_the_case_moves_on(client, partnership):
    office = staff_user(partnership)
    sign_in(client, office)
    case = _care_death_case(client, partnership)
    meeting = CrgMeeting.unscoped.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=date(2027, 2, 10)
    )
    url = f"/cases/{case.reference}/crg-consideration/"
    page = client.get(url).content.decode()
    assert "Monthly CRG meeting, 10 February 2027" in page
    refused = client.post(url, {"meeting": meeting.pk, "outcome": "local_review"}).content.decode()
    assert "Give the CRG&#x27;s rationale for its decision." in error_summary(refused)
    assert "Enter the date of the decision." in error_summary(refused)
    decided = client.post(
        url,
        {
            "meeting": meeting.pk,
            **dmy("decided_on", date(2027, 2, 10)),
            "outcome": "learning_outside_review",
            "rationale": "Learning about placement moves, through the training plan.",
        },
    )
    assert decided.status_code == 302
    assert Case.objects.for_partnership(partnership).get(pk=case.pk).stage == Stage.LOCAL_LEARNING
    shown = client.get(url).content.decode()
    assert "Learning about placement moves" in shown
    assert "10 February 2027" in shown
    assert 'name="rationale"' not in shown
    assert "Deaths for the CRG to consider" not in client.get("/").content.decode()


def test_a_crg_member_reads_the_consideration_but_cannot_record_it(client, leicester):
    sign_in(client, staff_user(leicester))
    case = _care_death_case(client, leicester)
    member = staff_user(leicester, Role.CRG_MEMBER)
    sign_in(client, member)
    url = f"/cases/{case.reference}/crg-consideration/"
    page = client.get(url).content.decode()
    assert "The CRG has not decided yet." in page
    assert client.post(url, {"outcome": "no_further_action"}).status_code == 403
    assert not CareDeathDecision.objects.for_partnership(leicester).exists()


def test_the_other_partnership_cannot_find_the_consideration(client, leicester, lr):
    sign_in(client, staff_user(leicester))
    case = _care_death_case(client, leicester)
    sign_in(client, staff_user(lr))
    assert client.get(f"/cases/{case.reference}/crg-consideration/").status_code == 404


# --- §1.4.5 on the referral progress form -----------------------------------------------


def test_a_referral_found_to_raise_learning_ends_outside_an_lcspr(client, leicester):
    office = staff_user(leicester)
    sign_in(client, office)
    agency = AgencyFactory(kind=AgencyKind.POLICE, partnerships=[leicester])
    client.post(
        "/cases/new/referral/",
        {
            "referring_agency": agency.pk,
            **dmy("received_on", date(2027, 1, 11)),
            "summary": "A near miss.",
            "reasons": "Good practice to share.",
            "child-TOTAL_FORMS": "1",
            "child-INITIAL_FORMS": "0",
            "child-0-local_authority_reference": "LA-5",
        },
    )
    (case,) = cases_of(leicester)
    url = f"/cases/{case.reference}/referral/"
    referral = Referral.objects.for_partnership(leicester).get(case=case)
    unticked = client.post(
        url,
        {"version": referral.version, "learning_outside_review_rationale": "Near miss."},
    ).content.decode()
    assert "Tick the box if the CRG found" in error_summary(unticked)
    saved = client.post(
        url,
        {
            "version": referral.version,
            "learning_outside_review": "on",
            **dmy("learning_outside_review_on", date(2027, 2, 10)),
            "learning_outside_review_rationale": "A near miss with good practice to share.",
            **dmy("learning_outside_review_notified_on", date(2027, 2, 11)),
        },
    )
    assert saved.status_code == 302
    assert Case.objects.for_partnership(leicester).get(pk=case.pk).stage == Stage.LOCAL_LEARNING
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Learning outside an LCSPR" in page
    assert "A near miss with good practice to share." in page
    assert "Not a serious case, but raises learning (§1.4.5)" in page
