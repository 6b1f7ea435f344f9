"""The Django admin is scoped to the staff user's partnerships (issue 11, item 2).

A partnership admin is a staff user with an active Partnership admin membership.
Within their partnerships they manage what the admin holds; another partnership's
rows answer 404, as if they did not exist; only superusers cross partnerships.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.admin_scoping import PartnershipScopedAdmin, PartnershipScopedInline, SuperuserOnlyAdmin
from cases.models import (
    Agency,
    AgencyKind,
    ApiToken,
    ClosureDay,
    Membership,
    Role,
    User,
)
from cases.services import api_token_create
from tests.cases.test_sign_in import PASSWORD, code_for
from tests.factories import AgencyFactory, UserFactory, membership, sign_in

# Admins of models that belong to no partnership: superusers only, and said so here.
SUPERUSER_ONLY = {"auth.group", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}

MODELS = ["partnership", "agency", "user", "membership", "apitoken"]
OBJECT_VIEWS = ["change", "delete", "history"]
NON_ADMIN_ROLES = [role for role in Role if role != Role.PARTNERSHIP_ADMIN]


def partnership_admin(partnership, username, **kwargs):
    user = UserFactory(username=username, is_staff=True, **kwargs)
    membership(user, Role.PARTNERSHIP_ADMIN, partnership=partnership)
    # Before the admin was scoped, a partnership admin needed Django's permissions on
    # every model: given here, so that the tests show the scope, not their absence,
    # refusing the other partnership. The scoped admin does not read them.
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="cases"))
    return user


class World:
    """Each partnership's rows of every admin, and rows that span both."""

    def __init__(self, leicester, lr):
        self.leicester, self.lr = leicester, lr
        self.agency = {
            leicester: AgencyFactory(
                name="Leicester Test School", kind=AgencyKind.SCHOOL, partnerships=[leicester]
            ),
            lr: AgencyFactory(
                name="Rutland Test School", kind=AgencyKind.SCHOOL, partnerships=[lr]
            ),
        }
        self.shared_agency = AgencyFactory(name="Shared Test Police", partnerships=[leicester, lr])
        self.office = {}
        self.office_membership = {}
        for partnership, username in [(leicester, "l-office"), (lr, "r-office")]:
            user = UserFactory(username=username)
            self.office[partnership] = user
            self.office_membership[partnership] = membership(
                user, Role.BUSINESS_OFFICE, partnership=partnership
            )
            api_token_create(membership=self.office_membership[partnership])
        self.token = {
            p: ApiToken.objects.get(membership=self.office_membership[p]) for p in (leicester, lr)
        }
        # Someone who works for both partnerships is neither partnership admin's to edit.
        self.both = UserFactory(username="both-crg")
        membership(self.both, Role.CRG_MEMBER, partnership=leicester)
        membership(self.both, Role.CRG_MEMBER, partnership=lr)
        self.shared_portal_user = UserFactory(username="shared-portal")
        membership(self.shared_portal_user, Role.AGENCY_USER, agency=self.shared_agency)
        self.admin = {
            leicester: partnership_admin(leicester, "l-admin"),
            lr: partnership_admin(lr, "r-admin"),
        }
        self.root = UserFactory(username="root", is_staff=True, is_superuser=True)

    def row(self, model, partnership):
        return {
            "partnership": partnership,
            "agency": self.agency[partnership],
            "user": self.office[partnership],
            "membership": self.office_membership[partnership],
            "apitoken": self.token[partnership],
        }[model]

    def other(self, partnership):
        return self.lr if partnership == self.leicester else self.leicester


@pytest.fixture
def world(leicester, lr):
    return World(leicester, lr)


def url(model, view, obj=None):
    if obj is None:
        return reverse(f"admin:cases_{model}_{view}")
    return reverse(f"admin:cases_{model}_{view}", args=[obj.pk])


def statuses(client, world, home):
    """{(model, view, whose): status} over every admin route, `home` being "own"."""
    answers = {}
    for model in MODELS:
        for view in ["changelist", "add"]:
            answers[model, view, None] = client.get(url(model, view)).status_code
        for whose, partnership in [("own", home), ("other", world.other(home))]:
            for view in OBJECT_VIEWS:
                obj = world.row(model, partnership)
                answers[model, view, whose] = client.get(url(model, view, obj)).status_code
    return answers


def expected_for_partnership_admin():
    answers = {}
    for model in MODELS:
        answers[model, "changelist", None] = 200
        # A new partnership is beyond one partnership; tokens are made by a command.
        answers[model, "add", None] = 403 if model in {"partnership", "apitoken"} else 200
        for view in OBJECT_VIEWS:
            answers[model, view, "own"] = 200
            answers[model, view, "other"] = 404
    answers["partnership", "delete", "own"] = 403
    return answers


def expected_for_superuser():
    answers = {}
    for model in MODELS:
        answers[model, "changelist", None] = 200
        answers[model, "add", None] = 403 if model == "apitoken" else 200
        for view in OBJECT_VIEWS:
            answers[model, view, "own"] = answers[model, view, "other"] = 200
    return answers


def expected_for_staff_without_the_role():
    answers = {}
    for model in MODELS:
        answers[model, "changelist", None] = answers[model, "add", None] = 403
        for view in OBJECT_VIEWS:
            answers[model, view, "own"] = answers[model, view, "other"] = 404
    return answers


@pytest.mark.parametrize("home", ["leicester", "leicestershire-rutland"])
def test_a_partnership_admin_reaches_only_their_partnership(client, world, partnerships, home):
    home = partnerships[home]
    sign_in(client, world.admin[home])
    assert statuses(client, world, home) == expected_for_partnership_admin()


@pytest.mark.parametrize("home", ["leicester", "leicestershire-rutland"])
def test_posts_to_the_other_partnerships_rows_change_nothing(client, world, partnerships, home):
    home = partnerships[home]
    other = world.other(home)
    sign_in(client, world.root)
    valid_forms = {
        model: form_data(client.get(url(model, "change", world.row(model, other))), model)
        for model in MODELS
    }
    sign_in(client, world.admin[home])
    for model in MODELS:
        row = world.row(model, other)
        before = type(row).objects.filter(pk=row.pk).values().get()
        changed = client.post(url(model, "change", row), valid_forms[model])
        deleted = client.post(url(model, "delete", row), {"post": "yes"})
        assert (model, changed.status_code, deleted.status_code) == (model, 404, 404)
        assert type(row).objects.filter(pk=row.pk).values().get() == before


def test_a_superuser_reaches_both_partnerships(client, world):
    sign_in(client, world.root)
    assert statuses(client, world, world.leicester) == expected_for_superuser()


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_staff_with_any_other_role_reach_nothing(client, world, role):
    user = UserFactory(username=f"staff-{role}", is_staff=True)
    if role == Role.AGENCY_USER:
        membership(user, role, agency=world.agency[world.leicester])
    else:
        membership(user, role, partnership=world.leicester)
    sign_in(client, user)
    assert statuses(client, world, world.leicester) == expected_for_staff_without_the_role()
    index = client.get(reverse("admin:index"))
    assert "You don’t have permission to view or edit anything." in index.text


def test_a_partnership_admin_without_staff_status_is_not_let_in(client, world):
    user = UserFactory(username="not-staff")
    membership(user, Role.PARTNERSHIP_ADMIN, partnership=world.leicester)
    sign_in(client, user)
    answers = statuses(client, world, world.leicester)
    assert set(answers.values()) == {302}
    assert client.get(url("partnership", "changelist"))["Location"].startswith("/admin/login/")


def test_an_inactive_partnership_admin_membership_gives_nothing(client, world):
    Membership.objects.filter(user=world.admin[world.leicester]).update(is_active=False)
    sign_in(client, world.admin[world.leicester])
    assert statuses(client, world, world.leicester) == expected_for_staff_without_the_role()


def test_lists_show_only_own_rows(client, world):
    sign_in(client, world.admin[world.leicester])
    shown = {model: client.get(url(model, "changelist")).text for model in MODELS}
    assert "Leicester Test School" in shown["agency"]
    assert "Rutland Test School" not in shown["agency"]
    assert "l-office" in shown["user"]
    assert "r-office" not in shown["user"]
    assert "both-crg" not in shown["user"]
    assert "shared-portal" not in shown["user"]
    assert "root" not in shown["user"]
    assert "l-office" in shown["membership"]
    assert "r-office" not in shown["membership"]
    assert world.token[world.leicester].key_prefix in shown["apitoken"]
    assert world.token[world.lr].key_prefix not in shown["apitoken"]
    partnerships = client.get(url("partnership", "changelist")).context["cl"].result_list
    assert list(partnerships) == [world.leicester]


def test_the_admin_index_offers_only_partnership_models(client, world):
    sign_in(client, world.admin[world.leicester])
    apps = client.get(reverse("admin:index")).context["app_list"]
    models = {m["object_name"] for app in apps for m in app["models"]}
    assert models == {"Partnership", "Agency", "User", "Membership", "ApiToken"}


@pytest.mark.parametrize("label", sorted(SUPERUSER_ONLY))
def test_lockouts_and_groups_are_for_superusers_only(client, world, label):
    app_label, model = label.split(".")
    if not any(m._meta.label_lower == label for m in admin.site._registry):
        pytest.fail(f"{label} is listed as superuser-only but is not in the admin")
    changelist = reverse(f"admin:{app_label}_{model}_changelist")
    sign_in(client, world.admin[world.leicester])
    assert client.get(changelist).status_code == 403
    sign_in(client, world.root)
    assert client.get(changelist).status_code == 200


def test_every_admin_is_scoped_or_for_superusers_only():
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in SUPERUSER_ONLY:
            assert isinstance(model_admin, SuperuserOnlyAdmin), label
            continue
        assert isinstance(model_admin, PartnershipScopedAdmin), (
            f"{label}'s admin must use PartnershipScopedAdmin (cases/admin_scoping.py) "
            "or be listed as superuser-only"
        )
        for inline in model_admin.inlines:
            assert issubclass(inline, PartnershipScopedInline), f"{label}: {inline.__name__}"


class _FormReader(HTMLParser):
    """What a browser would post from the page's main form."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "__prefix__" in (attrs.get("name") or ""):
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if "checked" in attrs else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.data.pop()
            self.data.append((name, text + data))


def form_data(response, model):
    reader = _FormReader(f"{model}_form")
    reader.feed(response.text)
    data = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data


def add_closure_day(data, day):
    index = int(data["closure_days-TOTAL_FORMS"][0])
    data["closure_days-TOTAL_FORMS"] = [str(index + 1)]
    data[f"closure_days-{index}-day"] = [day.isoformat()]
    data[f"closure_days-{index}-reason"] = ["Staff training"]


def test_the_other_partnerships_closure_days_cannot_be_changed(client, world):
    """The issue's exploit: closure days move the other partnership's deadlines."""
    day = datetime.date.today() + datetime.timedelta(days=30)
    sign_in(client, world.root)
    valid_for_lr = form_data(client.get(url("partnership", "change", world.lr)), "partnership")
    add_closure_day(valid_for_lr, day)

    sign_in(client, world.admin[world.leicester])
    response = client.post(url("partnership", "change", world.lr), valid_for_lr)
    assert response.status_code == 404
    assert not ClosureDay.objects.filter(partnership=world.lr, day=day).exists()

    own = form_data(client.get(url("partnership", "change", world.leicester)), "partnership")
    add_closure_day(own, day)
    response = client.post(url("partnership", "change", world.leicester), own)
    assert response.status_code == 302
    assert ClosureDay.objects.filter(partnership=world.leicester, day=day).exists()


def test_a_partnership_admin_cannot_give_themselves_a_role_in_the_other_partnership(client, world):
    """The issue's exploit: a Business Office membership in L&R, to read its files."""
    leicester_admin = world.admin[world.leicester]
    sign_in(client, leicester_admin)
    before = set(Membership.objects.values_list("pk", "user", "role", "partnership", "agency"))

    response = client.post(
        url("membership", "add"),
        {
            "user": leicester_admin.pk,
            "role": Role.BUSINESS_OFFICE,
            "partnership": world.lr.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["partnership"])

    portal = client.post(
        url("membership", "add"),
        {"user": leicester_admin.pk, "role": Role.AGENCY_USER, "agency": world.shared_agency.pk},
    )
    assert "Select a valid choice" in str(portal.context["adminform"].form.errors["agency"])

    # Through the memberships on their own user's page, too.
    page = client.get(url("user", "change", leicester_admin))
    data = form_data(page, "user")
    index = int(data["memberships-TOTAL_FORMS"][0])
    data["memberships-TOTAL_FORMS"] = [str(index + 1)]
    data[f"memberships-{index}-role"] = [Role.BUSINESS_OFFICE]
    data[f"memberships-{index}-partnership"] = [str(world.lr.pk)]
    data[f"memberships-{index}-is_active"] = ["on"]
    inline = client.post(url("user", "change", leicester_admin), data)
    assert inline.status_code == 200
    assert "Select a valid choice" in str(inline.context["inline_admin_formsets"][0].formset.errors)

    # Nor can anyone be made a superuser, or given groups or permissions.
    assert "is_superuser" not in page.context["adminform"].form.fields
    assert "user_permissions" not in page.context["adminform"].form.fields
    assert "groups" not in page.context["adminform"].form.fields
    data = form_data(page, "user")
    data["is_superuser"] = ["on"]
    assert client.post(url("user", "change", leicester_admin), data).status_code == 302
    leicester_admin.refresh_from_db()
    assert leicester_admin.is_superuser is False

    after = set(Membership.objects.values_list("pk", "user", "role", "partnership", "agency"))
    assert after == before
    assert not Membership.objects.filter(user=leicester_admin, partnership=world.lr).exists()


def test_a_partnership_admin_manages_their_own_memberships(client, world):
    sign_in(client, world.admin[world.leicester])
    response = client.post(
        url("membership", "add"),
        {
            "user": world.office[world.leicester].pk,
            "role": Role.CRG_CHAIR,
            "partnership": world.leicester.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=world.office[world.leicester], role=Role.CRG_CHAIR, partnership=world.leicester
    ).exists()
    # Another partnership's person cannot be picked at all.
    refused = client.post(
        url("membership", "add"),
        {
            "user": world.office[world.lr].pk,
            "role": Role.CRG_CHAIR,
            "partnership": world.leicester.pk,
            "is_active": "on",
        },
    )
    assert "Select a valid choice" in str(refused.context["adminform"].form.errors["user"])
    assert not Membership.objects.filter(user=world.office[world.lr], role=Role.CRG_CHAIR).exists()


def test_the_membership_form_offers_only_own_partnerships_and_agencies(client, world):
    sign_in(client, world.admin[world.leicester])
    form = client.get(url("membership", "add")).context["adminform"].form
    assert list(form.fields["partnership"].queryset) == [world.leicester]
    assert list(form.fields["agency"].queryset) == [world.agency[world.leicester]]
    assert set(form.fields["represents"].queryset) == set(
        Agency.objects.filter(partnerships=world.leicester)
    )
    users = set(form.fields["user"].queryset)
    assert world.office[world.leicester] in users
    assert not users & {world.office[world.lr], world.both, world.shared_portal_user, world.root}

    # The autocomplete behind those fields answers the same.
    def autocomplete(field):
        answer = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "cases", "model_name": "membership", "field_name": field, "term": ""},
        )
        return {row["text"] for row in answer.json()["results"]}

    assert autocomplete("partnership") == {world.leicester.name}
    assert autocomplete("agency") == {"Leicester Test School"}
    assert "Rutland Test School" not in autocomplete("represents")
    assert "r-office" not in autocomplete("user")


def test_other_forms_offer_only_own_rows(client, world):
    sign_in(client, world.admin[world.leicester])
    agency_form = client.get(url("agency", "add")).context["adminform"].form
    assert list(agency_form.fields["partnerships"].queryset) == [world.leicester]
    partnership_form = (
        client.get(url("partnership", "change", world.leicester)).context["adminform"].form
    )
    usual = set(partnership_form.fields["usual_agencies"].queryset)
    assert world.agency[world.leicester] in usual
    assert world.shared_agency in usual
    assert world.agency[world.lr] not in usual
    changelist = client.get(url("membership", "changelist"))
    partnership_filter = next(
        f for f in changelist.context["cl"].filter_specs if f.field_path == "partnership"
    )
    assert [name for _, name in partnership_filter.lookup_choices] == [world.leicester.name]
    user_filters = client.get(url("user", "changelist")).context["cl"].filter_specs
    assert {spec.title for spec in user_filters} == {"staff status", "active"}


def test_an_agency_serving_both_partnerships_is_read_only(client, world):
    sign_in(client, world.admin[world.leicester])
    shared = world.shared_agency
    page = client.get(url("agency", "change", shared))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    refused = client.post(
        url("agency", "change", shared),
        {"name": "Renamed", "kind": shared.kind, "partnerships": [world.leicester.pk]},
    )
    assert refused.status_code == 403
    assert client.get(url("agency", "delete", shared)).status_code == 403
    deleting = client.post(
        url("agency", "changelist"),
        {"action": "delete_selected", "_selected_action": [shared.pk], "post": "yes"},
    )
    assert deleting.status_code == 403
    shared.refresh_from_db()
    assert shared.name == "Shared Test Police"
    assert set(shared.partnerships.all()) == {world.leicester, world.lr}


def test_an_agency_is_added_only_to_own_partnerships(client, world):
    sign_in(client, world.admin[world.leicester])
    refused = client.post(
        url("agency", "add"),
        {"name": "Rutland Academy", "kind": AgencyKind.SCHOOL, "partnerships": [world.lr.pk]},
    )
    assert "Select a valid choice" in str(refused.context["adminform"].form.errors)
    assert not Agency.objects.filter(name="Rutland Academy").exists()
    added = client.post(
        url("agency", "add"),
        {
            "name": "Leicester Academy",
            "kind": AgencyKind.SCHOOL,
            "partnerships": [world.leicester.pk],
        },
    )
    assert added.status_code == 302
    assert list(Agency.objects.get(name="Leicester Academy").partnerships.all()) == [
        world.leicester
    ]


def test_actions_do_not_reach_the_other_partnership(client, world):
    sign_in(client, world.admin[world.leicester])
    lr_token = world.token[world.lr]
    client.post(
        url("apitoken", "changelist"), {"action": "revoke", "_selected_action": [lr_token.pk]}
    )
    lr_token.refresh_from_db()
    assert lr_token.revoked_at is None

    lr_office = world.office[world.lr]
    TOTPDevice.objects.create(user=lr_office, name="app", confirmed=True)
    client.post(
        url("user", "changelist"),
        {"action": "reset_two_factor", "_selected_action": [lr_office.pk]},
    )
    assert TOTPDevice.objects.filter(user=lr_office).exists()

    client.post(
        url("user", "changelist"),
        {"action": "delete_selected", "_selected_action": [lr_office.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=lr_office.pk).exists()

    own_token = world.token[world.leicester]
    client.post(
        url("apitoken", "changelist"), {"action": "revoke", "_selected_action": [own_token.pk]}
    )
    own_token.refresh_from_db()
    assert own_token.revoked_at is not None


def test_a_new_user_is_their_makers_until_given_a_membership(client, world):
    sign_in(client, world.admin[world.leicester])
    data = form_data(client.get(url("user", "add")), "user")
    data.update(
        {
            "username": ["new-officer"],
            "password1": ["a-long-enough-passphrase-42"],
            "password2": ["a-long-enough-passphrase-42"],
        }
    )
    response = client.post(url("user", "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = User.objects.get(username="new-officer")
    assert client.get(url("user", "change", new)).status_code == 200

    sign_in(client, world.admin[world.lr])
    assert client.get(url("user", "change", new)).status_code == 404


def test_passwords_are_set_only_for_own_users(client, world):
    sign_in(client, world.admin[world.leicester])
    own = reverse("admin:auth_user_password_change", args=[world.office[world.leicester].pk])
    other = reverse("admin:auth_user_password_change", args=[world.office[world.lr].pk])
    assert client.get(own).status_code == 200
    refused = client.post(
        other, {"password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"}
    )
    assert refused.status_code == 404
    world.office[world.lr].refresh_from_db()
    assert world.office[world.lr].check_password(PASSWORD)


def test_view_on_site_does_not_name_the_other_partnerships_cases(client, world):
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case
    from tests.factories import open_case

    case = open_case(world.lr)
    shortcut = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Case).pk, case.pk]
    )
    sign_in(client, world.admin[world.leicester])
    refused = client.get(shortcut)
    assert refused.status_code == 404
    assert case.reference not in refused.get("Location", "")
    sign_in(client, world.root)
    assert client.get(shortcut)["Location"].endswith(f"/cases/{case.reference}/")


def test_history_cannot_be_reverted_by_a_partnership_admin(client, world):
    sign_in(client, world.admin[world.leicester])
    record = world.office_membership[world.leicester].history.first()
    revert = reverse(
        "admin:cases_membership_simple_history",
        args=[world.office_membership[world.leicester].pk, record.history_id],
    )
    assert client.get(revert).status_code == 403


def test_a_save_that_ends_outside_the_partnership_is_refused(world):
    """The last check, behind the choice lists: a save must stay in the partnerships."""
    request = RequestFactory().post("/")
    request.user = world.admin[world.leicester]
    model_admin = admin.site._registry[Membership]

    class Saved:
        instance = world.office_membership[world.lr]

        def save_m2m(self):
            pass

    with pytest.raises(PermissionDenied):
        model_admin.save_related(request, Saved(), [], change=True)


# Issue 12: "Admin lands on the admin index after sign-in, not a 403."


def sign_in_with_both_factors(client, user, start):
    """Follows the sign-in as a browser does, from `start`; returns the final response."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    response = client.get(start, follow=True)
    form = form_data_of_page(response)
    response = client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else start,
        {**form, "username": user.username, "password": PASSWORD},
        follow=True,
    )
    page, form = response.request["PATH_INFO"], form_data_of_page(response)
    query = response.request.get("QUERY_STRING", "")
    return client.post(f"{page}?{query}", {**form, "code": code_for(device)}, follow=True)


def form_data_of_page(response):
    reader = _FormReader(None)
    reader.inside = True
    reader.feed(response.text)
    return {name: value for name, value in reader.data if name not in {"username", "password"}}


@pytest.mark.parametrize(
    ("start", "lands_on"),
    [
        ("/sign-in/", "/admin/"),
        ("/admin/login/", "/admin/"),
        ("/admin/", "/admin/"),
        ("/admin/cases/", "/admin/cases/"),
    ],
)
def test_a_configuration_account_lands_on_the_admin_after_signing_in(
    client, world, start, lands_on
):
    response = sign_in_with_both_factors(client, world.root, start)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == lands_on


def test_a_partnership_admin_signing_in_at_the_admin_lands_on_it(client, world):
    response = sign_in_with_both_factors(client, world.admin[world.leicester], "/admin/login/")
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/"
    assert "Partnerships" in response.text


def test_a_partnership_admin_signing_in_at_the_product_lands_on_the_dashboard(client, world):
    response = sign_in_with_both_factors(client, world.admin[world.leicester], "/sign-in/")
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/"
