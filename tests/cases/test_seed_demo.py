from io import StringIO

from django.core.management import call_command

from cases.models import Agency, Case, Membership, Partnership, User


def test_seed_demo_is_idempotent_and_makes_the_documented_users(partnerships):
    call_command("seed_demo", stdout=StringIO())
    counts = (Agency.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Agency.objects.count(), User.objects.count(), Membership.objects.count()) == counts

    for username in [
        "leicester-office",
        "lr-office",
        "leicester-chair",
        "lr-chair",
        "scrutineer",
        "police-portal",
        "school-portal",
    ]:
        assert User.objects.get(username=username).check_password("lcspr-demo-only")
    police = Agency.objects.get(name="Leicestershire Police")
    assert set(police.partnerships.values_list("slug", flat=True)) == {
        "leicester",
        "leicestershire-rutland",
    }
    assert Membership.objects.get(user__username="police-portal").agency == police
    for partnership in Partnership.objects.all():
        assert Case.objects.for_partnership(partnership).count() == 6


def test_demo_has_requests_in_both_partnerships_some_answered(partnerships):
    from cases.models import InformationRequest, RequestStatus

    call_command("seed_demo", stdout=StringIO())
    for partnership in Partnership.objects.all():
        requests = InformationRequest.objects.for_partnership(partnership)
        assert requests.count() >= 3
        assert requests.filter(status=RequestStatus.SUBMITTED).exists()
        assert requests.filter(status=RequestStatus.NOT_STARTED).exists()
    police = Membership.objects.get(user__username="police-portal")
    from cases.tenancy import Scope

    seen = InformationRequest.objects.visible_to(
        Scope(user=police.user, membership=police)
    ).values_list("case__partnership__slug", flat=True)
    assert set(seen) == {"leicester", "leicestershire-rutland"}


def test_no_seeded_child_name_reaches_a_log_an_email_or_a_url(partnerships, caplog, client):
    """The demo's invented names are in the restricted file only (DESIGN.md, brief)."""
    import logging

    from django.core import mail

    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES
    from cases.models import AccessEvent
    from tests.factories import sign_in

    caplog.set_level(logging.DEBUG)
    call_command("seed_demo", stdout=StringIO())
    office = User.objects.get(username="leicester-office")
    sign_in(client, office)
    for case in Case.objects.for_partnership(Partnership.objects.get(slug="leicester")):
        for page in ("", "restricted/", "requests/", "combined-summary/"):
            assert client.get(f"{case.get_absolute_url()}{page}").status_code == 200
    names = [name for pair in DEMO_CHILD_NAMES for name in pair if name]
    restricted = client.get(f"{case.get_absolute_url()}restricted/").content.decode()
    assert any(name in restricted for name in names)  # the names are really there
    logged = caplog.text + "".join(m.subject + m.body for m in mail.outbox)
    logged += " ".join(e.object_reference + e.route + e.purpose for e in AccessEvent.unscoped.all())
    for name in names:
        assert name not in logged
        for part in name.split():
            assert part not in logged
