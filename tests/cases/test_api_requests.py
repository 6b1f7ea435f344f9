"""The information-request API for an agency's own systems: its requests, from both
partnerships, and no other agency's."""

from rest_framework.test import APIClient

from cases import services
from cases.models import AgencyKind, Stage
from cases.services import api_token_create
from tests.factories import AgencyFactory, agency_user, open_case, working_days_ahead


def request_to(partnership, agency):
    case = open_case(partnership, stage=Stage.RAPID_REVIEW)
    (request,) = services.information_requests_send(
        case=case,
        agencies=[agency],
        reply_due_on=working_days_ahead(7),
        actor=None,
    )
    return request


def test_an_agency_token_lists_its_own_requests_from_both_partnerships(leicester, lr):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    health = AgencyFactory(name="Leicester Health Trust", kind=AgencyKind.HEALTH_TRUST)
    own = [request_to(leicester, police), request_to(lr, police)]
    others = [request_to(leicester, health), request_to(lr, health)]
    user = agency_user(police)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
    )

    response = client.get("/api/v1/information-requests/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted((r["id"], r["case_reference"], r["partnership"]) for r in results) == sorted(
        (r.pk, r.case.reference, r.case.partnership.slug) for r in own
    )
    assert {r["agency"] for r in results} == {police.name}
    for other in others:
        assert other.case.reference not in response.text


def test_an_agency_token_cannot_read_the_partnerships_cases(leicester, lr):
    police = AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)
    item = request_to(leicester, police)
    client = APIClient()
    key = api_token_create(membership=agency_user(police).memberships.get())
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code in (403, 404)
    assert client.get(f"/api/v1/cases/{item.case.reference}/").status_code in (403, 404)
