"""An agency's own actions in the portal (§11.3.3): it sees and updates ONLY the actions
its agency owns, in partnerships it serves; another agency's or another partnership's is
a 404. Updates carry progress, the impact of the change and evidence, checked like every
other upload. The office enters the same on the agency's behalf. Every route of the
action plans by id is tried by every role of both partnerships and each agency's user."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.file_store import STORAGE_FULL
from cases.models import Role
from cases.services.information_request import UPLOAD_CONTENT_MISMATCH
from publication.models import ActionEvidence, ActionUpdate, NationalReview
from tests.access_policy import APPOINTED_ONLY, ROUTES, ROW_READERS, may, route_name
from tests.factories import agency_user, sign_in, staff_user
from tests.publication.action_fixtures import (
    _media_in_tmp,  # noqa: F401 - autouse
    add_evidence,
    agency_serving,
    make_plan,
    once_token,
    pdf,
)
from tests.routes import routes, url_for
from tests.test_isolation import ACTION_PLAN_ROUTES
from tests.test_storage_full import FullDisk, files_under, use_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(leicester, lr):
    """A plan in each partnership, each with an action of the police and one of health;
    both agencies serve both partnerships. Evidence on each action."""
    police = agency_serving(leicester, lr, name="Leicestershire Police")
    health = agency_serving(leicester, lr, name="University Hospitals of Leicester")
    made = {}
    for slug, partnership in (("leicester", leicester), ("lr", lr)):
        office = staff_user(partnership)
        bundle = make_plan(partnership, police, office=office)
        from publication.services.action_plans import action_add

        bundle["health_action"] = action_add(
            recommendation=bundle["rec"],
            text="Health visitors check referrals weekly",
            owner_agency=health,
            lead_name="Kim",
            lead_email="",
            measure="Weekly checks recorded",
            due_on=timezone.localdate(),
            actor=office,
        )
        bundle["evidence"] = add_evidence(bundle["action"], office)
        bundle["health_evidence"] = add_evidence(bundle["health_action"], office)
        made[slug] = bundle
    made["police"], made["health"] = police, health
    made["police_user"], made["health_user"] = agency_user(police), agency_user(health)
    return made


def test_the_portal_lists_only_the_agencys_own_actions(client, world):
    sign_in(client, world["police_user"])
    page = client.get(reverse("portal_actions")).text
    for slug in ("leicester", "lr"):
        assert reverse("portal_action", kwargs={"pk": world[slug]["action"].pk}) in page
        assert reverse("portal_action", kwargs={"pk": world[slug]["health_action"].pk}) not in page
    assert "Your actions" in client.get(reverse("portal_home")).text


def test_another_agencys_action_and_its_evidence_are_not_found(client, world):
    sign_in(client, world["police_user"])
    bundle = world["leicester"]
    assert (
        client.get(reverse("portal_action", kwargs={"pk": bundle["action"].pk})).status_code == 200
    )
    health_action = bundle["health_action"]
    assert client.get(reverse("portal_action", kwargs={"pk": health_action.pk})).status_code == 404
    response = client.post(
        reverse("portal_action", kwargs={"pk": health_action.pk}), {"progress": "Done"}
    )
    assert response.status_code == 404
    assert (
        not ActionUpdate.objects.for_partnership(bundle["plan"].partnership)
        .filter(action=health_action, progress="Done")
        .exists()
    )
    evidence = bundle["health_evidence"]
    assert (
        client.get(reverse("portal_action_evidence", kwargs={"pk": evidence.pk})).status_code == 404
    )
    own = client.get(reverse("portal_action_evidence", kwargs={"pk": bundle["evidence"].pk}))
    assert own.status_code == 200
    assert bundle["case"].reference in own["Content-Disposition"]


def test_a_partnership_the_agency_no_longer_serves_is_not_found(client, world, leicester):
    world["police"].partnerships.set([leicester])
    sign_in(client, world["police_user"])
    lr_action = world["lr"]["action"]
    assert client.get(reverse("portal_action", kwargs={"pk": lr_action.pk})).status_code == 404
    page = client.get(reverse("portal_actions")).text
    assert world["lr"]["case"].reference not in page
    assert world["leicester"]["case"].reference in page


def test_the_agency_posts_progress_impact_and_evidence(client, world):
    action = world["leicester"]["action"]
    sign_in(client, world["police_user"])
    url = reverse("portal_action", kwargs={"pk": action.pk})
    response = client.post(
        url,
        {
            "once_token": once_token(client.get(url)),
            "progress": "Half the team trained",
            "impact": "Referrals now shared the same day",
            "description": "Training register",
            "file": pdf("register.pdf"),
        },
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.for_partnership(action.plan.partnership).get(
        action=action, progress="Half the team trained"
    )
    assert update.on_behalf is False
    assert update.impact == "Referrals now shared the same day"
    assert update.written_by == world["police_user"]
    assert update.evidence.get().description == "Training register"


def test_a_bad_evidence_file_is_refused_saying_why_and_nothing_is_saved(client, world):
    action = world["leicester"]["action"]
    partnership = action.plan.partnership
    before = ActionEvidence.objects.for_partnership(partnership).count()
    sign_in(client, world["police_user"])
    url = reverse("portal_action", kwargs={"pk": action.pk})
    fake = SimpleUploadedFile("report.pdf", b"just text, not a PDF", content_type="application/pdf")
    response = client.post(url, {"progress": "Typed progress", "impact": "", "file": fake})
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(UPLOAD_CONTENT_MISMATCH.format(extension=".pdf")) in page
    assert "Typed progress" in page  # kept
    assert ActionEvidence.objects.for_partnership(partnership).count() == before
    assert (
        not ActionUpdate.objects.for_partnership(partnership)
        .filter(progress="Typed progress")
        .exists()
    )


def test_evidence_on_a_full_disk_keeps_what_was_typed_and_saves_nothing(
    client, world, settings, tmp_path
):
    """Issue 18: the upload folder's disk is full. The update and its evidence are one:
    neither is saved, the page says why, and the typed text is there to send again."""
    action = world["leicester"]["action"]
    partnership = action.plan.partnership
    updates_before = ActionUpdate.objects.for_partnership(partnership).count()
    evidence_before = ActionEvidence.objects.for_partnership(partnership).count()
    files_before = files_under(tmp_path)
    use_storage(settings, tmp_path, FullDisk)
    sign_in(client, world["police_user"])
    url = reverse("portal_action", kwargs={"pk": action.pk})
    response = client.post(
        url,
        {
            "once_token": once_token(client.get(url)),
            "progress": "Half the team trained",
            "impact": "Referrals now shared the same day",
            "description": "Training register",
            "file": pdf("register.pdf"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(STORAGE_FULL) in page
    assert "govuk-error-summary" in page
    typed = ("Half the team trained", "Referrals now shared the same day", "Training register")
    assert [text for text in typed if text not in page] == []  # all kept
    assert ActionUpdate.objects.for_partnership(partnership).count() == updates_before
    assert ActionEvidence.objects.for_partnership(partnership).count() == evidence_before
    assert files_under(tmp_path) == files_before


def test_the_office_updates_on_the_agencys_behalf(client, world):
    bundle = world["leicester"]
    action = bundle["action"]
    sign_in(client, bundle["office"])
    url = reverse("action_on_behalf", kwargs={"pk": action.pk})
    response = client.post(
        url,
        {
            "once_token": once_token(client.get(url)),
            "progress": "Told by phone: all trained",
            "impact": "",
            "file": pdf(),
        },
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.for_partnership(action.plan.partnership).get(
        progress="Told by phone: all trained"
    )
    assert update.on_behalf is True
    page = client.get(reverse("plan_action", kwargs={"pk": action.pk})).text
    assert "by the Business Office on the agency's behalf" in page
    # The other partnership's office cannot.
    sign_in(client, world["lr"]["office"])
    assert client.get(url).status_code == 404


# --- Every route by id, by every role --------------------------------------------------------


def _row(name, bundle, world):
    """(pk for the route, owner agency id or None, case reference or plan title)."""
    kinds = {
        "action_plan_detail": bundle["plan"].pk,
        "action_plan_audit_new": bundle["plan"].pk,
        "plan_recommendation": bundle["rec"].pk,
        "plan_action": bundle["action"].pk,
        "action_on_behalf": bundle["action"].pk,
        "action_evidence_file": bundle["evidence"].pk,
        "portal_action": bundle["action"].pk,
        "portal_action_evidence": bundle["evidence"].pk,
        "national_review_action_plan": bundle["national_review"].pk,
    }
    return kinds[name]


@pytest.mark.parametrize("who", ["leicester", "lr", "agencies"])
def test_action_routes_reach_only_their_partnership_and_owner_agency(
    client, world, who, leicester, lr
):
    for slug, partnership in (("leicester", leicester), ("lr", lr)):
        world[slug]["national_review"] = NationalReview.unscoped.create(
            partnership=partnership,
            title=f"National review for {slug}",
            published_on=timezone.localdate(),
            themes="Themes",
        )
    by_id = {
        route_name(path, entry): path
        for path, entry in routes()
        if path in ACTION_PLAN_ROUTES and entry.pattern.converters
    }
    assert set(by_id) == set(ROW_READERS) & set(by_id)  # every one has a row rule
    if who == "agencies":
        people = [world["police_user"], world["health_user"]]
    else:
        partnership = {"leicester": leicester, "lr": lr}[who]
        people = [staff_user(partnership, role=role) for role in Role if role != Role.AGENCY_USER]
    wrong = []
    for user in people:
        sign_in(client, user)
        membership = user.memberships.get()
        for name, path in by_id.items():
            for slug in ("leicester", "lr"):
                bundle = world[slug]
                url = url_for(path, pk=_row(name, bundle, world))
                if not may(membership.role, ROUTES[name]):
                    expected = 403
                elif ROW_READERS[name] == "agency":
                    expected = 200 if membership.agency_id == world["police"].pk else 404
                else:
                    ours = membership.partnership_id == bundle["plan"].partnership_id
                    expected = 200 if ours and membership.role not in APPOINTED_ONLY else 404
                response = client.get(url)
                marker = (
                    bundle["national_review"].title
                    if name == "national_review_action_plan"
                    else bundle["case"].reference
                )
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                shown = marker in body.decode(errors="replace") or marker in (
                    response.headers.get("Content-Disposition", "")
                )
                ok = response.status_code == expected and (shown if expected == 200 else not shown)
                if not ok:
                    wrong.append((name, membership.role, slug, response.status_code, expected))
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.parametrize("name", ["action_plans", "portal_actions", "api_action_plans"])
def test_action_lists_show_only_the_own(client, world, name):
    url = reverse(name)
    for user, mine, theirs in (
        (world["leicester"]["office"], [world["leicester"]], [world["lr"]]),
        (world["lr"]["office"], [world["lr"]], [world["leicester"]]),
        (world["police_user"], [world["leicester"], world["lr"]], []),
    ):
        role = user.memberships.get().role
        sign_in(client, user)
        response = client.get(url, HTTP_ACCEPT="application/json")
        if not may(role, ROUTES[name]):
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        for bundle in mine:
            assert bundle["case"].reference in response.text
        for bundle in theirs:
            assert bundle["case"].reference not in response.text
