"""The key themes (§8.8): the partnership's theme list, kept by its partnership admin from a
starting list; the Panel names themes coded from it, as few as practicable (a reason
above five, §8.8.1), and tags chronology entries and submissions with them."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import (
    ChronologyEntry,
    InformationRequest,
    Partnership,
    RequestPurpose,
    RequestStatus,
    Role,
    SubmissionKind,
)
from reviews import services
from reviews.models import KeyTheme, Lcspr, ThemeCode
from reviews.rules import STARTING_THEMES
from reviews.selectors.themes import review_themes, themes_shared_summary, themes_status
from reviews.services.themes import (
    CODE_IN_USE,
    REASON_NEEDED,
    REASON_RECORDED_MEANWHILE,
    STALE,
)
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(leicester):
    case = open_case(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    lcspr = appoint(case, reviewer).lcspr
    return {"case": case, "lcspr": lcspr, "reviewer": reviewer, "office": staff_user(leicester)}


def code(partnership, slug):
    return ThemeCode.unscoped.get(partnership=partnership, code=slug)


def themes_url(case):
    return reverse("lcspr_themes", kwargs={"reference": case.reference})


def add_theme(lcspr, slug, n, reason=""):
    return services.key_theme_add(
        lcspr=lcspr,
        code=code(lcspr.case.partnership, slug),
        title=f"Theme {n}",
        description=f"What theme {n} looks at",
        reason=reason,
        actor=None,
    )


# --- The theme list ----------------------------------------------------------------------


def test_each_partnership_starts_with_the_national_panels_themes(leicester, lr):
    wanted = {
        "Neglect",
        "Domestic abuse",
        "Parental mental health",
        "Parental substance misuse",
        "Child sexual abuse",
        "Child sexual exploitation",
        "Child criminal exploitation",
        "Sudden unexpected infant death",
        "Non-accidental injury",
        "Multi-agency information sharing",
        "The voice of the child",
    }
    for partnership in (leicester, lr):
        labels = set(
            ThemeCode.unscoped.filter(partnership=partnership).values_list("label", flat=True)
        )
        assert wanted <= labels


def test_a_new_partnership_gets_the_starting_list():
    partnership = Partnership.objects.create(
        slug="rutland-test", name="Test partnership", reference_prefix="TST"
    )
    assert ThemeCode.unscoped.filter(partnership=partnership).count() == len(STARTING_THEMES)
    # Giving it again adds nothing.
    assert services.starting_themes_give(partnership) == 0


def test_the_partnership_admin_adds_renames_reorders_and_deactivates(client, leicester):
    admin = staff_user(leicester, role=Role.PARTNERSHIP_ADMIN)
    sign_in(client, admin)
    list_url = reverse("theme_list")
    page = client.get(list_url)
    assert page.status_code == 200
    assert "Neglect" in page.text
    response = client.post(
        list_url,
        {"form": "add", "label": "Fabricated illness", "code": "fabricated-illness"},
    )
    assert response.status_code == 302
    added = code(leicester, "fabricated-illness")
    assert added.order > code(leicester, "neglect").order
    taken = client.post(list_url, {"form": "add", "label": "Again", "code": "neglect"})
    assert "The list already has a theme with this code." in taken.text
    bad = client.post(list_url, {"form": "add", "label": "", "code": "Not a slug!"})
    assert escape("Enter the theme's name.") in bad.text
    assert "The code can hold only lower-case letters, numbers and hyphens." in bad.text

    client.post(list_url, {"form": "move", "theme": added.pk, "move": "up"})
    codes = list(ThemeCode.unscoped.filter(partnership=leicester).order_by("order"))
    assert codes[-2] == added

    edit_url = reverse("theme_code", kwargs={"pk": added.pk})
    client.post(
        edit_url,
        {"label": "Fabricated or induced illness", "description": "FII", "version": added.version},
    )
    added.refresh_from_db()
    assert (added.label, added.is_active, added.code) == (
        "Fabricated or induced illness",
        False,
        "fabricated-illness",
    )


def test_a_code_in_use_is_never_deleted(client, leicester, review):
    neglect = code(leicester, "neglect")
    add_theme(review["lcspr"], "neglect", 1)
    with pytest.raises(ApplicationError) as refused:
        services.theme_code_delete(theme=neglect)
    assert refused.value.message == CODE_IN_USE
    sign_in(client, staff_user(leicester, role=Role.PARTNERSHIP_ADMIN))
    response = client.post(reverse("theme_code", kwargs={"pk": neglect.pk}), {"delete": "1"})
    assert "cannot be deleted" in response.text
    assert ThemeCode.unscoped.filter(pk=neglect.pk).exists()
    unused = code(leicester, "safe-sleep")
    response = client.post(reverse("theme_code", kwargs={"pk": unused.pk}), {"delete": "1"})
    assert response.status_code == 302
    assert not ThemeCode.unscoped.filter(pk=unused.pk).exists()


def test_only_the_partnership_admin_keeps_the_list(client, leicester, lr):
    mine = code(leicester, "neglect")
    for role in (Role.BUSINESS_OFFICE, Role.REVIEWER, Role.PANEL_MEMBER, Role.CRG_CHAIR):
        sign_in(client, staff_user(leicester, role=role))
        assert client.get(reverse("theme_list")).status_code == 403
        edit = client.post(reverse("theme_code", kwargs={"pk": mine.pk}), {"delete": "1"})
        assert edit.status_code == 403
    sign_in(client, staff_user(lr, role=Role.PARTNERSHIP_ADMIN))
    other = client.get(reverse("theme_code", kwargs={"pk": mine.pk}))
    assert other.status_code == 404
    assert "Neglect" not in other.text
    client.post(reverse("theme_code", kwargs={"pk": mine.pk}), {"delete": "1"})
    client.post(reverse("theme_list"), {"form": "move", "theme": mine.pk, "move": "down"})
    assert ThemeCode.unscoped.filter(pk=mine.pk, order=mine.order).exists()


def hidden_version(page, field_id="id_version") -> str:
    """The version a page's form was opened at, as the browser would send it back."""
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page.text).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def in_error_summary(page, message) -> bool:
    summary = page.text.split('class="govuk-error-summary"', 1)
    return len(summary) == 2 and escape(message) in summary[1].split("</ul>", 1)[0]


def test_two_admins_editing_one_theme_conflict_visibly(client, leicester):
    theme = code(leicester, "neglect")
    edit_url = reverse("theme_code", kwargs={"pk": theme.pk})
    first, second = client, Client()
    sign_in(first, staff_user(leicester, role=Role.PARTNERSHIP_ADMIN))
    sign_in(second, staff_user(leicester, role=Role.PARTNERSHIP_ADMIN))
    first_version = hidden_version(first.get(edit_url))
    second_version = hidden_version(second.get(edit_url))

    saved = first.post(
        edit_url,
        {"label": "Neglect (all forms)", "description": "First's", "version": first_version},
    )
    assert saved.status_code == 302
    typed = {
        "label": "Neglect and its signs",
        "description": "Second's words",
        "is_active": "on",
        "version": second_version,
    }
    stale = second.post(edit_url, typed)
    assert stale.status_code == 200
    assert in_error_summary(stale, STALE)
    assert 'value="Neglect and its signs"' in stale.text  # what was typed is kept
    assert "Second&#x27;s words" in stale.text
    theme.refresh_from_db()
    # Nothing of the first is lost: its deactivation too.
    assert (theme.label, theme.description, theme.is_active) == (
        "Neglect (all forms)",
        "First's",
        False,
    )
    assert [h.label for h in theme.history.order_by("history_id")][-1] == "Neglect (all forms)"
    # Saving again from the page shown with the conflict, having checked it, saves.
    again = second.post(edit_url, {**typed, "version": hidden_version(stale)})
    assert again.status_code == 302
    theme.refresh_from_db()
    assert (theme.label, theme.is_active) == ("Neglect and its signs", True)


def test_moving_a_theme_does_not_make_an_open_edit_stale(client, leicester):
    theme = code(leicester, "neglect")
    opened = theme.version
    services.theme_code_move(theme=theme, direction="down")
    services.theme_code_update(
        theme=theme, label="Neglect", description="", is_active=True, version=opened
    )
    with pytest.raises(ApplicationError) as refused:
        services.theme_code_update(
            theme=theme, label="Old page", description="", is_active=True, version=opened
        )
    assert refused.value.message == STALE
    assert code(leicester, "neglect").label == "Neglect"


# --- The review's key themes ----------------------------------------------------------------


def test_the_panel_names_a_theme_coded_from_the_active_list(client, review, leicester):
    case, lcspr = review["case"], review["lcspr"]
    sign_in(client, review["reviewer"])
    neglect = code(leicester, "neglect")
    response = client.post(
        themes_url(case),
        {"form": "add", "code": neglect.pk, "title": "Neglect over years", "description": "How"},
    )
    assert response.status_code == 302
    assert [(t.title, t.code) for t in review_themes(lcspr)] == [("Neglect over years", neglect)]
    # A deactivated theme, or another partnership's, is not offered.
    neglect.is_active = False
    neglect.save()
    other = ThemeCode.unscoped.exclude(partnership=leicester).first()
    for pk in (neglect.pk, other.pk):
        refused = client.post(
            themes_url(case), {"form": "add", "code": pk, "title": "T", "description": "D"}
        )
        assert "Select a valid choice" in refused.text
    missing = client.post(
        themes_url(case), {"form": "add", "code": "", "title": "", "description": ""}
    )
    assert escape("Enter the key theme's title.") in missing.text
    assert len(review_themes(lcspr)) == 1


def test_a_sixth_theme_needs_a_reason_that_is_kept_and_shown(client, review):
    case, lcspr = review["case"], review["lcspr"]
    slugs = [slug for slug, _, _ in STARTING_THEMES]
    for n in range(5):
        add_theme(lcspr, slugs[n], n)
    assert themes_status(lcspr).hint == "5 key themes named"
    with pytest.raises(ApplicationError) as refused:
        add_theme(lcspr, slugs[5], 5)
    assert refused.value.message == REASON_NEEDED.format(n=5)
    sign_in(client, review["reviewer"])
    sixth = {
        "form": "add",
        "code": code(case.partnership, slugs[5]).pk,
        "title": "Sixth",
        "description": "More",
    }
    response = client.post(themes_url(case), sixth)
    assert "Say why the review needs more than 5 key themes" in response.text
    assert 'value="Sixth"' in response.text  # what was typed is kept
    response = client.post(themes_url(case), {**sixth, "reason": "Two children, two settings."})
    assert response.status_code == 302
    lcspr.refresh_from_db()
    assert lcspr.themes_over_five_reason == "Two children, two settings."
    assert "Two children, two settings." in client.get(themes_url(case)).text
    assert themes_status(lcspr).hint == "6 key themes named"
    # A seventh needs no new reason: the one recorded stands.
    add_theme(lcspr, slugs[6], 7)
    assert len(review_themes(lcspr)) == 7


def test_the_task_says_when_the_reason_is_missing(review):
    lcspr = review["lcspr"]
    assert themes_status(lcspr).hint == "No key themes named yet"
    slugs = [slug for slug, _, _ in STARTING_THEMES]
    for n in range(6):
        add_theme(lcspr, slugs[n], n, reason="Many strands")
    lcspr.themes_over_five_reason = ""
    lcspr.save()
    assert "record why more than 5 are needed" in themes_status(lcspr).hint


def test_two_people_saving_the_reason_conflict_visibly(client, review):
    case, lcspr = review["case"], review["lcspr"]
    slugs = [slug for slug, _, _ in STARTING_THEMES]
    for n in range(6):
        add_theme(lcspr, slugs[n], n, reason="Many strands")
    first, second = client, Client()
    sign_in(first, review["reviewer"])
    sign_in(second, review["office"])
    first_version = hidden_version(first.get(themes_url(case)), "id_why_version")
    second_version = hidden_version(second.get(themes_url(case)), "id_why_version")

    saved = first.post(
        themes_url(case),
        {"form": "reason", "reason": "Two children, two settings.", "version": first_version},
    )
    assert saved.status_code == 302
    typed = {"form": "reason", "reason": "Three agencies never met.", "version": second_version}
    stale = second.post(themes_url(case), typed)
    assert stale.status_code == 200
    assert in_error_summary(stale, STALE)
    assert "Three agencies never met.</textarea>" in stale.text  # what was typed is kept
    assert "Two children, two settings." in stale.text  # and the first's shown to check
    lcspr.refresh_from_db()
    assert lcspr.themes_over_five_reason == "Two children, two settings."
    again = second.post(
        themes_url(case), {**typed, "version": hidden_version(stale, "id_why_version")}
    )
    assert again.status_code == 302
    lcspr.refresh_from_db()
    assert lcspr.themes_over_five_reason == "Three agencies never met."


def test_a_reason_given_with_a_sixth_theme_never_overwrites_one_recorded_meanwhile(client, review):
    case, lcspr = review["case"], review["lcspr"]
    slugs = [slug for slug, _, _ in STARTING_THEMES]
    for n in range(5):
        add_theme(lcspr, slugs[n], n)
    first, second = client, Client()
    sign_in(first, review["reviewer"])
    sign_in(second, review["office"])
    assert "Why the review needs more than five key themes" in second.get(themes_url(case)).text
    opened = Lcspr.unscoped.get(pk=lcspr.pk).version

    def sixth(slug, title, reason):
        return {
            "form": "add",
            "code": code(case.partnership, slug).pk,
            "title": title,
            "description": "More",
            "reason": reason,
        }

    assert (
        first.post(themes_url(case), sixth(slugs[5], "Sixth", "First's reason")).status_code == 302
    )
    refused = second.post(themes_url(case), sixth(slugs[6], "Seventh", "Second's reason"))
    assert refused.status_code == 200
    assert in_error_summary(refused, REASON_RECORDED_MEANWHILE)
    assert "Second&#x27;s reason</textarea>" in refused.text
    assert 'value="Seventh"' in refused.text
    lcspr.refresh_from_db()
    assert lcspr.themes_over_five_reason == "First's reason"
    assert [t.title for t in review_themes(lcspr)][-1] == "Sixth"
    # Recording it through the add form moved the review's version on: a reason form
    # opened before it is stale too.
    assert lcspr.version == opened + 1
    with pytest.raises(ApplicationError) as stale:
        services.themes_reason_save(lcspr=lcspr, reason="Old page", version=opened)
    assert stale.value.message == STALE
    # With the box left empty, the recorded reason stands for the seventh.
    kept = second.post(themes_url(case), sixth(slugs[6], "Seventh", ""))
    assert kept.status_code == 302
    lcspr.refresh_from_db()
    assert lcspr.themes_over_five_reason == "First's reason"
    assert len(review_themes(lcspr)) == 7


def test_editing_a_theme_conflicts_when_someone_else_changed_it(client, review):
    case, lcspr = review["case"], review["lcspr"]
    theme = add_theme(lcspr, "neglect", 1)
    sign_in(client, review["reviewer"])
    edit_url = reverse("lcspr_key_theme", kwargs={"reference": case.reference, "pk": theme.pk})
    data = {
        "code": theme.code_id,
        "title": "Renamed",
        "description": "Changed",
        "version": theme.version,
    }
    assert client.post(edit_url, data).status_code == 302
    stale = client.post(edit_url, {**data, "title": "Second edit"})
    assert "Someone else changed this while you were editing it." in stale.text
    theme.refresh_from_db()
    assert theme.title == "Renamed"
    # Removing it from the page as it was loaded after the edit.
    response = client.post(edit_url, {"remove": "1", "remove-version": theme.version})
    assert response.status_code == 302
    assert not KeyTheme.unscoped.filter(pk=theme.pk).exists()


def test_themes_are_reordered(client, review):
    lcspr = review["lcspr"]
    first, second = add_theme(lcspr, "neglect", 1), add_theme(lcspr, "domestic-abuse", 2)
    sign_in(client, review["reviewer"])
    client.post(themes_url(review["case"]), {"form": "move", "theme": second.pk, "move": "up"})
    assert [t.pk for t in review_themes(lcspr)] == [second.pk, first.pk]


def test_entries_and_submissions_are_tagged_and_the_shared_summary_holds_no_entry(client, review):
    case, lcspr = review["case"], review["lcspr"]
    theme = add_theme(lcspr, "neglect", 1)
    agency = AgencyFactory(name="Police")
    request = InformationRequest.unscoped.create(
        case=case,
        agency=agency,
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.CHRONOLOGY,
        status=RequestStatus.SUBMITTED,
        reply_due_on=timezone.localdate() + timedelta(days=20),
        sent_at=timezone.now(),
    )
    entry = ChronologyEntry.unscoped.create(
        request=request, happened_on=date(2025, 3, 3), source="PNC", event="Secret event detail"
    )
    other_case_entry = ChronologyEntry.unscoped.create(
        request=InformationRequest.unscoped.create(
            case=open_case(case.partnership),
            agency=agency,
            purpose=RequestPurpose.LCSPR,
            status=RequestStatus.SUBMITTED,
            reply_due_on=timezone.localdate(),
            sent_at=timezone.now(),
        ),
        happened_on=date(2025, 3, 3),
        source="PNC",
        event="Another case's event",
    )
    sign_in(client, review["reviewer"])
    tag_url = reverse("lcspr_chronology_tag", kwargs={"reference": case.reference})
    response = client.post(tag_url, {"theme": theme.pk, "entries": [entry.pk]})
    assert response.status_code == 302
    assert list(theme.entries.all()) == [entry]
    refused = client.post(tag_url, {"theme": theme.pk, "entries": [other_case_entry.pk]})
    assert "Select a valid choice" in refused.text
    assert list(theme.entries.all()) == [entry]
    nothing = client.post(tag_url, {"theme": theme.pk})
    assert "Select at least one entry to tag." in nothing.text
    page = client.get(reverse("lcspr_chronology", kwargs={"reference": case.reference}))
    assert "Tag selected with theme" in page.text
    edit_url = reverse("lcspr_key_theme", kwargs={"reference": case.reference, "pk": theme.pk})
    client.post(
        edit_url,
        {
            "code": theme.code_id,
            "title": theme.title,
            "description": theme.description,
            "submissions": [request.pk],
            "version": theme.version,
        },
    )
    assert list(theme.submissions.all()) == [request]
    shared = themes_shared_summary(lcspr)
    assert [(s.title, s.code) for s in shared] == [("Theme 1", "neglect")]
    assert "Secret event detail" not in repr(shared)
    client.post(tag_url, {"theme": theme.pk, "entries": [entry.pk], "remove": "1"})
    assert list(theme.entries.all()) == []


def test_only_the_panel_names_themes_and_only_the_team_reads_them(client, review, leicester, lr):
    case, lcspr = review["case"], review["lcspr"]
    theme = add_theme(lcspr, "neglect", 1)
    chair = staff_user(leicester, role=Role.CRG_CHAIR)
    sign_in(client, chair)
    assert client.get(themes_url(case)).status_code == 200
    data = {"form": "add", "code": theme.code_id, "title": "T", "description": "D"}
    assert client.post(themes_url(case), data).status_code == 403
    for role in (Role.CRG_MEMBER, Role.PARTNERSHIP_ADMIN, Role.INDEPENDENT_SCRUTINEER):
        sign_in(client, staff_user(leicester, role=role))
        assert client.get(themes_url(case)).status_code == 403
    sign_in(client, staff_user(lr))
    edit_url = reverse("lcspr_key_theme", kwargs={"reference": case.reference, "pk": theme.pk})
    response = client.get(edit_url)
    assert response.status_code == 404
    assert "Theme 1" not in response.text
