"""Who a request is about: the addressed agency can identify the child and family so that
it can find its records; nobody else can, and the details never reach emails or URLs."""

import io

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from cases import services
from cases.models import AccessEvent, AgencyKind, Child, Role, Stage
from tests.factories import (
    AgencyFactory,
    agency_user,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)

pytestmark = pytest.mark.django_db

CHILD_NAME = "Zebedee Quarrington"
MOTHER_NAME = "Philippa Quarrington"


@pytest.fixture
def police(leicester, lr):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    agency_user(police, username="police-portal")  # on the portal: the request is emailed
    return police


@pytest.fixture
def case(leicester, leicester_office):
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    child = Child.objects.for_partnership(leicester).create(case=case, pseudonym="Child A")
    services.child_identity_correct(
        child=child,
        actor=leicester_office,
        details=services.IdentityDetails(
            name=CHILD_NAME,
            address="1 Example Street, Leicester",
            local_authority_reference="LA-77",
            nhs_number="485 777 3456",
        ),
        reason="From the notification",
    )
    services.family_member_add(
        case=case,
        actor=leicester_office,
        relationship="mother",
        details=services.IdentityDetails(name=MOTHER_NAME),
    )
    return case


@pytest.fixture
def item(case, police, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (request,) = services.information_requests_send(
            case=case, agencies=[police], reply_due_on=working_days_ahead(7), actor=None
        )
    return request


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # a name may wrap inside its table cell


def test_the_addressed_agency_sees_who_the_request_is_about_and_it_is_logged(client, item, police):
    sign_in(client, police.memberships.get().user)
    page = client.get(reverse("portal_request", kwargs={"pk": item.pk})).content.decode()
    assert "who this request is about" in page
    assert CHILD_NAME in page
    assert MOTHER_NAME in page
    assert "4857773456" in page
    logged = AccessEvent.objects.for_partnership(item.case.partnership).filter(
        object_type="identifying details", object_reference=item.case.reference
    )
    assert logged.count() == 1
    letter = _pdf_text(client.get(reverse("request_letter", kwargs={"pk": item.pk})))
    assert CHILD_NAME in letter
    assert "OFFICIAL-SENSITIVE" in letter


def test_no_other_agency_and_no_crg_member_sees_the_identities(client, item, leicester, lr):
    other = AgencyFactory(name="Another Trust", kind=AgencyKind.HEALTH_TRUST)
    sign_in(client, agency_user(other))
    assert client.get(reverse("portal_request", kwargs={"pk": item.pk})).status_code == 404
    assert client.get(reverse("request_letter", kwargs={"pk": item.pk})).status_code == 404
    member = staff_user(leicester, Role.CRG_MEMBER)
    sign_in(client, member)
    letter = _pdf_text(client.get(reverse("request_letter", kwargs={"pk": item.pk})))
    assert item.case.reference in letter
    assert CHILD_NAME not in letter
    assert MOTHER_NAME not in letter


def test_emails_and_urls_never_carry_the_names(client, item, police):
    assert mail.outbox, "the request email was sent"
    for message in mail.outbox:
        assert CHILD_NAME not in message.subject + message.body
        assert MOTHER_NAME not in message.subject + message.body
    sign_in(client, police.memberships.get().user)
    page = client.get(reverse("portal_request", kwargs={"pk": item.pk})).content.decode()
    for href in page.split('href="')[1:]:
        assert "Quarrington" not in href.split('"')[0]


def test_the_identities_leave_the_portal_once_accepted_and_decided(
    client, item, police, leicester, leicester_office
):
    from cases.models import InformationRequest, RequestStatus

    request = InformationRequest.objects.for_partnership(leicester).get(pk=item.pk)
    request.status = RequestStatus.ACCEPTED  # as the office's acceptance leaves it
    request.save(update_fields=["status"])
    sign_in(client, police.memberships.get().user)
    url = reverse("portal_request", kwargs={"pk": item.pk})
    assert CHILD_NAME in client.get(url).content.decode()  # the decision is still to come
    services.case_stage_set(
        case=item.case, stage=Stage.CLOSED, actor=leicester_office, reason="Not proceeding"
    )
    page = client.get(url).content.decode()
    assert CHILD_NAME not in page
    letter = _pdf_text(client.get(reverse("request_letter", kwargs={"pk": item.pk})))
    assert CHILD_NAME not in letter


def test_the_office_completes_the_details_and_only_it_may(client, case, leicester):
    office = staff_user(leicester)
    sign_in(client, office)
    url = reverse("restricted_file", kwargs={"reference": case.reference})
    child = Child.objects.for_partnership(leicester).get(case=case)
    response = client.post(
        url,
        {
            "form": "child",
            "child-child": child.pk,
            "child-name": CHILD_NAME,
            "child-nhs_number": "12345",
            "child-reason": "Corrected from the hospital",
        },
    )
    assert response.status_code == 200
    assert "An NHS number is 10 digits" in response.content.decode()
    response = client.post(
        url,
        {
            "form": "family",
            "family-relationship": "father",
            "family-name": "Fergus Quarrington",
        },
    )
    assert response.status_code == 302
    assert "Fergus Quarrington" in client.get(url).content.decode()
    chair = staff_user(leicester, Role.CRG_CHAIR)
    sign_in(client, chair)
    assert "Fergus Quarrington" in client.get(url).content.decode()
    refused = client.post(url, {"form": "family", "family-relationship": "x", "family-name": "y"})
    assert refused.status_code == 403


def test_a_family_member_sent_twice_is_added_once(client, case, leicester):
    import re

    from cases.models import FamilyMember

    sign_in(client, staff_user(leicester))
    url = reverse("restricted_file", kwargs={"reference": case.reference})
    token = re.search(r'name="once_token" value="([^"]+)"', client.get(url).content.decode())[1]
    data = {
        "form": "family",
        "once_token": token,
        "family-relationship": "grandmother",
        "family-name": "Hermione Quarrington",
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)  # a double click, or Back and send again
    assert again.status_code == 302
    assert (
        FamilyMember.objects.for_partnership(leicester).filter(relationship="grandmother").count()
        == 1
    )


def test_a_closed_case_shows_no_agency_who_it_was_about(client, item, police, leicester_office):
    """A request never answered still closes with its case."""
    sign_in(client, police.memberships.get().user)
    url = reverse("portal_request", kwargs={"pk": item.pk})
    assert CHILD_NAME in client.get(url).content.decode()
    services.case_stage_set(
        case=item.case, stage=Stage.CLOSED, actor=leicester_office, reason="Not proceeding"
    )
    assert CHILD_NAME not in client.get(url).content.decode()
