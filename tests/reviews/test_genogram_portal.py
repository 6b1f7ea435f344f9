"""The lead agency's own path to the genogram (§7.2.1: "The lead agency working with the
child/family will usually be asked to prepare a full and accurate genogram ... will be
updated based on any additional information"): the review team asks one agency; that
agency's portal users are emailed once and see it on their dashboard; a user of that
agency, and only of that agency, only while asked, uploads versions numbered after the
office's own; the review team sees who was asked, whether it arrived and who uploaded
each version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import AccessAction, AccessEvent, Case, Role
from cases.services.information_request import UPLOAD_CONTENT_MISMATCH
from reviews.models import GenogramAsk, GenogramUpload
from reviews.selectors.genogram import AWAITING, NOBODY_ASKED
from reviews.services import genogram_ask_record, genogram_upload_add
from reviews.services.genogram import (
    ASK_CONFLICT,
    ASK_DUE_NOT_WORKING_DAY,
    NOT_ASKED,
    genogram_ask_email_send,
)
from reviews.tasks import mail_sweep
from tests.cases.test_portal import PDF_BYTES, media  # noqa: F401 - keeps uploads out of var/
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user
from tests.factories import working_days_ahead as ahead
from tests.reviews.test_genogram import (
    CASE_ONLY_NAME,
    JPEG_BYTES,
    PNG_BYTES,
    family_review,
    page_url,
)

pytestmark = pytest.mark.django_db

SUBJECT = "Case {reference}: the review asks for your agency's genogram"
FAMILY_WORDS = ("Kowalski", "Whitlock", "Pemberton", "Jayden", "Chantelle")
# The family network's people who are not in the case's restricted file.
NETWORK_ONLY = ("Kowalski", "Pemberton", "Chantelle", "Darren", "Keeley")


@pytest.fixture
def review(leicester):
    return family_review(leicester)


def ask_of(review, agency, *, version=0, due_on=None, note="", actor=None):
    return genogram_ask_record(
        lcspr=review["lcspr"],
        agency=agency,
        due_on=due_on,
        note=note,
        version=version,
        actor=actor or staff_user(review["partnership"]),
    )


def asked(review, agency, capture, **kwargs):
    """The ask, its email sent as the commit would send it."""
    with capture(execute=True):
        return ask_of(review, agency, **kwargs)


def portal_url(ask):
    return reverse("portal_genogram", kwargs={"pk": ask.pk})


def version_url(ask, number):
    """The portal's address of the review's version `number`."""
    upload = GenogramUpload.unscoped.get(lcspr_id=ask.lcspr_id, number=number)
    return reverse("portal_genogram_version", kwargs={"pk": upload.pk})


def png(name="genogram.png"):
    return SimpleUploadedFile(name, PNG_BYTES)


# --- The ask and its email ---------------------------------------------------------------


def test_the_asked_agency_is_emailed_once_by_reference_only(
    review, django_capture_on_commit_callbacks
):
    agency = review["agency"]
    agency_user(agency, email="desk@city.example")
    agency_user(AgencyFactory(name="Another agency"), email="other@elsewhere.example")
    due = ahead(10, review["partnership"])
    ask = asked(review, agency, django_capture_on_commit_callbacks, due_on=due, note="Child A")
    (email,) = mail.outbox
    reference = review["case"].reference
    assert email.subject == SUBJECT.format(reference=reference)
    assert email.to == ["desk@city.example"]
    assert portal_url(ask) in email.body
    assert not any(word in email.body for word in FAMILY_WORDS)
    # Recorded again (a second submit of the same form), then the task and the sweep run
    # again: nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        again = ask_of(review, agency, version=0, due_on=due, note="Child A")
    assert again.pk == ask.pk
    assert again.version == ask.version == 1
    assert genogram_ask_email_send(partnership_id=review["partnership"].pk, ask_id=ask.pk) == 0
    assert genogram_ask_email_send(partnership_id=review["partnership"].pk, ask_id=ask.pk) == 0
    assert mail_sweep() == 0
    assert len(mail.outbox) == 1
    assert GenogramAsk.unscoped.count() == 1


def test_an_email_whose_job_was_lost_is_sent_by_the_sweep_once(review):
    agency_user(review["agency"], email="desk@city.example")
    ask = ask_of(review, review["agency"])  # no commit here: its job never ran
    assert mail.outbox == []
    GenogramAsk.unscoped.filter(pk=ask.pk).update(asked_at=timezone.now() - timedelta(hours=1))
    assert mail_sweep() == 1
    assert mail_sweep() == 0
    assert [m.to for m in mail.outbox] == [["desk@city.example"]]


def test_asking_another_agency_replaces_the_ask_keeps_the_history_and_tells_it(
    client, review, django_capture_on_commit_callbacks
):
    first_agency = review["agency"]
    second_agency = AgencyFactory(name="Leicester Partnership NHS Trust")
    first_user = agency_user(first_agency, email="desk@city.example")
    agency_user(second_agency, email="desk@nhs.example")
    first = asked(review, first_agency, django_capture_on_commit_callbacks)
    second = asked(review, second_agency, django_capture_on_commit_callbacks, version=1)
    assert second.pk == first.pk
    assert second.agency == second_agency
    assert second.version == 2
    assert [m.to for m in mail.outbox] == [["desk@city.example"], ["desk@nhs.example"]]
    assert {row.agency_id for row in second.history.all()} == {first_agency.pk, second_agency.pk}
    # The first agency's portal page and dashboard item are gone.
    sign_in(client, first_user)
    assert client.get(portal_url(first)).status_code == 404
    assert review["case"].reference not in client.get("/").content.decode()
    sign_in(client, staff_user(review["partnership"]))
    page = client.get(page_url(review)).content.decode()
    assert "Agencies asked before" in page
    assert escape(first_agency.name) in page


def test_a_stale_ask_is_a_conflict_and_changes_nothing(client, review):
    other = AgencyFactory(name="Leicestershire Police")
    ask_of(review, review["agency"])
    with pytest.raises(ApplicationError) as refused:
        ask_of(review, other, version=0)  # the page was opened before the first ask
    assert refused.value.message == ASK_CONFLICT
    assert GenogramAsk.unscoped.get().agency == review["agency"]
    # On the page: the conflict is shown, the choice kept, and the form now at the stored
    # version, so that saving again goes through.
    sign_in(client, staff_user(review["partnership"]))
    data = {"form": "ask", "ask-agency": other.pk, "ask-version": 0, "ask-note": "Typed"}
    response = client.post(page_url(review), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert escape(ASK_CONFLICT) in page
    assert 'value="Typed"' in page
    assert 'name="ask-version" value="1"' in page
    assert GenogramAsk.unscoped.get().agency == review["agency"]
    response = client.post(page_url(review), {**data, "ask-version": 1})
    assert response.status_code == 302
    assert GenogramAsk.unscoped.get().agency == other


def test_a_note_naming_the_family_or_a_due_date_on_a_weekend_is_refused(client, review):
    sign_in(client, staff_user(review["partnership"]))
    response = client.post(
        page_url(review),
        {
            "form": "ask",
            "ask-agency": review["agency"].pk,
            "ask-version": 0,
            "ask-note": "Chantelle Kowalski's partner has moved in",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "The note names the child or a member of the family" in page
    assert not GenogramAsk.unscoped.exists()
    saturday = timezone.localdate() + timedelta(days=14)
    saturday += timedelta(days=(5 - saturday.weekday()) % 7)
    with pytest.raises(ApplicationError) as refused:
        ask_of(review, review["agency"], due_on=saturday)
    assert refused.value.message == ASK_DUE_NOT_WORKING_DAY
    assert not GenogramAsk.unscoped.exists()


def test_the_crg_chair_cannot_ask(review):
    with pytest.raises(ApplicationError):
        ask_of(review, review["agency"], actor=staff_user(review["partnership"], Role.CRG_CHAIR))
    assert not GenogramAsk.unscoped.exists()


# --- Who must act --------------------------------------------------------------------------


def test_the_page_and_the_dashboards_say_who_must_act_until_it_arrives(client, review):
    office = staff_user(review["partnership"])
    sign_in(client, office)
    assert escape(NOBODY_ASKED) in client.get(page_url(review)).content.decode()
    due = ahead(5, review["partnership"])
    ask = ask_of(review, review["agency"], due_on=due, actor=office)
    page = client.get(page_url(review)).content.decode()
    assert escape(review["agency"].name) in page
    assert "Waiting for" in page
    assert "Not yet" in page
    user = agency_user(review["agency"])
    sign_in(client, user)
    dashboard = client.get("/").content.decode()
    assert "Upload your agency&#x27;s genogram" in dashboard
    assert portal_url(ask) in dashboard
    client.post(portal_url(ask), {"file": png()})
    assert portal_url(ask) not in client.get("/").content.decode()
    sign_in(client, office)
    page = client.get(page_url(review)).content.decode()
    assert "Waiting for" not in page
    assert "Arrived" in page
    assert "uploaded by the agency itself" in page
    assert AWAITING.split("{")[0] not in page


def test_the_office_is_told_to_chase_an_overdue_genogram(client, review):
    office = staff_user(review["partnership"])
    ask = ask_of(review, review["agency"], actor=office)
    GenogramAsk.unscoped.filter(pk=ask.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    sign_in(client, office)
    dashboard = client.get("/").content.decode()
    assert "Chase the genogram asked of" in dashboard
    assert review["case"].reference in dashboard


# --- The agency's upload -----------------------------------------------------------------


def test_the_agency_uploads_and_its_version_follows_the_offices(client, review):
    office = staff_user(review["partnership"])
    agency = review["agency"]
    genogram_upload_add(lcspr=review["lcspr"], actor=office, upload=png(), agency=agency)
    other_agency = AgencyFactory(name="Leicestershire Police")
    genogram_upload_add(
        lcspr=review["lcspr"], actor=office, upload=png("police.png"), agency=other_agency
    )
    ask = ask_of(review, agency, actor=office)
    user = agency_user(agency)
    sign_in(client, user)
    page = client.get(portal_url(ask)).content.decode()
    # Its own earlier version (made on its behalf), never the police's, never the
    # genogram the product draws from the family network.
    assert "Version 1" in page
    assert "on your agency's behalf" in page
    assert "Version 2" not in page
    assert 'role="img"' not in page
    assert not any(word in page for word in NETWORK_ONLY)
    # Asked to act, it is shown who the child and family are (from the case's restricted
    # file) to find its records, and each showing is access-logged.
    assert "Jayden Whitlock" in page
    assert CASE_ONLY_NAME in page
    assert AccessEvent.unscoped.filter(
        user=user, object_type="identifying details", route="portal_genogram"
    ).exists()
    response = client.post(
        portal_url(ask),
        {"file": SimpleUploadedFile("ours.jpg", JPEG_BYTES), "note": "Father's side added"},
    )
    assert response.status_code == 302
    version = GenogramUpload.unscoped.get(number=3)
    assert (version.agency, version.on_behalf, version.uploaded_by) == (agency, False, user)
    assert version.content_type == "image/jpeg"
    page = client.get(portal_url(ask)).content.decode()
    assert "Version 3 of your agency&#x27;s genogram is uploaded" in page
    download = client.get(version_url(ask, 3))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == JPEG_BYTES
    reference = review["case"].reference
    assert f"{reference}-genogram-version-3.jpg" in download["Content-Disposition"]
    assert AccessEvent.unscoped.filter(
        user=user,
        action=AccessAction.DOWNLOAD,
        route="portal_genogram_version",
        object_reference=reference,
    ).exists()
    assert client.get(version_url(ask, 2)).status_code == 404  # the police's
    # The review team sees which versions came from the agency itself.
    sign_in(client, office)
    page = client.get(page_url(review)).content.decode()
    assert "by the agency itself in the portal" in page
    assert "on the agency's behalf" in page


def test_a_non_image_upload_is_refused_clearly_and_nothing_is_saved(client, review):
    ask = ask_of(review, review["agency"])
    sign_in(client, agency_user(review["agency"]))
    response = client.post(
        portal_url(ask),
        {"file": SimpleUploadedFile("genogram.png", b"Maureen, grandmother"), "note": "Kept"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert escape(UPLOAD_CONTENT_MISMATCH.format(extension=".png")) in page
    assert 'value="Kept"' in page
    response = client.post(portal_url(ask), {"file": SimpleUploadedFile("g.pdf", PNG_BYTES)})
    assert escape(UPLOAD_CONTENT_MISMATCH.format(extension=".pdf")) in response.content.decode()
    assert not GenogramUpload.unscoped.exists()


def test_an_agency_not_asked_cannot_upload_through_the_service(review):
    ask_of(review, review["agency"])
    stranger = agency_user(AgencyFactory(name="Leicestershire Police"))
    with pytest.raises(ApplicationError) as refused:
        genogram_upload_add(lcspr=review["lcspr"], actor=stranger, upload=png())
    assert refused.value.message == NOT_ASKED
    # Nor the asked agency naming another agency, nor once the case is withdrawn.
    user = agency_user(review["agency"])
    with pytest.raises(ApplicationError):
        genogram_upload_add(
            lcspr=review["lcspr"],
            actor=user,
            upload=png(),
            agency=AgencyFactory(name="Another"),
        )
    Case.unscoped.filter(pk=review["case"].pk).update(withdrawn_at=timezone.now())
    review["lcspr"].case.refresh_from_db()
    with pytest.raises(ApplicationError):
        genogram_upload_add(lcspr=review["lcspr"], actor=user, upload=png())
    assert not GenogramUpload.unscoped.exists()


# --- Isolation of the portal routes (tests/test_isolation.py GENOGRAM_PORTAL_ROUTES) ------


def test_only_the_asked_agency_reaches_its_ask_in_either_partnership(client, review, leicester, lr):
    """Both portal routes, read and (for the page) upload, by the asked agency's user, by
    another agency's (one serving both partnerships, one serving only the other), by the
    formerly asked agency's, and by every staff role of both partnerships: only the asked
    agency's user is let in, and to its own partnership's ask only."""
    genogram_upload_add(
        lcspr=review["lcspr"], actor=staff_user(leicester), upload=png(), agency=review["agency"]
    )
    leicester_ask = ask_of(review, review["agency"])
    lr_case = open_case(lr)
    lr_lcspr = appoint(lr_case, staff_user(lr, role=Role.REVIEWER)).lcspr
    lr_agency = AgencyFactory(name="Rutland County Council", partnerships=[lr])
    lr_office = staff_user(lr)
    genogram_upload_add(lcspr=lr_lcspr, actor=lr_office, upload=png(), agency=lr_agency)
    lr_ask = genogram_ask_record(
        lcspr=lr_lcspr, agency=lr_agency, due_on=None, note="", version=0, actor=lr_office
    )
    formerly = AgencyFactory(name="Leicester Schools", partnerships=[leicester])
    replaced_case = open_case(leicester)
    replaced_lcspr = appoint(replaced_case, staff_user(leicester, role=Role.REVIEWER)).lcspr
    replaced = genogram_ask_record(
        lcspr=replaced_lcspr, agency=formerly, due_on=None, note="", version=0, actor=None
    )
    # The formerly asked agency uploaded version 1 while asked; it is not asked now.
    formerly_user = agency_user(formerly)
    genogram_upload_add(lcspr=replaced_lcspr, actor=formerly_user, upload=png())
    genogram_ask_record(
        lcspr=replaced_lcspr, agency=review["agency"], due_on=None, note="", version=1, actor=None
    )
    genogram_upload_add(lcspr=replaced_lcspr, actor=None, upload=png(), agency=review["agency"])
    own_of_replaced = GenogramAsk.unscoped.get(pk=replaced.pk)
    asks = {leicester_ask.pk: review["case"], lr_ask.pk: lr_case, replaced.pk: replaced_case}
    users = {
        agency_user(review["agency"]): {leicester_ask.pk, replaced.pk},
        agency_user(lr_agency): {lr_ask.pk},
        agency_user(AgencyFactory(name="Leicestershire Police")): set(),  # serves both
        formerly_user: set(),
        **{
            staff_user(p, role=role): set()
            for p in (leicester, lr)
            for role in Role
            if role != Role.AGENCY_USER
        },
    }
    wrong = []
    for user, theirs in users.items():
        sign_in(client, user)
        is_agency = user.memberships.get().agency_id is not None
        for pk, case in asks.items():
            ask = GenogramAsk.unscoped.get(pk=pk)
            expected = 200 if pk in theirs else (404 if is_agency else 403)
            # The version the ask's agency may read: version 1, or for the replaced ask the
            # version 2 uploaded for the agency asked now.
            number = 2 if ask.pk == own_of_replaced.pk else 1
            for url in (portal_url(ask), version_url(ask, number)):
                response = client.get(url)
                if response.status_code != expected:
                    wrong.append((user.username, url, response.status_code, expected))
                if expected != 200 and case.reference in response.content.decode(errors="replace"):
                    wrong.append((user.username, url, "shows the reference"))
            before = GenogramUpload.unscoped.count()
            response = client.post(portal_url(ask), {"file": png()})
            if pk not in theirs and (
                response.status_code != expected or GenogramUpload.unscoped.count() != before
            ):
                wrong.append((user.username, "POST", portal_url(ask), response.status_code))
    assert wrong == []
    # The formerly asked agency no longer reads even the version it uploaded itself.
    sign_in(client, formerly_user)
    assert client.get(version_url(own_of_replaced, 1)).status_code == 404
