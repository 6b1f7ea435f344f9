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
