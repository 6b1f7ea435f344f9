"""The Business Office acting for agencies with nobody on the portal (issue 12): blank
templates before any reply, every agency's letters in one download, and a reply that
came by email entered on the agency's behalf with the original attached."""

import io
import re
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.errors import ApplicationError
from cases.file_store import STORAGE_FULL
from cases.models import (
    AccessAction,
    AccessEvent,
    AgencyKind,
    Attachment,
    ChronologyEntry,
    InformationRequest,
    InformationSharingDecision,
    RequestStatus,
    Role,
)
from cases.once import FIELD
from cases.services.information_request import AGENCY_DRAFTING, ORIGINAL_KEPT, ORIGINAL_REQUIRED
from tests.cases.test_portal import (  # noqa: F401 - `media` keeps uploads out of var/
    complete_reply,
    date_parts,
    field_errors,
    media,
    pdf_text,
    reload,
    request_to,
    scope_of,
    textarea,
    today,
)
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)
from tests.test_storage_full import FullDisk, files_under, use_storage

pytestmark = pytest.mark.django_db

EMAIL = b"From: duty.sergeant@police.example\nSubject: Reply\n\nTwo call-outs in October.\n"


def original(name="reply-email.txt"):
    return SimpleUploadedFile(name, EMAIL, content_type="text/plain")


@pytest.fixture
def police(leicester, lr):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def health(leicester, lr):
    return AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)


@pytest.fixture(params=["leicester", "lr"])
def office_request(request, police):
    """A request to the police (nobody on the portal) in each partnership, with its office."""
    partnership = request.getfixturevalue(request.param)
    office = staff_user(partnership)
    return request_to(partnership, police), office


def request_page(item):
    return f"/cases/{item.case.reference}/requests/{item.pk}/"


def downloads(user, reference, what):
    return AccessEvent.unscoped.filter(
        user=user, action=AccessAction.DOWNLOAD, object_reference=reference, object_type=what
    ).count()


# --- 1. Blank templates, before any reply ---------------------------------------------------


def test_the_office_downloads_the_blank_templates_before_any_reply(client, office_request):
    item, office = office_request
    sign_in(client, office)
    page = client.get(request_page(item)).text
    assert f"/requests/{item.pk}/reply-template.pdf" in page
    chronology_link = f"/requests/{item.pk}/chronology-template.pdf"
    # Only where the partnership sends a chronology template (§4.1.7, §4.3.1).
    assert (chronology_link in page) == item.includes_chronology_template

    reply = client.get(f"/requests/{item.pk}/reply-template.pdf")
    text = pdf_text(reply)
    assert "Information Request Reply Template" in text
    assert item.case.reference in text
    assert "Leicestershire Police" in text
    assert item.case.reference in reply["Content-Disposition"]
    assert downloads(office, item.case.reference, "information request reply template") == 1
    # The reply as answered is still only the agency's until it submits.
    assert client.get(f"/requests/{item.pk}/reply.pdf").status_code == 404

    chronology = pdf_text(client.get(chronology_link))
    assert "Chronology template" in chronology


def test_a_blank_template_never_shows_the_agencys_draft(client, item_with_draft, leicester_office):
    sign_in(client, leicester_office)
    text = pdf_text(client.get(f"/requests/{item_with_draft.pk}/reply-template.pdf"))
    assert "Call-out on 4 October" not in text
    assert "In progress" not in text


@pytest.fixture
def item_with_draft(leicester, police):
    item = request_to(leicester, police)
    portal_user = agency_user(police)
    details = services.ReplyDetails(facts="Call-out on 4 October; no arrests.")
    services.reply_save(
        scope=scope_of(portal_user), request=item, details=details, version=item.version
    )
    return item


def test_another_partnerships_blank_template_is_not_found(client, leicester, lr, police):
    item = request_to(lr, police)
    sign_in(client, staff_user(leicester))
    assert client.get(f"/requests/{item.pk}/reply-template.pdf").status_code == 404
    assert client.get(f"/requests/{item.pk}/chronology-template.pdf").status_code == 404


# --- 2. Every agency's letters in one download ----------------------------------------------


@pytest.mark.parametrize("slug", ["leicester", "lr"])
def test_the_office_downloads_every_agencys_letter_in_one_zip(
    client, request, slug, police, health
):
    partnership = request.getfixturevalue(slug)
    office = staff_user(partnership)
    case = open_case(partnership, stage="rapid_review")
    services.information_requests_send(
        case=case,
        agencies=[police, health],
        reply_due_on=working_days_ahead(7),
        actor=None,
    )
    sign_in(client, office)
    assert (
        f"/cases/{case.reference}/requests/letters.zip"
        in client.get(f"/cases/{case.reference}/requests/").text
    )

    response = client.get(f"/cases/{case.reference}/requests/letters.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert (
        f'filename="{case.reference}-information-request-letters.zip"'
        in (response["Content-Disposition"])
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as letters:
        names = sorted(letters.namelist())
        assert names == [
            f"{case.reference}-information-request-letter-leicester-health-trust.pdf",
            f"{case.reference}-information-request-letter-leicestershire-police.pdf",
        ]
        assert all(letters.read(name).startswith(b"%PDF") for name in names)
    # Each letter's download is logged, as one alone is.
    assert downloads(office, case.reference, "information request letter") == 2


def test_the_letters_zip_is_the_offices_own(client, leicester, lr, police):
    item = request_to(leicester, police)
    url = f"/cases/{item.case.reference}/requests/letters.zip"
    sign_in(client, staff_user(lr))
    assert client.get(url).status_code == 404
    sign_in(client, staff_user(leicester, Role.CRG_MEMBER))
    assert client.get(url).status_code == 403
    sign_in(client, agency_user(police))
    assert client.get(url).status_code == 403


# --- 3. A reply that came by email, entered on the agency's behalf --------------------------


def test_the_office_enters_an_emailed_reply_with_its_original(office_request):
    item, office = office_request
    scope = scope_of(office)
    with pytest.raises(ApplicationError) as refused:
        services.reply_on_behalf_start(scope=scope, request=item, original=None)
    assert refused.value.message == ORIGINAL_REQUIRED
    # Without the original, the office cannot write the agency's reply.
    with pytest.raises(ApplicationError):
        services.reply_save(
            scope=scope, request=item, details=services.ReplyDetails(), version=item.version
        )

    started = services.reply_on_behalf_start(scope=scope, request=item, original=original())
    assert started.entered_on_behalf_by == office
    assert started.status == RequestStatus.IN_PROGRESS
    (kept,) = Attachment.objects.for_partnership(item.case.partnership).filter(request=item)
    assert kept.is_original
    assert kept.uploaded_by == office

    # The portal's own services, with the office's scope.
    services.chronology_entry_add(
        scope=scope, request=started, happened_on=today(), source="Niche", event="Call-out"
    )
    services.sharing_decision_record(
        scope=scope, request=started, information="Intelligence", decision="withheld", reason="Live"
    )
    details = services.ReplyDetails(
        involvement="yes",
        involvement_summary="Two call-outs.",
        facts="Two call-outs.",
        records_secured=False,
        completed_by="DS Khan",
    )
    submitted = services.reply_submit(
        scope=scope, request=started, details=details, version=started.version
    )
    assert submitted.status == RequestStatus.SUBMITTED
    assert submitted.submitted_by == office
    reasons = [h.history_change_reason for h in reload(item).history.all()]
    assert "Reply received: entered by the Business Office on the agency's behalf" in reasons
    partnership = item.case.partnership
    assert ChronologyEntry.objects.for_partnership(partnership).filter(request=item).count() == 1
    assert (
        InformationSharingDecision.objects.for_partnership(partnership)
        .filter(request=item, decided_by=office)
        .exists()
    )


def test_the_original_is_kept_with_the_reply(leicester, leicester_office, police):
    item = request_to(leicester, police)
    scope = scope_of(leicester_office)
    started = services.reply_on_behalf_start(scope=scope, request=item, original=original())
    kept = Attachment.objects.for_partnership(leicester).get(request=item)
    with pytest.raises(ApplicationError) as refused:
        services.attachment_remove(scope=scope, attachment=kept)
    assert refused.value.message == ORIGINAL_KEPT
    assert started.is_entered_on_behalf


def test_an_agency_drafting_in_the_portal_keeps_its_draft(item_with_draft, leicester_office):
    with pytest.raises(ApplicationError) as refused:
        services.reply_on_behalf_start(
            scope=scope_of(leicester_office), request=item_with_draft, original=original()
        )
    assert refused.value.message == AGENCY_DRAFTING
    assert not reload(item_with_draft).is_entered_on_behalf


def test_only_the_office_enters_a_reply_for_an_agency(leicester, police):
    item = request_to(leicester, police)
    member = staff_user(leicester, Role.CRG_MEMBER)
    with pytest.raises(ApplicationError):
        services.reply_on_behalf_start(scope=scope_of(member), request=item, original=original())


def _once_token(page, action):
    form = re.search(rf'action="[^"]*{re.escape(action)}".*?</form>', page, re.S).group(0)
    return re.search(rf'name="{FIELD}" value="([^"]+)"', form).group(1)


def test_an_emailed_reply_on_a_full_disk_is_not_attached_nor_entered(
    client, office_request, settings, tmp_path
):
    """Issue 18: the original cannot be stored, so the reply is not started on the agency's
    behalf either; the page says why, and sending it again once there is room works."""
    item, office = office_request
    sign_in(client, office)
    page = client.get(request_page(item)).text
    token = _once_token(page, "on-behalf/")
    location = tmp_path / "filling-up"
    use_storage(settings, location, FullDisk)
    start = f"{request_page(item)}on-behalf/"
    full = client.post(start, {FIELD: token, "file": original()})
    assert full.status_code == 200
    assert field_errors(full, "file") == [STORAGE_FULL]
    assert "govuk-error-summary" in full.text
    attached = Attachment.objects.for_partnership(item.case.partnership).filter(request=item)
    assert not attached.exists()
    assert not reload(item).is_entered_on_behalf
    assert files_under(location) == []
    use_storage(settings, location, FileSystemStorage)
    assert client.post(start, {FIELD: token, "file": original()}).status_code == 302
    assert reload(item).is_entered_on_behalf


def test_the_office_records_an_emailed_reply_through_the_web(client, office_request, police):
    item, office = office_request
    sign_in(client, office)
    page = client.get(request_page(item)).text
    assert "Nobody at Leicestershire Police uses the portal" in page
    start = f"{request_page(item)}on-behalf/"

    # The original is required; the page says so in its error summary.
    missing = client.post(start, {FIELD: _once_token(page, "on-behalf/")})
    assert missing.status_code == 200
    assert field_errors(missing, "file") == [ORIGINAL_REQUIRED]
    assert "govuk-error-summary" in missing.text

    token = _once_token(missing.text, "on-behalf/")
    first = client.post(start, {FIELD: token, "file": original()})
    second = client.post(start, {FIELD: token, "file": original()})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/requests/{item.pk}/on-behalf/"
    # Sent twice, attached once.
    assert (
        Attachment.objects.for_partnership(item.case.partnership).filter(request=item).count() == 1
    )

    reply_url = first["Location"]
    form = client.get(reply_url).text
    assert "Record as submitted" in form
    version = int(re.search(r'name="version" value="(\d+)"', form).group(1))
    # An incomplete submit keeps what was typed.
    incomplete = client.post(
        reply_url,
        {**complete_reply(facts=""), "version": version, "submit": ""},
        follow=True,
    )
    assert textarea(incomplete, "involvement_summary") == (
        "Neighbourhood officers attended twice in 2026."
    )
    version = int(re.search(r'name="version" value="(\d+)"', incomplete.text).group(1))
    done = client.post(reply_url, {**complete_reply(), "version": version, "submit": ""})
    assert done.status_code == 302
    assert done["Location"] == request_page(item)
    assert reload(item).status == RequestStatus.SUBMITTED

    office_view = client.get(request_page(item)).text
    assert "Entered by the Business Office on the agency's behalf" in office_view
    assert (office.get_full_name() or str(office)) in office_view
    assert "reply-email.txt" in office_view  # the original, with the reply

    # The agency, once on the portal, sees that its reply was entered for it.
    sign_in(client, agency_user(police))
    portal = client.get(f"/portal/requests/{item.pk}/").text
    assert "Entered by the Business Office on the agency's behalf" in portal


def test_the_office_adds_chronology_and_documents_on_the_agencys_behalf(
    client, leicester, leicester_office, police
):
    item = request_to(leicester, police)
    services.reply_on_behalf_start(
        scope=scope_of(leicester_office), request=item, original=original()
    )
    sign_in(client, leicester_office)
    url = f"/requests/{item.pk}/on-behalf/chronology/"
    page = client.get(url).text
    added = client.post(
        url,
        {
            FIELD: re.search(rf'name="{FIELD}" value="([^"]+)"', page).group(1),
            **date_parts("happened_on", today()),
            "source": "Niche",
            "event": "Call-out to the family home",
        },
    )
    assert added["Location"] == url
    assert "Call-out to the family home" in client.get(url).text

    documents = f"/requests/{item.pk}/on-behalf/documents/"
    page = client.get(documents).text
    assert "Original reply" in page
    assert "Withdraw" not in page  # the original is kept
    client.post(
        documents,
        {
            FIELD: re.search(rf'name="{FIELD}" value="([^"]+)"', page).group(1),
            "file": SimpleUploadedFile("notes.txt", b"Notes", content_type="text/plain"),
        },
    )
    assert "notes.txt" in client.get(documents).text


def test_the_on_behalf_pages_wait_for_the_original(client, leicester, leicester_office, police):
    item = request_to(leicester, police)
    sign_in(client, leicester_office)
    page = client.get(f"/requests/{item.pk}/on-behalf/")
    assert page.status_code == 200
    assert "The Business Office is not entering this reply" in page.text
    assert 'name="involvement_summary"' not in page.text


def test_another_partnerships_request_is_not_found_on_behalf(client, leicester, lr, police):
    item = request_to(lr, police)
    services.reply_on_behalf_start(
        scope=scope_of(staff_user(lr)), request=item, original=original()
    )
    sign_in(client, staff_user(leicester))
    assert client.get(f"/requests/{item.pk}/on-behalf/").status_code == 404
    start = f"/cases/{item.case.reference}/requests/{item.pk}/on-behalf/"
    assert client.post(start, {"file": original()}).status_code == 404
    assert Attachment.objects.for_partnership(lr).filter(request=item).count() == 1
    # Nor may the agency use the office's pages.
    sign_in(client, agency_user(police))
    assert client.get(f"/requests/{item.pk}/on-behalf/").status_code == 403
    assert InformationRequest.objects.for_partnership(lr).get(pk=item.pk).version == item.version


def test_the_office_cannot_open_an_agencys_draft_chronology_entry(client, item_with_draft):
    """An agency's draft stays its own until it submits: the office's on-behalf pages for
    one of its chronology entries answer 404, and show nothing of it."""
    from datetime import date

    portal_user = item_with_draft.agency.memberships.get().user
    entry = services.chronology_entry_add(
        scope=scope_of(portal_user),
        request=item_with_draft,
        happened_on=date(2026, 10, 4),
        source="Control room log",
        event="Officers attended the family home.",
    )
    sign_in(client, staff_user(item_with_draft.case.partnership))
    for action in ("edit", "remove"):
        page = client.get(f"/requests/on-behalf/chronology/{entry.pk}/{action}/")
        assert page.status_code == 404
        assert "Officers attended the family home." not in page.content.decode()
