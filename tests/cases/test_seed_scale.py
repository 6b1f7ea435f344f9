"""seed_scale (issue 18): realistic volume for the load test, here at a tiny --scale.

The demo's people and agencies it builds on are made here with the factories (the demo
itself takes a minute to load); seed_scale loads the demo only when they are missing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.management.commands.seed_scale import CASES, MODELS
from cases.models import AccessEvent, AgencyKind, Case, InformationRequest, Role
from cases.tenancy import Scope
from tests.factories import AgencyFactory, agency_user, staff_user

SCALE = 0.002  # 10 cases in each partnership

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="seed_scale writes with PostgreSQL's COPY"
)


@pytest.fixture
def demo_people(partnerships, settings):
    """The demo's offices, chairs and five agencies serving both partnerships."""
    settings.DEMO_DATA_ALLOWED = True
    people = {}
    for slug, prefix in (("leicester", "leicester"), ("leicestershire-rutland", "lr")):
        partnership = partnerships[slug]
        people[slug] = staff_user(partnership, username=f"{prefix}-office")
        staff_user(partnership, role=Role.CRG_CHAIR, username=f"{prefix}-chair")
    agencies = [
        AgencyFactory(kind=kind)
        for kind in (
            AgencyKind.POLICE,
            AgencyKind.HEALTH_TRUST,
            AgencyKind.LOCAL_AUTHORITY,
            AgencyKind.PROBATION,
            AgencyKind.SCHOOL,
        )
    ]
    return people, agencies


def seed(scale=SCALE):
    out = StringIO()
    call_command("seed_scale", scale=scale, stdout=out, stderr=StringIO())
    return out.getvalue()


def printed(output: str) -> dict[str, tuple[int, int]]:
    """The table of the output: {table: (added, rows)}."""
    rows = {}
    for line in output.splitlines()[2:]:
        table, added, total = line.split()
        rows[table] = (int(added.replace(",", "")), int(total.replace(",", "")))
    return rows


def in_database() -> dict[str, int]:
    counts = {}
    for model in MODELS:
        counts[model._meta.db_table] = model.unscoped.count()
        counts[model.history.model._meta.db_table] = model.history.count()
    counts[AccessEvent._meta.db_table] = AccessEvent.unscoped.count()
    return counts


def test_it_refuses_without_debug_or_demo(partnerships, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEBUG=1 or DEMO=1"):
        seed()
    assert Case.unscoped.count() == 0


def test_the_counts_it_prints_are_the_database_s(demo_people):
    output = seed()
    assert output.startswith(f"seed_scale --scale {SCALE:g}: {round(CASES * SCALE)} cases added")
    table = printed(output)
    counts = in_database()
    assert set(table) == set(counts)
    assert {name: rows for name, (_, rows) in table.items()} == counts
    # Nothing was there before: every row is one it added.
    assert {name: added for name, (added, _) in table.items()} == counts
    assert all(counts.values()), counts  # every table has rows, history included


def test_every_partnership_gets_cases_each_reachable_through_the_scoping(demo_people):
    people, agencies = demo_people
    seed()
    expected = round(CASES * SCALE / len(people))
    reached = set()
    for slug, office in people.items():
        scope = Scope(user=office, membership=office.memberships.get())
        visible = Case.objects.visible_to(scope)
        assert visible.count() == expected
        assert set(visible.values_list("partnership__slug", flat=True)) == {slug}
        reached |= set(visible.values_list("pk", flat=True))
    assert reached == set(Case.unscoped.values_list("pk", flat=True))
    # Each request reaches the agency it is addressed to, through the portal's scoping.
    portal = set()
    for agency in agencies:
        user = agency_user(agency)
        scope = Scope(user=user, membership=user.memberships.get())
        portal |= set(InformationRequest.objects.visible_to(scope).values_list("pk", flat=True))
    assert portal == set(InformationRequest.unscoped.values_list("pk", flat=True))


def test_running_it_twice_adds_nothing_and_a_larger_scale_adds_the_difference(demo_people):
    seed()
    counts = in_database()
    again = printed(seed())
    assert {name: added for name, (added, _) in again.items()} == dict.fromkeys(counts, 0)
    assert in_database() == counts

    larger = printed(seed(scale=2 * SCALE))
    assert larger["cases_case"] == (round(CASES * SCALE), 2 * round(CASES * SCALE))
    assert larger["cases_accessevent"][1] == 2 * counts["cases_accessevent"]
    assert Case.unscoped.values("reference").distinct().count() == 2 * round(CASES * SCALE)
