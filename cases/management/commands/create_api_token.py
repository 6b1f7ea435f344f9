from django.core.management.base import BaseCommand, CommandError

from cases import services
from cases.errors import ApplicationError
from cases.models import Membership, User


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it (last line). The token acts for one "
        "of the user's memberships: pass --partnership or --agency if they have several."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--partnership", help="slug of the partnership the token acts for")
        parser.add_argument("--agency", help="name of the agency the token acts for")

    def handle(self, *args, username, partnership, agency, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        memberships = Membership.objects.filter(user=user, is_active=True).select_related(
            "partnership", "agency"
        )
        if partnership:
            memberships = memberships.filter(partnership__slug=partnership)
        if agency:
            memberships = memberships.filter(agency__name=agency)
        memberships = list(memberships)
        if not memberships:
            raise CommandError(f"{username} has no active membership that matches.")
        organisations = {
            f"--partnership {m.partnership.slug}"
            if m.partnership
            else f'--agency "{m.agency.name}"'
            for m in memberships
        }
        if len(organisations) > 1:
            names = ", ".join(sorted(organisations))
            raise CommandError(f"{username} works for several organisations: add one of {names}.")
        try:
            key = services.api_token_create(
                membership=memberships[0], reason="Created with manage.py create_api_token"
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stderr.write(
            f"Token for {username} acting for {memberships[0].organisation_name}. "
            "It is shown once; store it as a secret."
        )
        self.stdout.write(key)
