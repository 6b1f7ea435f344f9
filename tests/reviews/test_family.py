"""The family's part in the review (§7): the network brought in from the case's records
without typing twice, the first contact (§7.3) with the letter and leaflet, the
conversations (§7.4.1) and the warning when the workshop comes first, and every reason
for non-involvement recorded for the report (§7.4.2). Restricted to the review team,
every view in the access log, and no name in any URL, file name or log."""

import io
import logging
import re
from datetime import datetime, time, timedelta

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import AccessAction, AccessEvent, Child, ChildRole, FamilyMember, Role
from reviews import services
from reviews.models import (
    FamilyConversation,
    NetworkMember,
    NonParticipationReason,
    Participation,
    Sex,
    Workshop,
    WorkshopSession,
)
from reviews.rules import ReviewConflict
from reviews.selectors.family import (
    NO_NETWORK,
    NOBODY_SPOKEN_TO,
    family_non_involvement,
    family_status,
    workshop_before_family_spoken,
)
from reviews.services.family import (
    CONTACT_IN_FUTURE,
    CONVERSATION_BY,
    CONVERSATION_IN_FUTURE,
    CONVERSATION_MEMBERS,
    OTHER_REASON_DETAIL,
    REASON_NEEDED,
)
from reviews.workspace import TaskState
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

CHILD_NAME = "Tobias Wrenfield"
MOTHER_NAME = "Marguerite Wrenfield"


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    Child.unscoped.create(case=case, pseudonym="Child A", name=CHILD_NAME, role=ChildRole.SUBJECT)
    Child.unscoped.create(
        case=case, pseudonym="Child B", name="Ottilie Wrenfield", role=ChildRole.SIBLING
    )
    FamilyMember.unscoped.create(case=case, relationship="Mother", name=MOTHER_NAME)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    return {"case": case, "lcspr": lcspr, "reviewer": reviewer, "office": staff_user(leicester)}


def url(name, review, **kwargs):
    return reverse(name, kwargs={"reference": review["case"].reference, **kwargs})


def brought_in(review):
    services.network_bring_in(lcspr=review["lcspr"], actor=review["office"])
    return {m.relationship: m for m in NetworkMember.unscoped.filter(lcspr=review["lcspr"])}


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- The network -------------------------------------------------------------------------


def test_bringing_in_takes_the_case_children_and_family_once(review):
    first = services.network_bring_in(lcspr=review["lcspr"], actor=review["office"])
    again = services.network_bring_in(lcspr=review["lcspr"], actor=review["office"])

    assert sorted(m.relationship for m in first) == ["Mother", "Sibling", "Subject child"]
    assert again == []
    network = {m.relationship: m for m in NetworkMember.unscoped.filter(lcspr=review["lcspr"])}
    assert network["Subject child"].name == CHILD_NAME
    assert network["Subject child"].is_subject_child
    assert network["Sibling"].is_surviving_child
    assert network["Mother"].name == MOTHER_NAME
    assert network["Mother"].sex == Sex.FEMALE


def test_the_page_offers_to_bring_in_only_who_is_missing(client, review):
    sign_in(client, review["reviewer"])
    page = client.get(url("lcspr_family", review)).content.decode()
    assert "Bring in the case's children and family members (3)" in page

    response = client.post(url("lcspr_family", review), {"form": "bring-in"}, follow=True)
    page = response.content.decode()
    assert "3 people brought into the family network" in page
    assert MOTHER_NAME in page
    assert "Bring in the case" not in page


def test_a_member_is_added_once_however_often_the_form_is_sent(client, review):
    sign_in(client, review["office"])
    form = client.get(url("lcspr_family_member_add", review)).content.decode()
    token = form.split('name="once_token" value="')[1].split('"')[0]
    data = {
        "once_token": token,
        "name": "Edwin Farrow",
        "relationship": "Maternal grandfather",
        "sex": "male",
        "age": "67",
        "support": ["needs_interpreter"],
        "language": "Polish",
    }
    first = client.post(url("lcspr_family_member_add", review), data)
    second = client.post(url("lcspr_family_member_add", review), data)

    assert first.status_code == 302
    assert second.status_code == 302
    members = NetworkMember.unscoped.filter(lcspr=review["lcspr"], name="Edwin Farrow")
    assert members.count() == 1
    assert members.get().needs_interpreter
    assert members.get().age == 67
    assert "Edwin" not in first["Location"]


def test_a_member_form_with_errors_keeps_what_was_typed(client, review):
    sign_in(client, review["office"])
    response = client.post(
        url("lcspr_family_member_add", review),
        {"name": "Edwin Farrow", "relationship": "", "sex": "male", "age": "many"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter their relationship to the child" in page
    assert "Enter the age as a whole number of years" in page
    assert 'value="Edwin Farrow"' in page
    assert not NetworkMember.unscoped.filter(lcspr=review["lcspr"]).exists()


def test_two_edits_of_one_member_conflict_visibly(client, review):
    mother = brought_in(review)["Mother"]
    opened = mother.version
    services.network_member_update(
        member=mother, actor=review["office"], version=opened, language="English"
    )
    with pytest.raises(ReviewConflict):
        services.network_member_update(
            member=mother, actor=review["reviewer"], version=opened, language="Welsh"
        )

    sign_in(client, review["reviewer"])
    response = client.post(
        url("lcspr_family_member", review, pk=mother.pk),
        {
            "form": "details",
            "version": opened,
            "name": MOTHER_NAME,
            "relationship": "Mother",
            "sex": "female",
            "language": "Welsh",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this while you were editing it" in page
    assert 'value="Welsh"' in page  # what they typed is kept, to save again
    mother.refresh_from_db()
    assert mother.language == "English"


def test_a_member_in_a_conversation_stays_in_the_network(review):
    mother = brought_in(review)["Mother"]
    services.conversation_record(
        lcspr=review["lcspr"],
        actor=review["reviewer"],
        held_on=timezone.localdate(),
        members=[mother],
        held_by=review["reviewer"],
        note="First meeting at home.",
    )
    with pytest.raises(ApplicationError):
        services.network_member_remove(member=mother, actor=review["office"])
    assert NetworkMember.unscoped.filter(pk=mother.pk).exists()


def test_couples_join_two_people_of_the_network_once(review):
    network = brought_in(review)
    father = services.network_member_add(
        lcspr=review["lcspr"], actor=review["office"], name="Rafe Colley", relationship="Father"
    )
    services.couple_add(
        lcspr=review["lcspr"],
        actor=review["office"],
        first=network["Mother"],
        second=father,
        kind="separated",
    )
    with pytest.raises(ApplicationError):
        services.couple_add(
            lcspr=review["lcspr"],
            actor=review["office"],
            first=father,
            second=network["Mother"],
            kind="partners",
        )


# --- Taking part (§7.3.1, §7.4.2) ---------------------------------------------------------


def test_not_taking_part_needs_a_reason(review):
    mother = brought_in(review)["Mother"]
    with pytest.raises(ApplicationError) as refused:
        services.participation_record(
            member=mother,
            actor=review["reviewer"],
            version=mother.version,
            participation=Participation.NOT_TAKING_PART,
        )
    assert refused.value.message == REASON_NEEDED
    with pytest.raises(ApplicationError) as refused:
        services.participation_record(
            member=mother,
            actor=review["reviewer"],
            version=mother.version,
            participation=Participation.NOT_TAKING_PART,
            non_participation_reason=NonParticipationReason.OTHER,
        )
    assert refused.value.message == OTHER_REASON_DETAIL


def test_the_page_asks_for_the_reason_and_keeps_the_detail_typed(client, review):
    mother = brought_in(review)["Mother"]
    sign_in(client, review["reviewer"])
    response = client.post(
        url("lcspr_family_member", review, pk=mother.pk),
        {
            "form": "participation",
            "taking-part-version": mother.version,
            "taking-part-participation": "not_taking_part",
            "taking-part-non_participation_detail": "Said so on the telephone.",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose why they are not taking part" in page
    assert "Said so on the telephone." in page
    mother.refresh_from_db()
    assert mother.participation == Participation.NOT_ASKED


def test_the_report_gets_the_reasons_without_any_name(review):
    network = brought_in(review)
    partner = services.network_member_add(
        lcspr=review["lcspr"],
        actor=review["office"],
        name="Corin Ashdown",
        relationship="Marguerite's partner",
    )
    for member, reason, detail in [
        (network["Mother"], NonParticipationReason.PARALLEL_INVESTIGATION, "Police advice."),
        (partner, NonParticipationReason.THEIR_CHOICE, "Corin declined by letter."),
    ]:
        services.participation_record(
            member=member,
            actor=review["reviewer"],
            version=member.version,
            participation=Participation.NOT_TAKING_PART,
            non_participation_reason=reason,
            non_participation_detail=detail,
        )

    rows = family_non_involvement(review["lcspr"])

    assert [(r.label, r.reason, r.detail) for r in rows] == [
        ("Mother", "parallel_investigation", "Police advice."),
        ("Family member 4", "their_choice", ""),  # the relationship and detail name people
    ]
    text = repr(rows)
    assert "Marguerite" not in text
    assert "Corin" not in text


# --- First contact (§7.3) and the letter and leaflet (§7.3.2) ----------------------------


def test_the_first_contact_is_recorded_at_its_version(review):
    mother = brought_in(review)["Mother"]
    fields = {
        "made_by": "Social worker, Leicester City Council",
        "made_on": timezone.localdate(),
        "letter_delivery": "hand_delivered",
        "leaflet_delivery": "hand_delivered",
        "response": "Wants to meet the Reviewer.",
    }
    contact = services.initial_contact_record(
        member=mother, actor=review["office"], version=0, **fields
    )
    assert contact.version == 1
    with pytest.raises(ReviewConflict):
        services.initial_contact_record(
            member=mother, actor=review["reviewer"], version=0, **fields
        )
    with pytest.raises(ApplicationError) as refused:
        services.initial_contact_record(
            member=mother,
            actor=review["reviewer"],
            version=1,
            **{**fields, "made_on": timezone.localdate() + timedelta(days=1)},
        )
    assert refused.value.message == CONTACT_IN_FUTURE


@pytest.mark.parametrize(
    ("slug", "office_address"),
    [("leicester", "115 Charles Street"), ("leicestershire-rutland", "County Hall, Glenfield")],
)
def test_the_letter_names_its_addressee_but_not_in_its_address_or_file_name(
    client, partnerships, slug, office_address, caplog
):
    partnership = partnerships[slug]
    case = open_case(partnership)
    FamilyMember.unscoped.create(case=case, relationship="Mother", name=MOTHER_NAME)
    reviewer = staff_user(partnership, role=Role.REVIEWER, first_name="Ada", last_name="Reviewer")
    lcspr = appoint(case, reviewer).lcspr
    services.network_bring_in(lcspr=lcspr, actor=None)
    mother = NetworkMember.unscoped.get(lcspr=lcspr)
    sign_in(client, reviewer)
    letter_url = reverse(
        "lcspr_family_letter_pdf", kwargs={"reference": case.reference, "pk": mother.pk}
    )
    with caplog.at_level(logging.INFO):
        response = client.get(letter_url)

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"Dear {MOTHER_NAME}" in text
    assert partnership.name in text
    assert office_address in text
    assert "Ada Reviewer" in text
    assert "Wrenfield" not in letter_url
    assert "Wrenfield" not in response["Content-Disposition"]
    assert case.reference in response["Content-Disposition"]
    assert "Wrenfield" not in caplog.text
    event = AccessEvent.unscoped.filter(route="lcspr_family_letter_pdf").get()
    assert event.action == AccessAction.DOWNLOAD
    assert event.object_reference == case.reference

    leaflet = client.get(reverse("lcspr_family_leaflet_pdf", kwargs={"reference": case.reference}))
    leaflet_text = pdf_text(leaflet.content)
    assert office_address in leaflet_text
    assert "Ada Reviewer" in leaflet_text
    assert "Wrenfield" not in leaflet_text


# --- Conversations (§7.4.1) and the workshop's warning ----------------------------------


def test_a_conversation_needs_who_it_was_with_and_who_held_it(review):
    mother = brought_in(review)["Mother"]
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as refused:
        services.conversation_record(
            lcspr=review["lcspr"], actor=review["reviewer"], held_on=today, members=[], note="x"
        )
    assert refused.value.message == CONVERSATION_MEMBERS
    with pytest.raises(ApplicationError) as refused:
        services.conversation_record(
            lcspr=review["lcspr"],
            actor=review["reviewer"],
            held_on=today,
            members=[mother],
            note="x",
        )
    assert refused.value.message == CONVERSATION_BY
    conversation = services.conversation_record(
        lcspr=review["lcspr"],
        actor=review["office"],
        held_on=today,
        members=[mother],
        held_by_name="Family liaison officer",
        note="Talked about the review.",
    )
    assert list(conversation.members.all()) == [mother]


def _conversation(review, lcspr=None, *, note="Talked about the review at home."):
    lcspr = lcspr or review["lcspr"]
    member = NetworkMember.unscoped.filter(lcspr=lcspr).first()
    return services.conversation_record(
        lcspr=lcspr,
        actor=review["office"],
        held_on=timezone.localdate() - timedelta(days=3),
        members=[member],
        held_by=review["reviewer"] if lcspr == review["lcspr"] else None,
        held_by_name="" if lcspr == review["lcspr"] else "Family liaison officer",
        note=note,
    )


def _hidden_version(page) -> str:
    """The version the page's form was opened at, as the browser sends it back."""
    tag = re.search(r'<input[^>]*name="version"[^>]*>', page.text).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def _conversation_data(review, conversation, version, **changes):
    held_on = conversation.held_on
    return {
        "held_on-day": held_on.day,
        "held_on-month": held_on.month,
        "held_on-year": held_on.year,
        "members": [m.pk for m in conversation.members.all()],
        "held_by": review["reviewer"].pk,
        "held_by_name": "",
        "note": conversation.note,
        "version": version,
        **changes,
    }


def test_a_conversation_is_changed_from_the_family_page_and_its_history_kept(client, review):
    network = brought_in(review)
    conversation = _conversation(review)
    sign_in(client, review["reviewer"])
    edit_url = url("lcspr_family_conversation", review, pk=conversation.pk)
    family_page = client.get(url("lcspr_family", review))
    assert f'href="{edit_url}"' in family_page.text
    page = client.get(edit_url)
    assert page.status_code == 200
    assert "Talked about the review at home.</textarea>" in page.text  # the form prefilled
    data = _conversation_data(
        review,
        conversation,
        _hidden_version(page),
        members=[network["Mother"].pk, network["Subject child"].pk],
        note="Talked about the review at home, with the child there.",
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302
    assert response["Location"] == url("lcspr_family", review)
    conversation.refresh_from_db()
    assert conversation.note == "Talked about the review at home, with the child there."
    assert set(conversation.members.all()) == {network["Mother"], network["Subject child"]}
    assert conversation.version == 2
    history = conversation.history.order_by("history_id")
    assert "Talked about the review at home." in [h.note for h in history]
    assert history.last().history_user == review["reviewer"]
    assert history.last().history_change_reason == "Conversation with the family changed"
    assert "with the child there" in client.get(url("lcspr_family", review)).text
    # Checked as when it was recorded: nobody, or a day to come, is refused; typed kept.
    refused = client.post(
        edit_url,
        {
            **data,
            "members": [],
            "held_on-year": timezone.localdate().year + 1,
            "note": "Kept as typed",
            "version": conversation.version,
        },
    )
    assert refused.status_code == 200
    assert "Choose who the conversation was with." in refused.text
    assert "Kept as typed</textarea>" in refused.text
    conversation.refresh_from_db()
    assert conversation.version == 2
    with pytest.raises(ApplicationError) as future:
        services.conversation_update(
            conversation=conversation,
            actor=review["office"],
            version=2,
            held_on=timezone.localdate() + timedelta(days=1),
            members=[network["Mother"]],
            held_by_name="Someone",
            note="x",
        )
    assert future.value.message == CONVERSATION_IN_FUTURE


def test_two_edits_of_one_conversation_conflict_visibly(client, review):
    brought_in(review)
    conversation = _conversation(review)
    edit_url = url("lcspr_family_conversation", review, pk=conversation.pk)
    first, second = client, Client()
    sign_in(first, review["office"])
    sign_in(second, review["reviewer"])
    first_version = _hidden_version(first.get(edit_url))
    second_version = _hidden_version(second.get(edit_url))

    saved = first.post(
        edit_url,
        _conversation_data(review, conversation, first_version, note="The office's correction."),
    )
    assert saved.status_code == 302
    typed = _conversation_data(
        review, conversation, second_version, note="The Reviewer's fuller note."
    )
    stale = second.post(edit_url, typed)
    assert stale.status_code == 200
    summary = stale.text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert escape("Someone else changed this while you were editing it.") in summary
    assert escape("The Reviewer's fuller note.") + "</textarea>" in stale.text
    conversation.refresh_from_db()
    assert conversation.note == "The office's correction."  # the first is not lost
    assert conversation.version == 2
    # Having checked, the Reviewer saves again from the page the conflict showed.
    again = second.post(edit_url, {**typed, "version": _hidden_version(stale)})
    assert again.status_code == 302
    conversation.refresh_from_db()
    assert conversation.note == "The Reviewer's fuller note."


def test_another_cases_conversation_is_not_found_under_this_reference(client, review, leicester):
    brought_in(review)
    other_case = open_case(leicester)
    other_lcspr = appoint(other_case, review["reviewer"]).lcspr
    services.network_member_add(
        lcspr=other_lcspr, actor=review["office"], name="Ambrose Kettleby", relationship="Father"
    )
    theirs = _conversation(review, other_lcspr, note="Another family's words.")
    sign_in(client, review["office"])
    under_ours = url("lcspr_family_conversation", review, pk=theirs.pk)
    for response in (
        client.get(under_ours),
        client.post(under_ours, {"note": "Overwritten", "version": theirs.version}),
    ):
        assert response.status_code == 404
        assert "Another family" not in response.text
        assert "Ambrose" not in response.text
    theirs.refresh_from_db()
    assert (theirs.note, theirs.version) == ("Another family's words.", 1)


def test_another_partnerships_conversation_is_not_found(client, review, lr):
    brought_in(review)
    conversation = _conversation(review)
    sign_in(client, staff_user(lr))
    edit_url = url("lcspr_family_conversation", review, pk=conversation.pk)
    for response in (
        client.get(edit_url),
        client.post(edit_url, {"note": "Overwritten", "version": conversation.version}),
    ):
        assert response.status_code == 404
        assert MOTHER_NAME not in response.text
        assert "Talked about the review" not in response.text
    conversation.refresh_from_db()
    assert conversation.version == 1


def test_the_chair_reads_the_conversations_but_cannot_change_them(client, review, leicester):
    brought_in(review)
    conversation = _conversation(review)
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    edit_url = url("lcspr_family_conversation", review, pk=conversation.pk)
    family_page = client.get(url("lcspr_family", review))
    assert "Talked about the review at home." in family_page.text
    assert edit_url not in family_page.text
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, {"note": "x", "version": 1}).status_code == 403


def _workshop(review, day):
    workshop = Workshop.unscoped.create(lcspr=review["lcspr"], is_held=True)
    starts = timezone.make_aware(datetime.combine(day, time(9, 30)))
    WorkshopSession.unscoped.create(
        workshop=workshop, starts_at=starts, ends_at=starts + timedelta(hours=3)
    )
    return workshop


def test_a_workshop_before_anyone_spoke_to_the_family_is_warned_of(client, review):
    mother = brought_in(review)["Mother"]
    assert workshop_before_family_spoken(review["lcspr"]) is None
    _workshop(review, timezone.localdate() + timedelta(days=20))

    warning = workshop_before_family_spoken(review["lcspr"])
    assert warning is not None
    assert "§7.4.1" in warning
    sign_in(client, review["office"])
    assert "no family member has been spoken to" in client.get(url("lcspr_family", review)).text
    assert family_status(review["lcspr"]).state == TaskState.ATTENTION

    services.conversation_record(
        lcspr=review["lcspr"],
        actor=review["reviewer"],
        held_on=timezone.localdate(),
        members=[mother],
        held_by=review["reviewer"],
        note="First meeting.",
    )
    assert workshop_before_family_spoken(review["lcspr"]) is None


def test_the_task_says_who_or_what_is_missing(review):
    assert family_status(review["lcspr"]).hint == NO_NETWORK
    network = brought_in(review)
    status = family_status(review["lcspr"])
    assert "3 members not yet asked" in status.hint
    assert NOBODY_SPOKEN_TO in status.hint
    for member in network.values():
        services.participation_record(
            member=member,
            actor=review["office"],
            version=member.version,
            participation=Participation.TAKING_PART,
        )
    assert "not yet asked" not in family_status(review["lcspr"]).hint


def test_the_lcspr_page_lists_the_family_task(client, review):
    sign_in(client, review["office"])
    page = client.get(reverse("lcspr_overview", kwargs={"reference": review["case"].reference}))
    assert "Engage the family" in page.text
    assert NO_NETWORK in page.text


# --- Who may see it, and the access log ----------------------------------------------------


def test_every_view_of_a_family_page_is_in_the_access_log(client, review):
    mother = brought_in(review)["Mother"]
    sign_in(client, review["reviewer"])
    pages = [
        url("lcspr_family", review),
        url("lcspr_family_member", review, pk=mother.pk),
        url("lcspr_family_member_add", review),
        url("lcspr_family_conversation_add", review),
        url("lcspr_family_conversation", review, pk=_conversation(review).pk),
    ]
    for page in pages:
        assert client.get(page).status_code == 200
    # A form shown back with its errors shows the family too.
    client.post(url("lcspr_family_member", review, pk=mother.pk), {"form": "details"})

    events = AccessEvent.unscoped.filter(object_reference=review["case"].reference).filter(
        route__startswith="lcspr_family"
    )
    assert [e.route for e in events.order_by("id")] == [
        "lcspr_family",
        "lcspr_family_member",
        "lcspr_family_member_add",
        "lcspr_family_conversation_add",
        "lcspr_family_conversation",
        "lcspr_family_member",
    ]
    assert {e.action for e in events} == {AccessAction.VIEW}
    assert {e.user for e in events} == {review["reviewer"]}
    logged = " ".join(f"{e.object_type} {e.object_reference} {e.route}" for e in events)
    assert "Wrenfield" not in logged


@pytest.mark.parametrize("role", [Role.INDEPENDENT_SCRUTINEER, Role.CRG_MEMBER])
def test_people_outside_the_review_team_are_refused(client, review, leicester, role):
    mother = brought_in(review)["Mother"]
    sign_in(client, staff_user(leicester, role=role))
    for page in [
        url("lcspr_family", review),
        url("lcspr_family_member", review, pk=mother.pk),
        url("lcspr_family_letter_pdf", review, pk=mother.pk),
    ]:
        response = client.get(page)
        assert response.status_code == 403
        assert MOTHER_NAME not in response.content.decode(errors="replace")


def test_an_agency_user_and_another_partnership_find_nothing(client, review, lr):
    mother = brought_in(review)["Mother"]
    sign_in(client, agency_user(AgencyFactory()))
    assert client.get(url("lcspr_family", review)).status_code == 403
    client.logout()
    sign_in(client, staff_user(lr))
    for page in [
        url("lcspr_family", review),
        url("lcspr_family_member", review, pk=mother.pk),
        url("lcspr_family_letter_pdf", review, pk=mother.pk),
    ]:
        response = client.get(page)
        assert response.status_code == 404
        assert MOTHER_NAME not in response.content.decode(errors="replace")


def test_the_chair_reads_the_family_but_changes_nothing(client, review, leicester):
    mother = brought_in(review)["Mother"]
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    page = client.get(url("lcspr_family_member", review, pk=mother.pk))
    assert page.status_code == 200
    assert MOTHER_NAME in page.text
    assert "Save the details" not in page.text
    response = client.post(
        url("lcspr_family_member", review, pk=mother.pk),
        {"form": "participation", "taking-part-participation": "taking_part"},
    )
    assert response.status_code == 403
    assert client.post(url("lcspr_family", review), {"form": "bring-in"}).status_code == 403
    assert not NetworkMember.unscoped.filter(lcspr=review["lcspr"], name="Posy").exists()


def test_a_reviewer_of_another_review_finds_nothing(client, review, leicester):
    mother = brought_in(review)["Mother"]
    other = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other)
    sign_in(client, other)
    response = client.get(url("lcspr_family_member", review, pk=mother.pk))
    assert response.status_code == 404
    assert MOTHER_NAME not in response.content.decode(errors="replace")
    assert not FamilyConversation.unscoped.exists()
