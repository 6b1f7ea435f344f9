"""Everyday use of the portal and the request pages (issue 12): chronology entries changed
and removed with confirmation, lists by due date, the case summary on the request, the
meeting's time and place, character counts, a form too large to send, radios with one
answer, the escalation form after a reply, and records secured in words."""

import re
from datetime import time, timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from cases import services
from cases.models import AgencyKind, ChildRole, ChronologyEntry, EscalationCause, RequestStatus
from cases.once import ALREADY_SENT, FIELD
from cases.selectors import DUE_SOON_WORKING_DAYS
from cases.services.information_request import (
    ENTRY_CONFLICT,
    ESCALATION_AFTER_REPLY,
    NOT_OPEN_FOR_AGENCY,
)
from rapidreview import services as rr_services
from rapidreview.models import MeetingKind
from tests.cases.test_portal import (
    case_request_url,
    complete_reply,
    date_parts,
    entry_form,
    escalation_steps,
    field_errors,
    flashed,
    input_value,
    portal_url,
    post_reply,
    reload,
    textarea,
)
from tests.factories import AgencyFactory, agency_user, sign_in, working_days_ahead

pytestmark = pytest.mark.django_db

SUMMARY = "Child A was taken to hospital with a head injury on 3 November."


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def portal_user(police):
    return agency_user(police, username="police-portal")


def notified_case(partnership, office):
    return services.notification_record(
        partnership=partnership,
        details=services.NotificationDetails(received_on=timezone.localdate(), summary=SUMMARY),
        children=[services.ChildDetails(role=ChildRole.SUBJECT)],
        actor=office,
        lead_officer=office,
    )


def request_on(case, agency, *, due=None):
    (request,) = services.information_requests_send(
        case=case, agencies=[agency], reply_due_on=due or working_days_ahead(10), actor=None
    )
    return request


@pytest.fixture
def item(leicester, leicester_office, police):
    return request_on(notified_case(leicester, leicester_office), police)


def entries(item):
    return list(ChronologyEntry.objects.for_partnership(item.case.partnership).filter(request=item))


def add_entry(client, item, **values):
    assert client.post(portal_url(item, "chronology/"), entry_form(**values)).status_code == 302
    return entries(item)[-1]


# --- Chronology entries: changed, removed with confirmation, sent once ------------------------


def test_a_chronology_entry_is_changed_on_its_own_page(client, item, portal_user):
    sign_in(client, portal_user)
    entry = add_entry(client, item)
    listing = client.get(portal_url(item, "chronology/"))
    assert f"/portal/chronology/{entry.pk}/edit/" in listing.text
    page = client.get(f"/portal/chronology/{entry.pk}/edit/")
    assert page.status_code == 200
    # The form opens with the entry as it stands, its time as typed.
    assert input_value(page, "source") == "Niche RMS"
    assert input_value(page, "happened_at") == "14:30"
    assert textarea(page, "event") == "Officers attended a report of shouting."
    response = client.post(
        f"/portal/chronology/{entry.pk}/edit/",
        {**entry_form(event="Officers attended twice."), "version": input_value(page, "version")},
    )
    assert response.status_code == 302
    assert response["Location"] == portal_url(item, "chronology/")
    (changed,) = entries(item)
    assert (changed.event, changed.version) == ("Officers attended twice.", 2)
    assert changed.history.first().history_change_reason == "Chronology entry changed"


def test_a_colleagues_change_since_the_page_opened_is_shown_and_what_was_typed_kept(
    client, item, portal_user
):
    sign_in(client, portal_user)
    entry = add_entry(client, item)
    colleague = agency_user(item.agency)
    services.chronology_entry_edit(
        scope=_scope(colleague),
        entry=entry,
        version=1,
        **{
            **_cleaned(entry),
            "event": "The colleague's wording.",
        },
    )
    response = client.post(
        f"/portal/chronology/{entry.pk}/edit/",
        {**entry_form(event="My wording."), "version": 1},
    )
    assert response.status_code == 200
    assert ENTRY_CONFLICT in unescape(response.text)
    assert textarea(response, "event") == "My wording."
    # Saving again from this page goes through: it now carries the colleague's version.
    assert input_value(response, "version") == "2"
    assert entries(item)[0].event == "The colleague's wording."


def _scope(user):
    from cases.tenancy import Scope

    return Scope(user=user, membership=user.memberships.get())


def _cleaned(entry):
    return {
        "happened_on": entry.happened_on,
        "happened_at": entry.happened_at,
        "source": entry.source,
        "event": entry.event,
        "agency_response": entry.agency_response,
        "analysis": entry.analysis,
        "expected_practice": entry.expected_practice,
    }


def test_removing_an_entry_asks_first(client, item, portal_user):
    sign_in(client, portal_user)
    entry = add_entry(client, item)
    confirm = client.get(f"/portal/chronology/{entry.pk}/remove/")
    assert confirm.status_code == 200
    assert "Are you sure you want to remove this entry?" in confirm.text
    assert "Officers attended a report of shouting." in confirm.text
    assert entries(item) == [entry]  # asking removes nothing
    response = client.post(f"/portal/chronology/{entry.pk}/remove/")
    assert response.status_code == 302
    assert flashed(response) == ["Chronology entry removed."]
    assert entries(item) == []


def test_a_submitted_replys_entries_cannot_be_changed_or_removed(client, item, portal_user):
    sign_in(client, portal_user)
    entry = add_entry(client, item)
    post_reply(client, item, complete_reply(), version=reload(item).version, button="submit")
    assert reload(item).status == RequestStatus.SUBMITTED
    for action in ("edit", "remove"):
        response = client.get(f"/portal/chronology/{entry.pk}/{action}/")
        assert response.status_code == 200
        assert escape(NOT_OPEN_FOR_AGENCY) in response.text
        assert "<form" not in response.text.split('aria-label="Reply sections"')[1]
    client.post(f"/portal/chronology/{entry.pk}/edit/", {**entry_form(event="Late."), "version": 1})
    client.post(f"/portal/chronology/{entry.pk}/remove/")
    assert [e.event for e in entries(item)] == ["Officers attended a report of shouting."]


def test_an_entry_sent_again_after_back_is_added_once(client, item, portal_user):
    sign_in(client, portal_user)
    page = client.get(portal_url(item, "chronology/"))
    token = input_value(page, FIELD)
    form = {**entry_form(), FIELD: token}
    first = client.post(portal_url(item, "chronology/"), form)
    again = client.post(portal_url(item, "chronology/"), form)  # Back, then Add again
    assert first.status_code == again.status_code == 302
    assert flashed(again)[-1] == ALREADY_SENT
    assert len(entries(item)) == 1


# --- Lists by due date ---------------------------------------------------------------------


def tags_in_order(text, references):
    """(reference, tag or "") for each row of the page's first table, top to bottom."""
    table = text.split("<table", 2)[1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S)
    found = []
    for row in rows:
        reference = next((r for r in references if r in row), None)
        if reference:
            tag = re.search(r'<strong class="govuk-tag[^"]*">(.*?)</strong>\s*</td>\s*<td', row)
            found.append((reference, tag.group(1) if tag else ""))
    return found


def test_the_portal_lists_requests_soonest_due_first_with_due_soon_and_overdue_tags(
    client, leicester, lr, leicester_office, lr_office, police, portal_user
):
    later = request_on(
        notified_case(leicester, leicester_office), police, due=working_days_ahead(12)
    )
    soon = request_on(notified_case(lr, lr_office), police, due=working_days_ahead(2, lr))
    late = request_on(notified_case(leicester, leicester_office), police)
    # Its deadline passed without a reply (set on the row: no service backdates one).
    type(late).objects.for_partnership(leicester).filter(pk=late.pk).update(
        reply_due_on=timezone.localdate() - timedelta(days=1)
    )
    sign_in(client, portal_user)
    page = client.get("/portal/")
    references = [r.case.reference for r in (later, soon, late)]
    assert tags_in_order(page.text, references) == [
        (late.case.reference, "Overdue"),
        (soon.case.reference, "Due soon"),
        (later.case.reference, ""),
    ]
    assert f"within {DUE_SOON_WORKING_DAYS} working days" in page.text


# --- The request page: the case in brief ----------------------------------------------------


def test_the_request_page_shows_the_summary_shared_with_agencies(client, item, portal_user):
    sign_in(client, portal_user)
    page = client.get(portal_url(item))
    assert page.status_code == 200
    assert "The notification in brief" in page.text
    summary = re.search(
        r'<div class="govuk-inset-text" id="case-summary">(.*?)</div>', page.text, re.S
    )
    assert escape(SUMMARY) in summary.group(1)


# --- Invitations: when and where --------------------------------------------------------------


def test_an_invitation_says_when_and_where_the_meeting_is(
    client, monkeypatch, leicester, leicester_office, police, portal_user
):
    case = notified_case(leicester, leicester_office)
    held_on = working_days_ahead(9, leicester)
    meeting = rr_services.crg_meeting_create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=held_on,
        starts_at=time(10, 30),
        location="City Hall, Committee Room 2",
        actor=leicester_office,
    )
    review = rr_services.rapid_review_for(case=case)
    rr_services.rapid_review_meeting_set(
        case=case, meeting=meeting, actor=leicester_office, version=review.version, reason="Test"
    )
    (invitation,) = rr_services.invitations_send(
        review=rr_services.rapid_review_for(case=case), actor=leicester_office, agencies=[police]
    )
    sign_in(client, portal_user)
    listing = client.get("/portal/papers/")
    assert f"{held_on:%A} {held_on.day} {held_on:%B %Y}, 10:30am" in listing.text
    assert "City Hall, Committee Room 2" in listing.text
    papers = client.get(f"/papers/{invitation.pk}/")
    rows = dict(
        re.findall(
            r'<dt class="govuk-summary-list__key">(.*?)</dt><dd class="govuk-summary-list__value">'
            r"(.*?)</dd>",
            papers.text,
        )
    )
    assert rows["Date"] == f"{held_on:%A} {held_on.day} {held_on:%B %Y}"
    assert rows["Time"] == "10:30am"
    assert rows["Place"] == "City Hall, Committee Room 2"


def invite_police_to_meeting_on(case, office, police, held_on):
    meeting = rr_services.crg_meeting_create(
        partnership=case.partnership, kind=MeetingKind.MONTHLY, held_on=held_on, actor=office
    )
    review = rr_services.rapid_review_for(case=case)
    rr_services.rapid_review_meeting_set(
        case=case, meeting=meeting, actor=office, version=review.version, reason="Test"
    )
    rr_services.invitations_send(
        review=rr_services.rapid_review_for(case=case), actor=office, agencies=[police]
    )


def test_invitations_are_listed_next_meeting_first_with_due_soon(
    client, leicester, lr, leicester_office, lr_office, police, portal_user
):
    later = notified_case(leicester, leicester_office)
    invite_police_to_meeting_on(later, leicester_office, police, working_days_ahead(12, leicester))
    soon = notified_case(lr, lr_office)
    invite_police_to_meeting_on(soon, lr_office, police, working_days_ahead(3, lr))
    sign_in(client, portal_user)
    page = client.get("/portal/papers/")
    table = page.text.split('<table class="govuk-table">', 2)[1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S)[1:]
    assert [soon.reference in rows[0], later.reference in rows[1]] == [True, True]
    assert "Due soon" in rows[0]
    assert "Due soon" not in rows[1]


# --- Text areas ------------------------------------------------------------------------------


def test_every_text_area_of_the_reply_counts_characters_to_its_limit(client, item, portal_user):
    sign_in(client, portal_user)
    page = client.get(portal_url(item))
    groups = re.findall(
        r'<div class="govuk-form-group govuk-character-count" data-module="govuk-character-count"'
        r' data-maxlength="(\d+)">.*?<textarea[^>]*name="(\w+)"',
        page.text,
        re.S,
    )
    reply_answers = ("involvement_summary", "dates_and_contacts", "actions_taken", "concerns")
    assert {name: int(limit) for limit, name in groups} == dict.fromkeys(
        (*reply_answers, "facts", "opinion"), 20000
    )
    assert "You can enter up to 20000 characters" in page.text


def test_a_value_too_long_names_its_field_and_is_kept(client, item, portal_user):
    sign_in(client, portal_user)
    typed = entry_form(analysis="x" * 5001)
    response = client.post(portal_url(item, "chronology/"), typed)
    assert response.status_code == 200
    assert field_errors(response, "analysis") == ["Analysis must be 5,000 characters or fewer."]
    assert textarea(response, "analysis") == "x" * 5001
    assert entries(item) == []


def test_line_breaks_count_as_one_character_as_the_character_count_does(client, item, portal_user):
    sign_in(client, portal_user)
    # 5,000 characters on screen, sent by the browser with two characters per line break.
    event = "\r\n".join(["y" * 99] * 50)
    assert len(event.replace("\r\n", "\n")) == 5000 - 1
    add_entry(client, item, event=event)
    assert entries(item)[0].event == event.replace("\r\n", "\n")


def post_as_browser(client, url, data, **headers):
    """A form posted as a browser sends it (URL-encoded; the test client's default is multipart)."""
    return client.post(
        url, urlencode(data), content_type="application/x-www-form-urlencoded", **headers
    )


def test_a_form_too_large_to_send_gets_a_page_naming_the_limit(client, item, portal_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    sign_in(client, portal_user)
    response = post_as_browser(
        client,
        portal_url(item),
        {**complete_reply(facts="z" * 20_000), "version": 1, "save": ""},
        HTTP_REFERER=f"http://testserver{portal_url(item)}",
    )
    assert response.status_code == 413
    assert "The text you sent is too long to save" in response.text
    assert "A form can send up to 9.8\xa0KB of text at once." in unescape(response.text)
    assert f'href="http://testserver{portal_url(item)}">Go back to the form' in response.text
    assert reload(item).facts == ""


def test_the_too_large_page_links_back_only_to_this_site(client, item, portal_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    sign_in(client, portal_user)
    response = post_as_browser(
        client,
        portal_url(item),
        {**complete_reply(facts="z" * 20_000), "version": 1},
        HTTP_REFERER="https://elsewhere.example/",
    )
    assert response.status_code == 413
    assert f'href="{portal_url(item)}">Go back to the form' in response.text


# --- Radios ----------------------------------------------------------------------------------


class _Choice(forms.Form):
    answer = forms.ChoiceField(widget=forms.RadioSelect)


@pytest.mark.parametrize(
    ("choices", "checked"),
    [([("only", "The only one")], ["only"]), ([("a", "A"), ("b", "B")], [])],
)
def test_a_radio_group_with_one_answer_has_it_selected(choices, checked):
    form = _Choice()
    form.fields["answer"].choices = choices
    html = render_to_string("includes/radios.html", {"field": form["answer"]})
    radios = re.findall(r'<input class="govuk-radios__input"[^>]*>', html)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios if " checked" in r] == checked


def test_the_only_meeting_on_offer_is_selected(client, leicester, leicester_office):
    case = notified_case(leicester, leicester_office)
    meeting = rr_services.crg_meeting_create(
        partnership=leicester,
        kind=MeetingKind.MONTHLY,
        held_on=working_days_ahead(9, leicester),
        actor=leicester_office,
    )
    sign_in(client, leicester_office)
    page = client.get(f"/cases/{case.reference}/rapid-review/")
    (radio,) = re.findall(r'<input class="govuk-radios__input"[^>]*name="meeting"[^>]*>', page.text)
    assert f'value="{meeting.pk}"' in radio
    assert " checked" in radio


# --- The office's request page ----------------------------------------------------------------


def test_the_escalation_form_goes_once_the_agency_has_replied(
    client, item, portal_user, leicester_office
):
    sign_in(client, leicester_office)
    assert 'name="escalated_on-day"' in client.get(case_request_url(item)).text
    sign_in(client, portal_user)
    post_reply(client, item, complete_reply(), version=reload(item).version, button="submit")
    sign_in(client, leicester_office)
    for status in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED):
        if status == RequestStatus.ACCEPTED:
            client.post(case_request_url(item, "accept/"))
        assert reload(item).status == status
        page = client.get(case_request_url(item))
        assert 'name="escalated_on-day"' not in page.text
        assert escape(ESCALATION_AFTER_REPLY) in page.text
        refused = client.post(
            case_request_url(item, "escalate/"),
            {
                "cause": EscalationCause.REFUSAL,
                **date_parts("escalated_on", timezone.localdate()),
                "note": "Asked again.",
            },
        )
        assert refused.status_code == 200
        assert escape(ESCALATION_AFTER_REPLY) in refused.text
    assert escalation_steps(item) == []


def test_records_secured_is_said_in_words(client, item, portal_user, leicester_office):
    sign_in(client, leicester_office)
    listing = client.get(f"/cases/{item.case.reference}/requests/")
    assert "Not submitted" not in listing.text
    assert "The agency has not yet said whether records are secured" in listing.text
    sign_in(client, portal_user)
    post_reply(client, item, complete_reply(), version=reload(item).version, button="submit")
    sign_in(client, leicester_office)
    listing = client.get(f"/cases/{item.case.reference}/requests/")
    assert "Yes, secured" in listing.text
