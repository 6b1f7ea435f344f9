"""The agency portal and the Business Office's request pages, through the web as people
use them: replies, chronologies, documents, sharing decisions, and the Combined Summary."""

import io
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pypdf
import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils import dateformat, timezone
from django.utils.html import escape

from cases import services
from cases.forms.portal import ChronologyEntryForm, SharingDecisionForm
from cases.forms.requests import ReturnRequestForm
from cases.models import (
    AccessAction,
    AccessEvent,
    AgencyKind,
    Attachment,
    ChronologyEntry,
    CombinedSummary,
    Escalation,
    EscalationCause,
    EscalationStep,
    InformationRequest,
    InformationSharingDecision,
    Involvement,
    ReplyKind,
    RequestStatus,
    Stage,
)
from cases.services.combined_summary import SUMMARY_CONFLICT
from cases.services.information_request import (
    CONFLICT,
    ESCALATION_NOT_YET_DUE,
    FACTUAL_SUMMARY_NEEDS_LIMITED_INVOLVEMENT,
    NOT_OPEN_FOR_AGENCY,
    RECORDS_SECURED_DETAILS,
    RECORDS_SECURED_REQUIRED,
    REFERRAL_NOT_DECIDED,
    REQUIRED_TO_SUBMIT,
    UPLOAD_CONTENT_MISMATCH,
    UPLOAD_EMPTY,
    UPLOAD_TOO_BIG,
    UPLOAD_TYPE_REFUSED,
)
from cases.tenancy import Scope
from tests.factories import AgencyFactory, agency_user, open_case, sign_in, working_days_ahead

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads go to a temporary directory, not var/."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)


@pytest.fixture
def portal_user(police):
    return agency_user(police, username="police-portal")


def today():
    return timezone.localdate()


def request_to(partnership, agency, *, case=None, due=None):
    case = case or open_case(partnership, stage=Stage.RAPID_REVIEW)
    (request,) = services.information_requests_send(
        case=case, agencies=[agency], reply_due_on=due or working_days_ahead(7), actor=None
    )
    return request


@pytest.fixture
def item(leicester, police):
    """A Leicester request to the police."""
    return request_to(leicester, police)


def reload(request) -> InformationRequest:
    return InformationRequest.objects.for_partnership(request.case.partnership).get(pk=request.pk)


def scope_of(user):
    return Scope(user=user, membership=user.memberships.get())


# --- Reading pages ------------------------------------------------------------------------


def field_errors(response, name) -> list[str]:
    """The error messages shown next to a field (GOV.UK error message)."""
    return [
        unescape(text)
        for text in re.findall(
            rf'<p id="id_{name}-error" class="govuk-error-message">'
            r'<span class="govuk-visually-hidden">Error:</span> (.*?)</p>',
            response.text,
            re.S,
        )
    ]


def textarea(response, name) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert match, f"no {name} box on the page"
    return unescape(match.group(1))


def input_value(response, name) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.text)
    assert match, f"no {name} input on the page"
    return unescape(match.group(1))


def version_on(response) -> int:
    return int(input_value(response, "version"))


def ticked(response, name) -> set[str]:
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.text)
    return {re.search(r'value="([^"]*)"', box).group(1) for box in boxes if " checked" in box}


def listed(response, name) -> set[str]:
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.text)
    return {re.search(r'value="([^"]*)"', box).group(1) for box in boxes}


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def date_parts(name, day) -> dict:
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


# --- The reply form -----------------------------------------------------------------------

BLANK_REPLY = {
    "reply_kind": ReplyKind.REPLY,
    "involvement": "",
    "involvement_summary": "",
    "dates_and_contacts": "",
    "actions_taken": "",
    "concerns": "",
    "facts": "",
    "opinion": "",
    "records_secured": "",
    "records_secured_on-day": "",
    "records_secured_on-month": "",
    "records_secured_on-year": "",
    "records_nominated_representative": "",
    "completed_by": "",
}


def complete_reply(**values):
    return {
        **BLANK_REPLY,
        "involvement": "yes",
        "involvement_summary": "Neighbourhood officers attended twice in 2026.",
        "facts": "Call-out on 4 October; no arrests.",
        "opinion": "The household was under strain.",
        "records_secured": "yes",
        **date_parts("records_secured_on", today() - timedelta(days=1)),
        "records_nominated_representative": "DS Khan, Public Protection",
        "completed_by": "DS Khan, Public Protection",
        **values,
    }


def portal_url(item, part=""):
    return f"/portal/requests/{item.pk}/{part}"


def post_reply(client, item, data, *, version, button="save"):
    return client.post(portal_url(item), {**data, "version": version, button: ""})


def test_the_portal_lists_the_agencys_requests_from_both_partnerships(
    client, leicester, lr, police, health, portal_user
):
    own_leicester = request_to(leicester, police)
    own_lr = request_to(lr, police)
    others = request_to(leicester, health)
    sign_in(client, portal_user)
    page = client.get("/portal/")
    assert page.status_code == 200
    assert own_leicester.case.reference in page.text
    assert own_lr.case.reference in page.text
    assert leicester.name in page.text
    assert escape(lr.name) in page.text
    assert others.case.reference not in page.text
    assert client.get(portal_url(others)).status_code == 404


def test_saving_a_draft_keeps_the_text_and_starts_the_reply(client, item, portal_user):
    sign_in(client, portal_user)
    opened = client.get(portal_url(item))
    assert opened.status_code == 200
    data = {**BLANK_REPLY, "facts": "Call-out on 4 October.", "opinion": "Strain at home."}
    response = post_reply(client, item, data, version=version_on(opened))
    assert response.status_code == 302
    saved = reload(item)
    assert saved.status == RequestStatus.IN_PROGRESS
    assert saved.facts == "Call-out on 4 October."
    again = client.get(portal_url(item))
    assert textarea(again, "facts") == "Call-out on 4 October."
    assert textarea(again, "opinion") == "Strain at home."
    # And the next save, from the page as it now stands, goes through.
    data["facts"] = "Call-outs on 4 and 9 October."
    assert post_reply(client, item, data, version=version_on(again)).status_code == 302
    assert reload(item).facts == "Call-outs on 4 and 9 October."


def test_a_draft_stays_with_the_agency_until_it_is_submitted(
    client, item, portal_user, leicester_office
):
    sign_in(client, portal_user)
    post_reply(client, item, {**BLANK_REPLY, "facts": "Draft: two call-outs."}, version=1)
    portal_page = client.get(portal_url(item))
    assert "stay with your agency until you submit them" in portal_page.text
    sign_in(client, leicester_office)
    office_page = client.get(case_request_url(item))
    assert RequestStatus.IN_PROGRESS.label in office_page.text
    assert "Draft: two call-outs." not in office_page.text
    assert client.get(f"/requests/{item.pk}/reply.pdf").status_code == 404


def test_two_people_editing_one_reply_never_overwrite_each_other(client, item, police, portal_user):
    colleague = agency_user(police, username="police-colleague")
    other = sign_in(Client(), colleague)
    sign_in(client, portal_user)
    first_page = client.get(portal_url(item))
    second_page = other.get(portal_url(item))
    assert version_on(first_page) == version_on(second_page)

    first = {**BLANK_REPLY, "facts": "Mine: two call-outs."}
    assert post_reply(client, item, first, version=version_on(first_page)).status_code == 302

    second = {**BLANK_REPLY, "facts": "Theirs: one call-out & a referral."}
    response = post_reply(other, item, second, version=version_on(second_page))
    assert response.status_code == 200
    assert escape(CONFLICT) in response.text
    assert textarea(response, "facts") == "Theirs: one call-out & a referral."
    assert reload(item).facts == "Mine: two call-outs."


def test_an_incomplete_submit_is_kept_as_a_draft_and_says_whats_missing(client, item, portal_user):
    sign_in(client, portal_user)
    opened = client.get(portal_url(item))
    data = {**BLANK_REPLY, "facts": "Call-out on 4 October.", "concerns": "Repeated calls."}
    response = post_reply(client, item, data, version=version_on(opened), button="submit")
    assert response.status_code == 200
    missing = {k: v for k, v in REQUIRED_TO_SUBMIT[ReplyKind.REPLY].items() if k != "facts"}
    for field, message in missing.items():
        assert field_errors(response, field) == [message], field
    assert field_errors(response, "records_secured") == [RECORDS_SECURED_REQUIRED]
    assert field_errors(response, "facts") == []
    assert textarea(response, "facts") == "Call-out on 4 October."
    assert textarea(response, "concerns") == "Repeated calls."
    saved = reload(item)
    assert saved.status == RequestStatus.IN_PROGRESS
    assert saved.facts == "Call-out on 4 October."
    assert saved.concerns == "Repeated calls."
    assert saved.submitted_at is None
    # Completing the same page and submitting again works: no false conflict.
    done = complete_reply(concerns="Repeated calls.")
    response = post_reply(client, item, done, version=version_on(response), button="submit")
    assert response.status_code == 302
    assert reload(item).status == RequestStatus.SUBMITTED


def test_records_secured_needs_its_date_and_representative(client, item, portal_user):
    sign_in(client, portal_user)
    data = complete_reply(
        **{
            "records_secured_on-day": "",
            "records_secured_on-month": "",
            "records_secured_on-year": "",
            "records_nominated_representative": "",
        }
    )
    response = post_reply(client, item, data, version=item.version, button="submit")
    assert response.status_code == 200
    assert field_errors(response, "records_secured_on") == [RECORDS_SECURED_DETAILS]
    assert reload(item).status == RequestStatus.IN_PROGRESS


def test_a_complete_reply_is_submitted_and_then_read_only(client, item, portal_user):
    sign_in(client, portal_user)
    response = post_reply(client, item, complete_reply(), version=item.version, button="submit")
    assert response.status_code == 302
    submitted = reload(item)
    assert submitted.status == RequestStatus.SUBMITTED
    assert submitted.submitted_by == portal_user
    assert submitted.records_secured is True
    page = client.get(portal_url(item))
    assert page.status_code == 200
    assert 'name="facts"' not in page.text
    assert "Call-out on 4 October; no arrests." in page.text
    # A POST (an old tab, a replayed form) changes nothing.
    late = complete_reply(facts="Changed after submitting.")
    client.post(portal_url(item), {**late, "version": submitted.version, "submit": ""})
    client.post(portal_url(item), {**late, "version": submitted.version, "save": ""})
    after = reload(item)
    assert after.facts == "Call-out on 4 October; no arrests."
    assert after.status == RequestStatus.SUBMITTED
    assert after.version == submitted.version


@pytest.mark.parametrize("involvement", [Involvement.LIMITED, Involvement.NONE])
def test_a_factual_summary_needs_fewer_fields(client, item, portal_user, involvement):
    sign_in(client, portal_user)
    data = {
        **BLANK_REPLY,
        "reply_kind": ReplyKind.FACTUAL_SUMMARY,
        "involvement": involvement,
        "involvement_summary": "One attendance in 2024; no further contact.",
        "records_secured": "no",
        "completed_by": "PC Ward",
    }
    response = post_reply(client, item, data, version=item.version, button="submit")
    assert response.status_code == 302
    submitted = reload(item)
    assert submitted.status == RequestStatus.SUBMITTED
    assert submitted.reply_kind == ReplyKind.FACTUAL_SUMMARY
    assert submitted.involvement == involvement
    assert submitted.facts == ""


def test_a_factual_summary_is_refused_where_the_agency_was_fully_involved(
    client, item, portal_user
):
    sign_in(client, portal_user)
    data = {
        **BLANK_REPLY,
        "reply_kind": ReplyKind.FACTUAL_SUMMARY,
        "involvement": Involvement.YES,
        "involvement_summary": "Weekly visits throughout 2026.",
        "records_secured": "no",
        "completed_by": "PC Ward",
    }
    response = post_reply(client, item, data, version=item.version, button="submit")
    assert response.status_code == 200
    assert field_errors(response, "involvement") == [FACTUAL_SUMMARY_NEEDS_LIMITED_INVOLVEMENT]
    assert textarea(response, "involvement_summary") == "Weekly visits throughout 2026."
    saved = reload(item)
    assert saved.status == RequestStatus.IN_PROGRESS
    assert saved.involvement_summary == "Weekly visits throughout 2026."
    # The full reply, with the same answer, goes through.
    full = complete_reply(involvement=Involvement.YES)
    response = post_reply(client, item, full, version=saved.version, button="submit")
    assert response.status_code == 302
    assert reload(item).status == RequestStatus.SUBMITTED


def test_a_factual_summary_still_needs_its_summary(client, item, portal_user):
    sign_in(client, portal_user)
    data = {**BLANK_REPLY, "reply_kind": ReplyKind.FACTUAL_SUMMARY, "records_secured": "no"}
    response = post_reply(client, item, data, version=item.version, button="submit")
    assert response.status_code == 200
    for field, message in REQUIRED_TO_SUBMIT[ReplyKind.FACTUAL_SUMMARY].items():
        assert field_errors(response, field) == [message]
    assert field_errors(response, "facts") == []
    assert reload(item).status == RequestStatus.IN_PROGRESS


# --- The chronology -----------------------------------------------------------------------


def entry_form(**values):
    return {
        **date_parts("happened_on", today() - timedelta(days=3)),
        "happened_at": "14:30",
        "source": "Niche RMS",
        "event": "Officers attended a report of shouting.",
        "agency_response": "Words of advice; referral to Children's Services.",
        "analysis": "",
        "expected_practice": "",
        **values,
    }


def entries(item):
    return list(ChronologyEntry.objects.for_partnership(item.case.partnership).filter(request=item))


def test_chronology_entries_are_added_and_removed(client, item, portal_user):
    sign_in(client, portal_user)
    response = client.post(portal_url(item, "chronology/"), entry_form())
    assert response.status_code == 302
    (entry,) = entries(item)
    assert entry.event == "Officers attended a report of shouting."
    assert entry.happened_at.strftime("%H:%M") == "14:30"
    assert (
        "Officers attended a report of shouting."
        in client.get(portal_url(item, "chronology/")).text
    )
    assert reload(item).status == RequestStatus.IN_PROGRESS
    assert client.post(f"/portal/chronology/{entry.pk}/remove/").status_code == 302
    assert entries(item) == []


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"event": ""},
            "event",
            ChronologyEntryForm.base_fields["event"].error_messages["required"],
        ),
        (
            {"happened_at": "25:99"},
            "happened_at",
            ChronologyEntryForm.base_fields["happened_at"].error_messages["invalid"],
        ),
        (
            date_parts("happened_on", timezone.localdate() + timedelta(days=2)),
            "happened_on",
            "The date cannot be in the future.",
        ),
    ],
)
def test_a_chronology_entry_with_a_mistake_is_refused_and_what_was_typed_is_kept(
    client, item, portal_user, values, field, message
):
    sign_in(client, portal_user)
    typed = entry_form(**values)
    response = client.post(portal_url(item, "chronology/"), typed)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert input_value(response, "source") == "Niche RMS"
    assert input_value(response, "happened_at") == typed["happened_at"]
    for part in ("day", "month", "year"):
        assert input_value(response, f"happened_on-{part}") == str(typed[f"happened_on-{part}"])
    assert textarea(response, "agency_response") == (
        "Words of advice; referral to Children's Services."
    )
    assert entries(item) == []


def test_a_submitted_replys_chronology_cannot_change(client, item, portal_user):
    sign_in(client, portal_user)
    client.post(portal_url(item, "chronology/"), entry_form())
    (entry,) = entries(item)
    post_reply(client, item, complete_reply(), version=reload(item).version, button="submit")
    assert reload(item).status == RequestStatus.SUBMITTED
    client.post(portal_url(item, "chronology/"), entry_form(event="A later event."))
    client.post(f"/portal/chronology/{entry.pk}/remove/")
    assert [e.event for e in entries(item)] == ["Officers attended a report of shouting."]


# --- Documents ----------------------------------------------------------------------------


def upload(client, item, name, content):
    return client.post(portal_url(item, "documents/"), {"file": SimpleUploadedFile(name, content)})


def attachments(item):
    return list(Attachment.objects.for_partnership(item.case.partnership).filter(request=item))


def flashed(response) -> list[str]:
    """The messages the next page shows (a success banner)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def downloaded(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_pdf_is_attached_and_downloaded_by_the_agency_and_the_business_office(
    client, item, portal_user, leicester_office, media
):
    sign_in(client, portal_user)
    response = upload(client, item, "visit-notes.pdf", PDF_BYTES)
    assert response.status_code == 302
    assert flashed(response) == ["The document is attached."]
    (attachment,) = attachments(item)
    assert attachment.original_name == "visit-notes.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert "visit-notes.pdf" in client.get(portal_url(item, "documents/")).text
    sign_in(client, leicester_office)
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404  # still a draft
    submitted(item, portal_user)

    for user in (portal_user, leicester_office):
        sign_in(client, user)
        response = client.get(f"/documents/{attachment.pk}/")
        assert downloaded(response) == PDF_BYTES
        assert response["Content-Disposition"] == (
            f'attachment; filename="{item.case.reference}-document-{attachment.pk}.pdf"'
        )
        assert AccessEvent.unscoped.filter(
            user=user,
            action=AccessAction.DOWNLOAD,
            object_reference=item.case.reference,
        ).exists()


def test_a_download_is_named_by_the_case_never_by_the_agencys_file_name(
    client, item, portal_user, leicester_office
):
    sign_in(client, portal_user)
    response = upload(client, item, "Jasmine Quillfeather visit.PDF", PDF_BYTES)
    assert flashed(response) == ["The document is attached."]
    (attachment,) = attachments(item)
    submitted(item, portal_user)
    for user in (portal_user, leicester_office):
        sign_in(client, user)
        response = client.get(f"/documents/{attachment.pk}/")
        assert downloaded(response) == PDF_BYTES
        disposition = response["Content-Disposition"]
        assert f"{item.case.reference}-document-{attachment.pk}.pdf" in disposition
        for part in ("Jasmine", "Quillfeather", "visit"):
            assert part not in disposition


def test_a_stored_document_is_outside_the_web_root_under_another_name(
    client, item, portal_user, media
):
    sign_in(client, portal_user)
    upload(client, item, "Jasmine-Quillfeather-visit.pdf", PDF_BYTES)
    (attachment,) = attachments(item)
    stored = Path(attachment.file.path).resolve()
    assert stored.read_bytes() == PDF_BYTES
    assert stored.is_relative_to(media.resolve())
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    for folder in django_settings.STATICFILES_DIRS:
        assert not stored.is_relative_to(Path(folder).resolve())
    assert "Quillfeather" not in attachment.file.name
    assert "visit" not in stored.name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "report.pdf",
            b"MZ\x90\x00 not a pdf at all",
            UPLOAD_CONTENT_MISMATCH.format(extension=".pdf"),
        ),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", UPLOAD_TYPE_REFUSED),
        ("empty.pdf", b"", UPLOAD_EMPTY),
        ("notes.txt", b"\x00\x01\x02binary", UPLOAD_CONTENT_MISMATCH.format(extension=".txt")),
    ],
)
def test_unacceptable_files_are_refused(client, item, portal_user, name, content, message):
    sign_in(client, portal_user)
    response = upload(client, item, name, content)
    assert response.status_code == 200
    assert field_errors(response, "file") == [message]
    assert attachments(item) == []


def test_an_oversized_file_is_refused(client, item, portal_user, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    sign_in(client, portal_user)
    response = upload(client, item, "big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    assert response.status_code == 200
    assert field_errors(response, "file") == [
        UPLOAD_TOO_BIG.format(size=filesizeformat(django_settings.UPLOAD_MAX_BYTES))
    ]
    assert attachments(item) == []
    assert upload(client, item, "small.pdf", PDF_BYTES).status_code == 302


def test_a_far_too_large_upload_is_refused_without_reading_it(item, portal_user, settings):
    """The body is not read past the limit, let alone spooled to disk (issue 11, item 9)."""
    from django.test import Client

    settings.UPLOAD_MAX_BYTES = 256 * 1024
    browser = Client(enforce_csrf_checks=True)  # the CSRF token, sent first, is still read
    sign_in(browser, portal_user)
    page = browser.get(portal_url(item, "documents/"))
    response = browser.post(
        portal_url(item, "documents/"),
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "file": SimpleUploadedFile("huge.pdf", PDF_BYTES + b"0" * (4 * 1024 * 1024)),
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "file") == [
        UPLOAD_TOO_BIG.format(size=filesizeformat(django_settings.UPLOAD_MAX_BYTES))
    ]
    unread = len(response.wsgi_request.META["wsgi.input"])
    assert unread > 4 * 1024 * 1024 - settings.UPLOAD_MAX_BYTES
    assert attachments(item) == []


def test_a_file_over_the_limit_is_dropped_as_it_arrives(client, item, portal_user, settings):
    """A body whose length leaves room for the file is still stopped once the file passes
    the limit: the view never receives the file."""
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    sign_in(client, portal_user)
    response = upload(client, item, "big.pdf", PDF_BYTES + b"0" * (settings.UPLOAD_MAX_BYTES))
    assert field_errors(response, "file") == [
        UPLOAD_TOO_BIG.format(size=filesizeformat(django_settings.UPLOAD_MAX_BYTES))
    ]
    assert "file" not in response.wsgi_request.FILES
    assert upload(client, item, "small.pdf", PDF_BYTES).status_code == 302


def test_a_withdrawn_document_is_no_longer_downloadable(
    client, item, portal_user, leicester_office
):
    sign_in(client, portal_user)
    upload(client, item, "visit-notes.pdf", PDF_BYTES)
    (attachment,) = attachments(item)
    response = client.post(f"/portal/documents/{attachment.pk}/remove/")
    assert response.status_code == 302
    assert flashed(response)[-1] == "The document is withdrawn."
    assert f"/documents/{attachment.pk}/" not in client.get(portal_url(item, "documents/")).text
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404
    sign_in(client, leicester_office)
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404


def test_another_agencys_document_is_not_found(client, leicester, item, health, portal_user):
    sign_in(client, portal_user)
    upload(client, item, "visit-notes.pdf", PDF_BYTES)
    (attachment,) = attachments(item)
    sign_in(client, agency_user(health))
    assert client.get(f"/documents/{attachment.pk}/").status_code == 404


# --- Information-sharing decisions (§2.1.6) --------------------------------------------------


def decisions(item):
    return list(
        InformationSharingDecision.objects.for_partnership(item.case.partnership).filter(
            request=item
        )
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_sharing_decision_needs_a_reason(client, item, portal_user, reason):
    sign_in(client, portal_user)
    response = client.post(
        portal_url(item, "sharing-decisions/"),
        {"information": "Intelligence reports", "decision": "withheld", "reason": reason},
    )
    assert response.status_code == 200
    assert field_errors(response, "reason") == [
        SharingDecisionForm.base_fields["reason"].error_messages["required"]
    ]
    assert input_value(response, "information") == "Intelligence reports"
    assert decisions(item) == []


def test_a_sharing_decision_is_recorded_with_its_reason(client, item, portal_user):
    sign_in(client, portal_user)
    response = client.post(
        portal_url(item, "sharing-decisions/"),
        {
            "information": "Intelligence reports",
            "decision": "withheld",
            "reason": "Live investigation; shared with the chair orally.",
        },
    )
    assert response.status_code == 302
    (decision,) = decisions(item)
    assert decision.reason == "Live investigation; shared with the chair orally."
    assert decision.decided_by == portal_user
    page = client.get(portal_url(item, "sharing-decisions/"))
    assert "Live investigation; shared with the chair orally." in page.text


def test_no_sharing_decision_is_added_once_the_reply_is_submitted(client, item, portal_user):
    sign_in(client, portal_user)
    decision = {
        "information": "Intelligence reports",
        "decision": "withheld",
        "reason": "Live investigation.",
    }
    assert client.post(portal_url(item, "sharing-decisions/"), decision).status_code == 302
    post_reply(client, item, complete_reply(), version=reload(item).version, button="submit")
    assert reload(item).status == RequestStatus.SUBMITTED
    late = {**decision, "information": "Custody records", "reason": "Decided afterwards."}
    response = client.post(portal_url(item, "sharing-decisions/"), late)
    assert response.status_code == 200
    assert escape(NOT_OPEN_FOR_AGENCY) in response.text
    assert [d.information for d in decisions(item)] == ["Intelligence reports"]


# --- The Business Office ------------------------------------------------------------------


@pytest.fixture
def school(leicester, lr):
    return AgencyFactory(name="Braunstone Primary School", kind=AgencyKind.SCHOOL)


def test_the_send_form_ticks_the_usual_agencies_and_sends(
    client, leicester, police, health, school, leicester_office
):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    leicester.usual_agencies.set([police, school])
    sign_in(client, leicester_office)
    url = f"/cases/{case.reference}/requests/send/"
    page = client.get(url)
    assert page.status_code == 200
    assert ticked(page, "agencies") == {str(police.pk), str(school.pk)}
    assert {str(health.pk)} <= listed(page, "agencies")
    assert 'name="school_holiday_exception"' in page.text
    due = working_days_ahead(8)
    response = client.post(
        url,
        {
            "agencies": [police.pk, health.pk],
            **date_parts("reply_due_on", due),
            "letter_note": "Any contact since January.",
            "school_holiday_exception": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.reference}/requests/"
    sent = InformationRequest.objects.for_partnership(leicester).filter(case=case)
    assert sorted(r.agency.name for r in sent) == sorted([police.name, health.name])
    assert {r.reply_due_on for r in sent} == {due}
    # Agencies already asked are no longer offered.
    assert listed(client.get(url), "agencies") == {str(school.pk)}


def test_the_send_message_names_the_agencies_nobody_can_be_emailed_at(
    client, leicester, police, health, portal_user, leicester_office
):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    sign_in(client, leicester_office)
    url = f"/cases/{case.reference}/requests/send/"
    form = {**date_parts("reply_due_on", working_days_ahead(8)), "letter_note": ""}
    response = client.post(url, {**form, "agencies": [police.pk, health.pk]})
    assert response.status_code == 302
    (message,) = flashed(response)
    # The police have a portal user, so heard by email; nobody at the health trust can.
    assert police.name not in message
    # A short heading, then the agencies to reach another way, one a line.
    (banner,) = re.findall(
        r'<div class="govuk-notification-banner__content">(.*?)</div>',
        client.get(response["Location"]).text,
        re.S,
    )
    heading = re.search(r'<h3 class="govuk-notification-banner__heading">(.*?)</h3>', banner)
    assert heading.group(1) == "Requests sent to 2 agencies"
    assert re.findall(r"<li>(.*?)</li>", banner) == [escape(health.name)]
    assert "The other agency&#x27;s portal users have been emailed a link." in banner


def test_the_send_message_names_no_agency_when_all_were_emailed(
    client, leicester, police, portal_user, leicester_office
):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    sign_in(client, leicester_office)
    response = client.post(
        f"/cases/{case.reference}/requests/send/",
        {"agencies": [police.pk], **date_parts("reply_due_on", working_days_ahead(8))},
    )
    assert response.status_code == 302
    (message,) = flashed(response)
    assert police.name not in message


def test_a_referral_the_crg_has_not_decided_on_sends_no_requests(
    client, leicester, police, leicester_office
):
    case = services.referral_record(
        partnership=leicester,
        details=services.ReferralDetails(received_on=today(), summary="Concerns from school."),
        children=[services.ChildDetails(local_authority_reference="LA-7")],
        actor=leicester_office,
    )
    sign_in(client, leicester_office)
    response = client.post(
        f"/cases/{case.reference}/requests/send/",
        {"agencies": [police.pk], **date_parts("reply_due_on", working_days_ahead(8))},
    )
    assert response.status_code == 200
    assert escape(REFERRAL_NOT_DECIDED) in response.text
    assert not InformationRequest.objects.for_partnership(leicester).filter(case=case).exists()


def test_lr_offers_no_schools_and_no_holiday_exception(client, lr, police, school, lr_office):
    case = open_case(lr, stage=Stage.RAPID_REVIEW)
    lr.usual_agencies.set([police])
    sign_in(client, lr_office)
    page = client.get(f"/cases/{case.reference}/requests/send/")
    assert listed(page, "agencies") == {str(police.pk)}
    assert ticked(page, "agencies") == {str(police.pk)}
    assert 'name="school_holiday_exception"' not in page.text


def test_a_send_in_the_past_is_refused_next_to_the_date(
    client, leicester, police, leicester_office
):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    sign_in(client, leicester_office)
    response = client.post(
        f"/cases/{case.reference}/requests/send/",
        {"agencies": [police.pk], **date_parts("reply_due_on", today()), "letter_note": ""},
    )
    assert response.status_code == 200
    assert len(field_errors(response, "reply_due_on")) == 1
    assert not InformationRequest.objects.for_partnership(leicester).filter(case=case).exists()


def submitted(item, user, **values):
    details = {
        "involvement": "yes",
        "involvement_summary": "Neighbourhood officers attended twice.",
        "facts": "Call-out on 4 October; no arrests.",
        "records_secured": False,
        "completed_by": "DS Khan",
        **values,
    }
    return services.reply_submit(
        scope=scope_of(user),
        request=item,
        details=services.ReplyDetails(**details),
        version=item.version,
    )


def case_request_url(item, action=""):
    return f"/cases/{item.case.reference}/requests/{item.pk}/{action}"


def test_the_business_office_reads_the_reply_and_accepts_it(
    client, item, portal_user, leicester_office
):
    submitted(item, portal_user, facts="Call-out on 4 October; no arrests.")
    sign_in(client, leicester_office)
    page = client.get(case_request_url(item))
    assert page.status_code == 200
    assert "Call-out on 4 October; no arrests." in page.text
    assert client.post(case_request_url(item, "accept/")).status_code == 302
    assert reload(item).status == RequestStatus.ACCEPTED


def test_the_business_office_returns_a_reply_with_its_reason_and_a_new_deadline(
    client, item, portal_user, leicester_office
):
    submitted(item, portal_user)
    sign_in(client, leicester_office)
    page = client.get(case_request_url(item))
    for part in ("day", "month", "year"):
        assert f'name="reply_due_on-{part}"' in page.text
    new_due = working_days_ahead(6)
    refused = client.post(
        case_request_url(item, "return/"), {"reason": "", **date_parts("reply_due_on", new_due)}
    )
    assert refused.status_code == 200
    assert len(field_errors(refused, "reason")) == 1
    no_date = {"reason": "Add the GP contacts.", **date_parts("reply_due_on", new_due)}
    no_date.update({"reply_due_on-day": "", "reply_due_on-month": "", "reply_due_on-year": ""})
    refused = client.post(case_request_url(item, "return/"), no_date)
    assert refused.status_code == 200
    assert field_errors(refused, "reply_due_on") == [
        ReturnRequestForm.base_fields["reply_due_on"].error_messages["required"]
    ]
    assert textarea(refused, "reason") == "Add the GP contacts."
    past = {"reason": "Add the GP contacts.", **date_parts("reply_due_on", today())}
    refused = client.post(case_request_url(item, "return/"), past)
    assert refused.status_code == 200
    assert len(field_errors(refused, "reply_due_on")) == 1
    assert reload(item).status == RequestStatus.SUBMITTED
    response = client.post(
        case_request_url(item, "return/"),
        {"reason": "Add the GP contacts.", **date_parts("reply_due_on", new_due)},
    )
    assert response.status_code == 302
    returned = reload(item)
    assert returned.status == RequestStatus.RETURNED
    assert returned.reply_due_on == new_due
    # The agency sees why, and by when, and can change its reply again.
    sign_in(client, portal_user)
    page = client.get(portal_url(item))
    assert "Add the GP contacts." in page.text
    assert dateformat.format(new_due, "l j F Y") in page.text
    assert 'name="facts"' in page.text


def escalation_steps(item):
    return list(
        Escalation.objects.for_partnership(item.case.partnership)
        .filter(request=item)
        .values_list("step", flat=True)
    )


def test_the_business_office_records_escalation_steps_then_their_resolution(
    client, item, leicester_office
):
    sign_in(client, leicester_office)
    url = case_request_url(item, "escalate/")
    form = {
        "cause": EscalationCause.SILENCE,
        **date_parts("escalated_on", today()),
        "note": "Chased twice.",
    }
    # Silence before the deadline is not yet a reason to escalate.
    early = client.post(url, form)
    assert early.status_code == 200
    assert field_errors(early, "cause") == [
        ESCALATION_NOT_YET_DUE.format(due=dateformat.format(item.reply_due_on, "j F Y"))
    ]
    future = {**form, **date_parts("escalated_on", today() + timedelta(days=3))}
    refused = client.post(url, future)
    assert refused.status_code == 200
    assert len(field_errors(refused, "escalated_on")) == 1
    assert escalation_steps(item) == []
    # The deadline passes without a reply (set on the row: no service backdates one).
    InformationRequest.objects.for_partnership(item.case.partnership).filter(pk=item.pk).update(
        reply_due_on=today() - timedelta(days=1)
    )
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert escalation_steps(item) == [
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationStep.STRATEGIC_LEAD,
    ]
    page = client.get(case_request_url(item))
    assert escape(EscalationStep.STRATEGIC_LEAD.label) in page.text
    assert case_request_url(item, "escalation-resolved/") in page.text
    # The strategic lead sorted it out: recorded, and the escalation goes no further.
    assert client.post(case_request_url(item, "escalation-resolved/")).status_code == 302
    page = client.get(case_request_url(item))
    assert 'name="escalated_on-day"' not in page.text
    assert case_request_url(item, "escalation-resolved/") not in page.text
    assert client.post(url, form).status_code == 200
    assert escalation_steps(item) == [
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationStep.STRATEGIC_LEAD,
    ]


def test_the_third_step_is_the_last(client, item, leicester_office):
    sign_in(client, leicester_office)
    url = case_request_url(item, "escalate/")
    form = {
        "cause": EscalationCause.REFUSAL,
        **date_parts("escalated_on", today()),
        "note": "The agency declined to share its records.",
    }
    for _ in range(3):
        assert client.post(url, form).status_code == 302
    assert escalation_steps(item) == [
        EscalationStep.CASE_REVIEW_GROUP,
        EscalationStep.STRATEGIC_LEAD,
        EscalationStep.SAFEGUARDING_PARTNERS,
    ]
    page = client.get(case_request_url(item))
    assert escape(EscalationStep.SAFEGUARDING_PARTNERS.label) in page.text
    assert 'name="escalated_on-day"' not in page.text
    assert client.post(url, form).status_code == 200
    assert len(escalation_steps(item)) == 3


def test_only_the_business_office_accepts(client, leicester, item, portal_user):
    from cases.models import Role
    from tests.factories import staff_user

    submitted(item, portal_user)
    sign_in(client, staff_user(leicester, role=Role.CRG_CHAIR))
    assert client.post(case_request_url(item, "accept/")).status_code == 403
    assert reload(item).status == RequestStatus.SUBMITTED


# --- The Combined Summary (§4.5.1) ------------------------------------------------------------


@pytest.fixture
def two_replies(leicester, police, health, portal_user):
    """Police submitted; the health trust has a draft it has not submitted."""
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    police_request = request_to(leicester, police, case=case)
    health_request = request_to(leicester, health, case=case)
    submitted(police_request, portal_user, facts="Police facts: call-out on 4 October.")
    services.reply_save(
        scope=scope_of(agency_user(health)),
        request=health_request,
        details=services.ReplyDetails(facts="Health draft: not ready to share."),
        version=health_request.version,
    )
    return case


def test_the_combined_summary_collates_submitted_replies_only(
    client, two_replies, leicester_office
):
    sign_in(client, leicester_office)
    page = client.get(f"/cases/{two_replies.reference}/combined-summary/")
    assert page.status_code == 200
    assert "Police facts: call-out on 4 October." in page.text
    assert "No reply yet" in page.text
    assert "Health draft: not ready to share." not in page.text


def test_saving_the_combined_summary_refuses_a_stale_version(client, two_replies, leicester_office):
    url = f"/cases/{two_replies.reference}/combined-summary/"
    sign_in(client, leicester_office)
    opened = version_on(client.get(url))
    first = {"background": "Child A, aged 3.", "collation_notes": "Police only so far."}
    assert client.post(url, {**first, "version": opened}).status_code == 302
    stale = {"background": "Child A, aged three.", "collation_notes": "My notes."}
    response = client.post(url, {**stale, "version": opened})
    assert response.status_code == 200
    assert escape(SUMMARY_CONFLICT) in response.text
    assert textarea(response, "background") == "Child A, aged three."
    summary = CombinedSummary.objects.for_partnership(two_replies.partnership).get(case=two_replies)
    assert summary.background == "Child A, aged 3."
    assert summary.collation_notes == "Police only so far."


def test_the_combined_summary_and_chronology_pdfs_name_the_case(
    client, two_replies, leicester_office, django_capture_on_commit_callbacks
):
    sign_in(client, leicester_office)
    reference = two_replies.reference
    summary = client.get(f"/cases/{reference}/combined-summary.pdf")
    assert reference in pdf_text(summary)
    assert summary["Content-Disposition"].startswith("attachment")
    assert "Police facts: call-out on 4 October." in pdf_text(summary)
    assert "Health draft" not in pdf_text(summary)
    # Long: prepared by the worker (issue 18), then downloaded.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cases/{reference}/combined-chronology/pdf/")
    chronology = client.get(f"/cases/{reference}/combined-chronology.pdf")
    assert reference in pdf_text(chronology)


def test_the_request_letter_names_the_case_and_the_deadline_in_words(
    client, leicester, police, portal_user, leicester_office
):
    due = working_days_ahead(11)
    item = request_to(leicester, police, due=due)
    for user in (portal_user, leicester_office):
        sign_in(client, user)
        text = pdf_text(client.get(f"/requests/{item.pk}/letter.pdf"))
        assert item.case.reference in text
        assert dateformat.format(due, "l j F Y") in text


def test_an_lr_request_without_entries_has_no_chronology_pdf(
    client, lr, leicester, police, portal_user
):
    lr_item = request_to(lr, police)
    leicester_item = request_to(leicester, police)
    sign_in(client, portal_user)
    assert client.get(f"/requests/{lr_item.pk}/chronology.pdf").status_code == 404
    # Leicester sends the template; and an LR agency that gave entries may print them.
    assert client.get(f"/requests/{leicester_item.pk}/chronology.pdf").status_code == 200
    client.post(portal_url(lr_item, "chronology/"), entry_form())
    response = client.get(f"/requests/{lr_item.pk}/chronology.pdf")
    assert "Officers attended a report of shouting." in pdf_text(response)


def test_the_case_timeline_shows_requests_going_out_and_replies_coming_in(
    client, item, portal_user, leicester_office
):
    submitted(item, portal_user)
    sign_in(client, leicester_office)
    page = client.get(f"/cases/{item.case.reference}/timeline/")
    titles = [event.title for event in page.context["events"]]
    assert titles[:2] == [
        f"Reply submitted by {item.agency.name}",
        f"Information request sent to {item.agency.name}",
    ]


# --- Double submits (issue 11, item 5) ----------------------------------------------------


def _once_token(client, url) -> str:
    from cases.once import FIELD

    (token,) = re.findall(rf'name="{FIELD}" value="([^"]+)"', client.get(url).text)
    return token


def _twice(client, url, data):
    from cases.once import FIELD

    data = {**data, FIELD: _once_token(client, url)}
    first = client.post(url, data)
    for value in data.values():  # an upload is read again for the second submit
        if hasattr(value, "seek"):
            value.seek(0)
    return first, client.post(url, data)


def _goes_to_the_first(client, first, second):
    from cases.once import ALREADY_SENT

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ALREADY_SENT in client.get(second["Location"]).text


def test_a_document_uploaded_twice_is_attached_once(client, item, portal_user):
    sign_in(client, portal_user)
    first, second = _twice(
        client,
        portal_url(item, "documents/"),
        {"file": SimpleUploadedFile("visit-notes.pdf", PDF_BYTES)},
    )
    _goes_to_the_first(client, first, second)
    assert len(attachments(item)) == 1


def test_a_sharing_decision_sent_twice_is_recorded_once(client, item, portal_user):
    sign_in(client, portal_user)
    first, second = _twice(
        client,
        portal_url(item, "sharing-decisions/"),
        {"information": "Intelligence", "decision": "withheld", "reason": "Live investigation."},
    )
    _goes_to_the_first(client, first, second)
    assert len(decisions(item)) == 1


def test_information_requests_sent_twice_are_sent_once(client, leicester, police, leicester_office):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    sign_in(client, leicester_office)
    first, second = _twice(
        client,
        f"/cases/{case.reference}/requests/send/",
        {
            "agencies": [police.pk],
            **date_parts("reply_due_on", working_days_ahead(8)),
            "letter_note": "",
            "school_holiday_exception": "",
        },
    )
    _goes_to_the_first(client, first, second)
    assert InformationRequest.objects.for_partnership(leicester).filter(case=case).count() == 1


def test_an_escalation_sent_twice_records_one_step(client, item, leicester_office):
    InformationRequest.objects.for_partnership(item.case.partnership).filter(pk=item.pk).update(
        reply_due_on=today() - timedelta(days=1)
    )
    sign_in(client, leicester_office)
    from cases.once import FIELD

    page = client.get(case_request_url(item)).text
    # The escalation form's token (the page also has the form for an emailed reply's).
    (token,) = re.findall(
        rf'escalate/"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="{FIELD}" value="([^"]+)"',
        page,
    )
    form = {
        "cause": EscalationCause.SILENCE,
        **date_parts("escalated_on", today()),
        "note": "Chased twice.",
        FIELD: token,
    }
    url = case_request_url(item, "escalate/")
    first, second = client.post(url, form), client.post(url, form)
    _goes_to_the_first(client, first, second)
    assert escalation_steps(item) == [EscalationStep.CASE_REVIEW_GROUP]
