"""The scoping choke point: unscoped reads fail loudly; scoped reads see one tenant."""

import re
from pathlib import Path

import pytest

from cases.models import Case, Membership, Partnership, Role
from cases.tenancy import Scope, UnscopedQueryError
from tests.factories import AgencyFactory, agency_user, open_case, staff_user


def scope_of(user):
    return Scope(user=user, membership=Membership.objects.get(user=user))


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda: list(Case.objects.all()), id="iterate"),
        pytest.param(lambda: Case.objects.filter(stage="intake").count(), id="count"),
        pytest.param(lambda: Case.objects.exists(), id="exists"),
        pytest.param(lambda: Case.objects.get(reference="LSCP-2026-0001"), id="get"),
        pytest.param(lambda: Case.objects.first(), id="first"),
        pytest.param(lambda: list(Case.objects.values_list("reference")), id="values"),
        pytest.param(lambda: Case.objects.update(stage="closed"), id="update"),
        pytest.param(lambda: Case.objects.all().delete(), id="delete"),
        pytest.param(lambda: list(Case.objects.iterator()), id="iterator"),
    ],
)
def test_an_unscoped_query_of_case_data_raises(query, leicester):
    open_case(leicester)
    with pytest.raises(UnscopedQueryError, match="without a tenant scope"):
        query()


def test_combining_with_an_unscoped_query_is_unscoped(leicester, lr, leicester_office):
    open_case(leicester)
    open_case(lr)
    scoped = Case.objects.visible_to(scope_of(leicester_office))
    for combined in (
        scoped | Case.objects.all(),
        Case.objects.all() | scoped,
        scoped & Case.objects.all(),
        scoped.union(Case.objects.all()),
        Case.objects.all().union(scoped),
    ):
        with pytest.raises(UnscopedQueryError):
            list(combined)
    assert len(list(scoped | scoped)) == 1


def test_an_unscoped_subquery_raises(leicester):
    open_case(leicester)
    with pytest.raises(UnscopedQueryError):
        list(Partnership.objects.filter(pk__in=Case.objects.values("partnership")))


def test_scoping_survives_chaining(leicester, leicester_office):
    case = open_case(leicester)
    scoped = Case.objects.visible_to(scope_of(leicester_office))
    assert list(scoped.filter(stage=case.stage).order_by("reference")) == [case]
    assert scoped.exclude(pk=case.pk).count() == 0


def test_staff_see_only_their_partnership(leicester, lr, leicester_office, lr_office):
    mine = open_case(leicester)
    theirs = open_case(lr)
    assert list(Case.objects.visible_to(scope_of(leicester_office))) == [mine]
    assert list(Case.objects.visible_to(scope_of(lr_office))) == [theirs]


def test_agency_users_see_no_cases_of_either_partnership(leicester, lr):
    open_case(leicester)
    open_case(lr)
    police = agency_user(AgencyFactory(name="Leicestershire Police"))
    assert Case.objects.visible_to(scope_of(police)).count() == 0


def test_no_scope_sees_nothing(leicester):
    open_case(leicester)
    assert Case.objects.visible_to(None).count() == 0


def test_a_user_with_two_partnerships_reads_one_at_a_time(leicester, lr):
    user = staff_user(leicester, role=Role.INDEPENDENT_SCRUTINEER)
    Membership.objects.create(user=user, role=Role.INDEPENDENT_SCRUTINEER, partnership=lr)
    leicester_case, lr_case = open_case(leicester), open_case(lr)
    for membership, expected in [
        (user.memberships.get(partnership=leicester), leicester_case),
        (user.memberships.get(partnership=lr), lr_case),
    ]:
        assert list(Case.objects.visible_to(Scope(user=user, membership=membership))) == [expected]


def test_no_product_code_reads_case_data_around_the_choke_point():
    """Bypasses of the scoped manager are allowed only where they are named here."""
    root = Path(__file__).resolve().parents[2]
    allowed = {
        "cases/tenancy.py",
        "cases/models.py",
        # The admin's own scoping: it limits Django's unscoped admin to the partnerships
        # the staff user administers (tests/cases/test_admin_scoping.py).
        "cases/admin_scoping.py",
        # The daily purge of the anti-duplicate rows' own history, which holds no case data.
        "cases/services/once.py",
        # issue 18: retention. Erasure empties the case's history rows too, which no scoped
        # manager reaches; the ids come from the case read through the scope.
        "retention/services/erasure.py",
        # The senders' claim: the sent-stamps of rows just read and locked through the
        # scoped queryset, written by primary key (the scoped UPDATE's subquery is slow).
        "cases/services/mail.py",
        # The dashboard's referrals to the CRG: "a later step of the same request" is a
        # correlated subquery bound to an escalation the outer query read through the
        # scope; it reads no row by itself, and scoping it again joined every request of
        # the partnership (issue 18).
        "reviews/selectors/submissions.py",
        # make faults: the soak counts every partnership's outbox rows in its own
        # throwaway database, as an operator would, to check nothing was lost or doubled.
        "bench/faults.py",
    }
    bypasses = re.compile(r"\.unscoped\b|_default_manager|_base_manager|\b[A-Z]\w*\.history\.")
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if (
            relative.split("/")[0] in {"tests", ".venv", "node_modules"}
            or "/migrations/" in relative
        ):
            continue
        text = path.read_text()
        if relative not in allowed and bypasses.search(text):
            offenders.append(relative)
    assert offenders == []


def test_product_code_changes_rows_only_through_history_aware_paths():
    """Queryset .update()/.bulk_update() skip simple-history; services save() instead.

    A line on a model without history (an append-only record) says so in a comment.
    """
    root = Path(__file__).resolve().parents[2]
    bulk = re.compile(r"\)\.update\(|\.bulk_update\(|objects\.update\(")
    offenders = [
        path.relative_to(root).as_posix()
        for app in ["lcspr", "cases", "rapidreview", "reviews", "publication", "retention"]
        for path in (root / app).rglob("*.py")
        if "/migrations/" not in path.as_posix()
        and path.name != "tenancy.py"  # the scoped queryset's own update()
        and any(
            bulk.search(line) and "# history-free model" not in line
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
