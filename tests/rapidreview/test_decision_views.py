"""The meeting's record, decision and sign-off pages (§4.6, §4.7, §1.4), as their users
see them through the browser's requests."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import selectors as case_selectors
from cases.models import Case, Role, Stage
from rapidreview.forms.decision import (
    CRITERION_RATIONALE_NEEDED,
    KLOE_NEEDED,
    ROLE_NEEDED,
    criterion_text,
)
from rapidreview.models import (
    DECISION_CRITERIA,
    AdviceKind,
    CriterionFinding,
    Decision,
    ImmediateAction,
    RapidReview,
    ScrutineerAdvice,
)
from rapidreview.services import immediate_action_add
from rapidreview.services.decision import (
    FUTURE_DATE,
    RECORD_CONFLICT,
    SECTIONS_CONFLICT,
    SIGNED_OFF,
)
from rapidreview.views.actions import ACTION_ADDED, ACTION_DONE
from rapidreview.views.decision import DECISION_SAVED, RECORD_SAVED, SECTIONS_SAVED
from rapidreview.views.scrutineer import ADVICE_SAVED, SENT_SAVED
from rapidreview.views.sign_off import CHAIR_APPROVED, PARTNER_CONFIRMED, SIGNED_OFF_NOW
from tests.factories import appoint, open_case, sign_in, staff_user
from tests.rapidreview.flow import (
    decided,
    meeting_held,
    notified,
    quorate_attendance,
    recorded,
    signed_off,
    signers,
)

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 3, 1)  # a Monday: the 7-13 working-day window is 10-18 March
MEETING = date(2027, 3, 12)

PAGES = [
    "rapid_review_record",
    "rapid_review_decision",
    "rapid_review_actions",
    "rapid_review_scrutineer",
    "rapid_review_sections",
    "rapid_review_sign_off",
]
DONE_ON_MEETING_DAY = {"day": "12", "month": "3", "year": "2027"}
RECORDING_PAGES = [p for p in PAGES if p != "rapid_review_sign_off"]


def url(name, case, **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def text(response):
    return response.content.decode()


def success_messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def review(monkeypatch, leicester, leicester_office):
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    return RapidReview.objects.for_partnership(leicester).get(case=case)


@pytest.fixture
def quorate(review, leicester_office):
    quorate_attendance(review.meeting, leicester_office)  # police and Local Authority
    return review


@pytest.fixture
def office(client, leicester_office):
    return sign_in(client, leicester_office)


def decision_post(version, decision=Decision.PROCEED, **overrides):
    data = {
        "version": version,
        "decision": decision,
        "decision_rationale": "Agencies did not share what they knew.",
        "key_lines_of_enquiry": "How agencies shared information\nHow the school was heard",
        "dissemination": "",
        "other_learning_processes": "",
    }
    for criterion in DECISION_CRITERIA:
        data[f"finding_{criterion.value}"] = CriterionFinding.MET
        data[f"rationale_{criterion.value}"] = f"The chronology shows it ({criterion.value})."
    data.update(overrides)
    return data


# --- Every page answers --------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_each_page_answers_before_and_after_the_meeting_is_set(name, office, review, leicester):
    at_intake = open_case(leicester)
    page = office.get(url(name, at_intake))
    assert page.status_code == 200
    assert "meeting has not been set yet" in text(page)
    assert reverse("case_rapid_review", kwargs={"reference": at_intake.reference}) in text(page)
    assert office.get(url(name, review.case)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", [Role.CRG_MEMBER, Role.INDEPENDENT_SCRUTINEER, Role.REVIEWER])
def test_every_partnership_role_reads_the_pages_without_forms(
    name, role, client, quorate, leicester
):
    person = staff_user(leicester, role=role)
    if role == Role.REVIEWER:  # a Reviewer sees only the case of the review they hold
        appoint(quorate.case, person)
    sign_in(client, person)
    page = client.get(url(name, quorate.case))
    assert page.status_code == 200
    assert "<form" not in text(page).split('id="main-content"')[-1]


@pytest.mark.parametrize("name", PAGES)
def test_another_partnerships_case_is_not_found(name, client, review, lr):
    sign_in(client, staff_user(lr))
    assert client.get(url(name, review.case)).status_code == 404
    assert client.post(url(name, review.case), {}).status_code == 404


@pytest.mark.parametrize("name", RECORDING_PAGES)
def test_a_crg_member_cannot_post_to_the_record(name, client, quorate, leicester):
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    response = client.post(url(name, quorate.case), {"form": "advice", "version": 1})
    assert response.status_code == 403


# --- The record (§4.6.2) ---------------------------------------------------------------


def test_the_record_is_saved_and_shown(office, review):
    response = office.post(
        url("rapid_review_record", review.case),
        {
            "version": review.version,
            "facts_reviewed": "The facts in the Combined Summary.",
            "immediate_learning": "",
            "learning_sharing": "",
            "improvement_potential": "Information sharing can improve.",
        },
        follow=True,
    )
    assert RECORD_SAVED in success_messages(response)
    assert "The facts in the Combined Summary." in text(response)
    review.refresh_from_db()
    assert review.improvement_potential == "Information sharing can improve."


def test_immediate_learning_needs_how_it_is_shared_and_keeps_what_was_typed(office, review):
    response = office.post(
        url("rapid_review_record", review.case),
        {
            "version": review.version,
            "facts_reviewed": "Facts typed at the meeting.",
            "immediate_learning": "Share health visitor notes with the school.",
            "learning_sharing": "",
            "improvement_potential": "",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "govuk-error-summary" in page
    assert 'href="#id_learning_sharing"' in page
    assert 'id="id_learning_sharing-error"' in page
    assert "Facts typed at the meeting." in page
    assert "Share health visitor notes with the school." in page


def test_after_a_conflict_the_record_keeps_the_text_and_saves_again(office, review):
    url_ = url("rapid_review_record", review.case)
    stale = {
        "version": review.version,
        "facts_reviewed": "My version of the facts.",
        "immediate_learning": "",
        "learning_sharing": "",
        "improvement_potential": "",
    }
    recorded(review, staff_user(review.case.partnership))  # a colleague saves first
    response = office.post(url_, stale)
    assert response.status_code == 200
    assert escape(RECORD_CONFLICT) in text(response)
    assert "My version of the facts." in text(response)
    again = office.post(url_, {**stale, "version": response.context["form"]["version"].value()})
    assert again.status_code == 302
    review.refresh_from_db()
    assert review.facts_reviewed == "My version of the facts."


# --- The decision (§4.6.2, §1.4) -------------------------------------------------------


def test_a_meeting_that_is_not_quorate_says_why_and_offers_no_form(office, review):
    page = office.get(url("rapid_review_decision", review.case))
    content = text(page)
    assert "govuk-warning-text" in content
    assert "Not quorate: 0 partner agencies are represented" in content
    assert reverse("meeting_detail", kwargs={"pk": review.meeting_id}) in content
    assert 'name="decision"' not in content


def test_before_the_meeting_the_decision_waits_for_its_day(monkeypatch, office, quorate):
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 11))
    page = text(office.get(url("rapid_review_decision", quorate.case)))
    assert "the decision is recorded from that day" in page
    assert 'name="decision"' not in page


def test_the_decision_form_has_both_groups_of_criteria(office, quorate):
    page = text(office.get(url("rapid_review_decision", quorate.case)))
    assert "Must take into account (§1.4.1)" in page
    assert "Have regard to (§1.4.2)" in page
    for criterion in DECISION_CRITERIA:
        assert f'name="finding_{criterion.value}"' in page
        assert f'id="id_rationale_{criterion.value}"' in page
    assert 'id="id_key_lines_of_enquiry"' in page
    assert 'id="id_dissemination"' in page


def test_the_decision_is_recorded_and_shown(office, quorate):
    response = office.post(
        url("rapid_review_decision", quorate.case), decision_post(quorate.version), follow=True
    )
    assert DECISION_SAVED in success_messages(response)
    quorate.refresh_from_db()
    assert quorate.decision == Decision.PROCEED
    assert quorate.decided_on == MEETING
    assert quorate.kloe_list == ["How agencies shared information", "How the school was heard"]
    assert 'value="proceed" checked' in text(response)


def test_a_missing_rationale_and_kloe_are_shown_and_the_typed_text_kept(office, quorate):
    criterion = DECISION_CRITERIA[6]
    response = office.post(
        url("rapid_review_decision", quorate.case),
        decision_post(
            quorate.version,
            key_lines_of_enquiry="",
            **{f"rationale_{criterion.value}": ""},
        ),
    )
    assert response.status_code == 200
    page = text(response)
    assert CRITERION_RATIONALE_NEEDED.format(criterion=criterion.label) in page
    assert f'href="#id_rationale_{criterion.value}"' in page
    assert KLOE_NEEDED in page
    assert 'href="#id_key_lines_of_enquiry"' in page
    assert "Agencies did not share what they knew." in page
    assert criterion_text(criterion) in page
    quorate.refresh_from_db()
    assert quorate.decision == ""


def test_not_proceeding_needs_the_dissemination(office, quorate):
    response = office.post(
        url("rapid_review_decision", quorate.case),
        decision_post(
            quorate.version,
            Decision.NOT_PROCEED,
            key_lines_of_enquiry="",
            other_learning_processes="A single-agency review.",
        ),
    )
    page = text(response)
    assert 'href="#id_dissemination"' in page
    assert "A single-agency review." in page


# --- Immediate safety actions (§4.6.2) -------------------------------------------------


def test_an_action_is_added_then_done(office, review):
    actions = url("rapid_review_actions", review.case)
    missing = office.post(
        actions,
        {"action": "Check the sibling's school attendance.", "owner": "", "due_on-day": "19"},
    )
    assert missing.status_code == 200
    assert 'href="#id_owner"' in text(missing)
    assert "Check the sibling&#x27;s school attendance." in text(missing)
    added = office.post(
        actions,
        {
            "action": "Check the sibling's school attendance.",
            "owner": "Education Safeguarding, Leicester City Council",
            "due_on-day": "19",
            "due_on-month": "3",
            "due_on-year": "2027",
        },
        follow=True,
    )
    assert ACTION_ADDED in success_messages(added)
    assert "Education Safeguarding, Leicester City Council" in text(added)
    assert ">Open</strong>" in text(added)
    item = ImmediateAction.objects.for_partnership(review.case.partnership).get(review=review)
    done_url = url("immediate_action_done", review.case, pk=item.pk)
    prefix = f"done-{item.pk}-"

    too_soon = office.post(
        done_url,
        {
            prefix + "done_on-day": "20",
            prefix + "done_on-month": "3",
            prefix + "done_on-year": "2027",
            prefix + "note": "The school confirmed.",
        },
    )
    assert too_soon.status_code == 200
    assert FUTURE_DATE in text(too_soon)
    assert f'href="#id_{prefix}done_on_0"' in text(too_soon)
    assert "The school confirmed." in text(too_soon)

    done = office.post(
        done_url,
        {
            prefix + "done_on-day": "12",
            prefix + "done_on-month": "3",
            prefix + "done_on-year": "2027",
            prefix + "note": "The school confirmed.",
        },
        follow=True,
    )
    assert ACTION_DONE.format(number=1) in success_messages(done)
    assert ">Done</strong>" in text(done)
    assert "12 March 2027" in text(done)


def test_an_action_past_its_date_is_overdue(monkeypatch, office, review, leicester_office):
    immediate_action_add(
        review=review, actor=leicester_office, action="Visit", owner="LA", due_on=MEETING
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 15))
    assert "govuk-tag--red" in text(office.get(url("rapid_review_actions", review.case)))


def test_another_partnerships_action_is_not_found_and_unchanged(
    monkeypatch, client, review, leicester_office, lr, lr_office
):
    item = immediate_action_add(
        review=review, actor=leicester_office, action="Visit", owner="LA", due_on=MEETING
    )
    lr_case = notified(lr, lr_office, RECEIVED)
    sign_in(client, lr_office)
    data = {
        f"done-{item.pk}-done_on-day": "12",
        f"done-{item.pk}-done_on-month": "3",
        f"done-{item.pk}-done_on-year": "2027",
    }
    for case in (lr_case, review.case):
        response = client.post(url("immediate_action_done", case, pk=item.pk), data)
        assert response.status_code == 404
    item.refresh_from_db()
    assert item.done_on is None


def test_only_the_record_keepers_mark_an_action_done(client, review, leicester, leicester_office):
    item = immediate_action_add(
        review=review, actor=leicester_office, action="Visit", owner="LA", due_on=MEETING
    )
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    response = client.post(url("immediate_action_done", review.case, pk=item.pk), {})
    assert response.status_code == 403


# --- The Independent Scrutineer (§4.7) -------------------------------------------------


def test_advice_and_the_reply_to_the_decision_are_recorded(
    monkeypatch, office, quorate, leicester_office
):
    page_url = url("rapid_review_scrutineer", quorate.case)
    assert 'name="sent_on-day"' not in text(office.get(page_url))  # no decision yet
    missing = office.post(page_url, {"form": "advice", "kind": AdviceKind.WRITTEN_BEFORE})
    assert 'href="#id_advice"' in text(missing)
    written = office.post(
        page_url,
        {
            "form": "advice",
            "kind": AdviceKind.WRITTEN_BEFORE,
            "advice": "Consider the cross-boundary moves.",
            "received_on-day": "11",
            "received_on-month": "3",
            "received_on-year": "2027",
        },
        follow=True,
    )
    assert ADVICE_SAVED in success_messages(written)
    assert "Consider the cross-boundary moves." in text(written)

    decided(quorate, leicester_office)
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2027, 3, 17))
    sent = office.post(
        page_url,
        {"form": "sent", "sent_on-day": "15", "sent_on-month": "3", "sent_on-year": "2027"},
        follow=True,
    )
    assert SENT_SAVED in success_messages(sent)
    assert "were sent to the Independent Scrutineer on 15 March 2027" in text(sent)
    office.post(
        page_url,
        {
            "form": "advice",
            "kind": AdviceKind.REPLY_AFTER,
            "advice": "I agree with the decision.",
            "received_on-day": "17",
            "received_on-month": "3",
            "received_on-year": "2027",
            "raises_concern": "no",
        },
    )
    kinds = ScrutineerAdvice.objects.for_partnership(quorate.case.partnership).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == sorted([AdviceKind.WRITTEN_BEFORE, AdviceKind.REPLY_AFTER])


# --- Combined Summary sections 2 and 3 (§4.6.3) ----------------------------------------


def test_sections_two_and_three_are_agreed(office, review):
    page_url = url("rapid_review_sections", review.case)
    page = text(office.get(page_url))
    assert reverse("combined_summary", kwargs={"reference": review.case.reference}) in page
    missing = office.post(
        page_url, {"version": 1, "section_2": "The analysis agreed.", "section_3": ""}
    )
    assert 'href="#id_section_3"' in text(missing)
    assert "The analysis agreed." in text(missing)
    agreed = office.post(
        page_url,
        {"version": 1, "section_2": "The analysis agreed.", "section_3": "Proceed."},
        follow=True,
    )
    assert SECTIONS_SAVED in success_messages(agreed)
    assert "Agreed at the meeting on 12 March 2027" in text(agreed)


def test_after_a_conflict_the_sections_keep_the_text_and_save_again(
    office, review, leicester_office
):
    page_url = url("rapid_review_sections", review.case)
    mine = {"version": 1, "section_2": "My analysis.", "section_3": "My conclusions."}
    recorded(review, leicester_office)  # a colleague agrees the sections first
    response = office.post(page_url, mine)
    assert escape(SECTIONS_CONFLICT) in text(response)
    assert "My analysis." in text(response)
    again = office.post(page_url, {**mine, "version": response.context["form"]["version"].value()})
    assert again.status_code == 302
    assert case_selectors.combined_summary(case=review.case).section_2 == "My analysis."


# --- Sign-off ----------------------------------------------------------------------------


def test_the_chair_approves_the_members_confirm_and_the_lcspr_opens(
    client, quorate, leicester, leicester_office
):
    page_url = url("rapid_review_sign_off", quorate.case)
    people = signers(leicester)
    sign_in(client, people["chair"])
    waiting = text(client.get(page_url))
    assert "the facts reviewed (§4.6.2)" in waiting
    assert "Approve the decision" not in waiting
    too_early = text(client.post(page_url, {"role": "chair"}, follow=True))
    assert "Before signing, record the decision" in too_early

    recorded(quorate, leicester_office)
    decided(quorate, leicester_office)
    assert client.post(page_url, {"role": "police"}).status_code == 403
    approved = client.post(page_url, {"role": "chair"}, follow=True)
    assert CHAIR_APPROVED in success_messages(approved)

    sign_in(client, people["police"])
    offered = text(client.get(page_url))
    assert 'value="police"' in offered
    assert 'value="local_authority"' not in offered  # a member confirms for their own agency
    assert 'value="icb"' not in offered  # the ICB was not at the meeting
    assert ROLE_NEEDED in text(client.post(page_url, {}))
    assert client.post(page_url, {"role": "chair"}).status_code == 403
    confirmed = client.post(page_url, {"role": "police"}, follow=True)
    assert PARTNER_CONFIRMED.format(role="Police") in success_messages(confirmed)
    assert 'name="role"' not in text(confirmed)  # one signature each

    sign_in(client, people["local_authority"])
    last = client.post(page_url, {"role": "local_authority"}, follow=True)
    assert SIGNED_OFF_NOW in success_messages(last)
    assert "govuk-panel" in text(last)
    assert reverse("case_deadlines", kwargs={"reference": quorate.case.reference}) in text(last)
    assert Case.objects.for_partnership(leicester).get(pk=quorate.case_id).stage == Stage.LCSPR


def test_the_business_office_does_not_sign(office, quorate):
    assert (
        office.post(url("rapid_review_sign_off", quorate.case), {"role": "chair"}).status_code
        == 403
    )
    assert (
        office.post(url("rapid_review_sign_off", quorate.case), {"role": "police"}).status_code
        == 403
    )


def test_once_signed_off_the_record_is_read_only_but_actions_are_still_done(
    office, quorate, leicester, leicester_office
):
    item = immediate_action_add(
        review=quorate, actor=leicester_office, action="Visit", owner="LA", due_on=MEETING
    )
    recorded(quorate, leicester_office)
    decided(quorate, leicester_office, Decision.NOT_PROCEED)
    signed_off(quorate, signers(leicester))
    for name in ("rapid_review_record", "rapid_review_decision", "rapid_review_sections"):
        page = text(office.get(url(name, quorate.case)))
        assert "<textarea" not in page, name
    signed = text(office.get(url("rapid_review_sign_off", quorate.case)))
    assert "The case closes once the decision is notified to the National Panel" in signed
    refused = office.post(url("rapid_review_record", quorate.case), {"version": 99}, follow=True)
    assert SIGNED_OFF in text(refused)
    prefix = f"done-{item.pk}-"
    done = office.post(
        url("immediate_action_done", quorate.case, pk=item.pk),
        {
            prefix + "done_on-day": "12",
            prefix + "done_on-month": "3",
            prefix + "done_on-year": "2027",
        },
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.done_on == MEETING


# --- Accessible markup ---------------------------------------------------------------------


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.labelled, self.fields = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.labelled.add(attrs["for"])
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.fields.append(attrs.get("id"))


def _assert_accessible_markup(page, name):
    markup = _Markup()
    markup.feed(page)
    duplicates = {i for i in markup.ids if markup.ids.count(i) > 1}
    assert duplicates == set(), name
    assert [f for f in markup.fields if f not in markup.labelled] == [], name


@pytest.mark.parametrize("name", PAGES)
def test_pages_have_unique_ids_and_every_field_labelled(
    name, client, quorate, leicester, leicester_office
):
    for due_on in (MEETING, date(2027, 3, 19)):
        immediate_action_add(
            review=quorate, actor=leicester_office, action="Visit", owner="LA", due_on=due_on
        )
    recorded(quorate, leicester_office)
    decided(quorate, leicester_office)
    sign_in(client, leicester_office)
    _assert_accessible_markup(text(client.get(url(name, quorate.case))), name)
    if name in RECORDING_PAGES:  # with every error shown
        refused = client.post(url(name, quorate.case), {"form": "advice", "version": 0})
        assert refused.status_code == 200
        _assert_accessible_markup(text(refused), name)
    sign_in(client, signers(leicester)["police"])
    _assert_accessible_markup(text(client.get(url(name, quorate.case))), name)


def test_a_member_who_represents_no_partner_is_told_why_they_cannot_sign(
    client, quorate, leicester, leicester_office
):
    recorded(quorate, leicester_office)
    decided(quorate, leicester_office)
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    page_url = url("rapid_review_sign_off", quorate.case)
    assert 'name="role"' not in text(client.get(page_url))
    refused = text(client.post(page_url, {"role": "police"}, follow=True))
    assert "does not say which Safeguarding Partner you represent" in refused


def test_an_action_sent_twice_is_added_once(office, review):
    import re

    from cases.once import ALREADY_SENT, FIELD
    from rapidreview.models import ImmediateAction

    actions = url("rapid_review_actions", review.case)
    (token,) = re.findall(rf'name="{FIELD}" value="([^"]+)"', text(office.get(actions)))
    data = {
        "action": "Check the sibling's school attendance.",
        "owner": "Education Safeguarding",
        "due_on-day": "19",
        "due_on-month": "3",
        "due_on-year": "2027",
        FIELD: token,
    }
    first, second = office.post(actions, data), office.post(actions, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ALREADY_SENT in text(office.get(second["Location"]))
    assert ImmediateAction.objects.for_partnership(review.case.partnership).count() == 1
