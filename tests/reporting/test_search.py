"""The learning search across reviews and the recurring themes (issue 17, §1.4.1, §11):
who finds what in both partnerships, the recurrence flag with a known answer, the Rapid
Review decision page's evidence, and a page's cost whatever the number of reviews."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Child, Role
from publication.models import (
    ActionPlan,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    Publication,
    PublishChoice,
)
from rapidreview.models import RapidReview
from reporting.rules import search as rules
from reporting.selectors import search as selectors
from reviews.models import (
    DraftSource,
    Finding,
    KeyTheme,
    Recommendation,
    RecommendationStatus,
    ReportDraft,
    ReportFinal,
    ThemeCode,
)
from reviews.services import lcspr_open
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user
from tests.rapidreview.flow import meeting_held, notified

pytestmark = pytest.mark.django_db

SEARCH = reverse("learning_search")
TODAY = timezone.localdate()
RECENTLY = TODAY - timedelta(days=60)
LONG_AGO = TODAY - timedelta(days=365 * 4)  # outside the default three years
CHILD_NAME = "Zebedee Quarrington"


# --- Rows with known answers, made straight from the models -----------------------------


def review(partnership, *, decided_on=RECENTLY, child_name=""):
    case = open_case(partnership)
    if child_name:
        Child.unscoped.create(case=case, pseudonym="Child A", name=child_name)
    lcspr = lcspr_open(case=case, decided_on=decided_on, key_lines_of_enquiry="", actor=None)
    return case, lcspr


def theme(lcspr, code, title="", description=""):
    theme_code = ThemeCode.unscoped.get(partnership=lcspr.case.partnership, code=code)
    return KeyTheme.unscoped.create(
        lcspr=lcspr,
        code=theme_code,
        title=title or theme_code.label,
        description=description or theme_code.description,
    )


def finding(lcspr, title, text, themes=()):
    row = Finding.unscoped.create(lcspr=lcspr, title=title, text=text)
    row.themes.set(themes)
    return row


def recommendation(found, action, *, status=RecommendationStatus.AGREED, agency=None):
    return Recommendation.unscoped.create(
        lcspr=found.lcspr,
        finding=found,
        action=action,
        owner_agency=agency,
        owner_group="" if agency else "The partnership's learning group",
        status=status,
    )


def action(rec, text, agency):
    plan, _ = ActionPlan.unscoped.get_or_create(
        partnership=rec.lcspr.case.partnership,
        source=PlanSource.LCSPR,
        case=rec.lcspr.case,
        defaults={"title": "The review's action plan"},
    )
    plan_rec = PlanRecommendation.unscoped.create(
        plan=plan, number="1", text=rec.action, source_recommendation=rec
    )
    return PlanAction.unscoped.create(
        plan=plan,
        recommendation=plan_rec,
        text=text,
        owner_agency=agency,
        lead_name="A lead",
        measure="Audited in six months.",
        due_on=TODAY + timedelta(days=90),
    )


def final_text(lcspr, text, number=1):
    """A finished draft with this text, marked final (§9.1.5)."""
    draft = ReportDraft.unscoped.create(
        lcspr=lcspr,
        number=number,
        source=DraftSource.WRITTEN,
        text=text,
        finished_at=timezone.now(),
    )
    content = b"%PDF-1.4 final " + str(lcspr.pk).encode()
    final = ReportFinal(
        lcspr=lcspr, draft=draft, sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )
    final.file.save("final.pdf", ContentFile(content), save=False)
    final.save()
    return draft


def published(lcspr, text, *, title="Child Q: learning about bathing", on=RECENTLY):
    final_text(lcspr, text)
    return Publication.unscoped.create(
        lcspr=lcspr,
        public_title=title,
        choice=PublishChoice.REPORT,
        decided_on=on,
        published_on=on,
    )


def page(client, user, **params):
    sign_in(client, user)
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def joint(leicester, lr):
    """The cross-partnership reporting role, reporting on both partnerships."""
    user = staff_user(leicester, role=Role.JOINT_REPORTING)
    user.memberships.get().reports_on.add(lr)
    return user


@pytest.fixture
def learning(leicester, lr):
    """In each partnership: a review with a key theme, a finding, an agreed recommendation
    and its action, and a published review whose report speaks of bathwater. Leicester's
    first review also has a restricted finding with a word only it holds, and a draft of
    its report with another."""
    police = AgencyFactory(name="Test Police", partnerships=[leicester, lr])
    health = AgencyFactory(name="Test Health", partnerships=[leicester, lr])
    rows = {}
    for partnership, place in ((leicester, "leicester"), (lr, "lr")):
        case, lcspr = review(partnership, child_name=CHILD_NAME if place == "leicester" else "")
        key = theme(lcspr, "safe-sleep", "Unsafe sleeping arrangements", "Co-sleeping on a sofa.")
        found = finding(
            lcspr,
            "Advice on safe sleeping was not repeated",
            f"Health visitors gave safe sleeping advice once ({place}).",
            [key],
        )
        rec = recommendation(found, "Repeat safe sleeping advice at every contact.", agency=health)
        act = action(rec, "Add safe sleeping advice to the contact checklist.", police)
        pub_case, pub_lcspr = review(partnership)
        pub = published(pub_lcspr, f"The baby was bathed; the bathwater was too hot ({place}).")
        rows[place] = {
            "case": case,
            "lcspr": lcspr,
            "finding": found,
            "recommendation": rec,
            "action": act,
            "published_case": pub_case,
            "publication": pub,
        }
    first = rows["leicester"]
    finding(first["lcspr"], "Restricted", "The stepfather's quixotry was never questioned.")
    final_text(review(leicester)[1], "A draft that speaks of marmalade.")  # never published
    ReportDraft.unscoped.create(
        lcspr=first["lcspr"], number=1, source=DraftSource.WRITTEN, text="Gooseberry fool."
    )
    rows["police"], rows["health"] = police, health
    return rows


# --- Who finds what ---------------------------------------------------------------------


def test_each_partnership_finds_its_own_records_and_not_the_other(client, leicester, lr, learning):
    leicester_case = learning["leicester"]["case"].reference
    lr_case = learning["lr"]["case"].reference

    body = page(client, staff_user(leicester), q="sleeping")
    assert "(leicester)" in body
    assert "(lr)" not in body
    assert leicester_case in body
    assert lr_case not in body
    for label in ("Key theme", "Finding", "Recommendation", "Action"):
        assert f">{label}</strong>" in body, label
    assert "<mark>" in body

    body = page(client, staff_user(lr), q="sleeping")
    assert "(lr)" in body
    assert "(leicester)" not in body
    assert lr_case in body
    assert leicester_case not in body

    body = page(client, staff_user(leicester), q="trampoline")
    assert "Nothing you may see matches" in body


def test_a_restricted_finding_is_found_only_by_who_may_see_its_case(
    client, leicester, lr, learning, joint
):
    case = learning["leicester"]["case"]
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(case, reviewer)
    unappointed = staff_user(leicester, role=Role.REVIEWER)
    appoint(learning["leicester"]["published_case"], unappointed)

    for who in (staff_user(leicester), staff_user(leicester, role=Role.CRG_MEMBER), reviewer):
        body = page(client, who, q="quixotry")
        assert "quixotry" in body
        assert case.reference in body

    for who in (staff_user(lr), unappointed, joint):
        body = page(client, who, q="quixotry")
        assert "Nothing you may see matches" in body
        assert case.reference not in body


def test_no_draft_and_no_unpublished_report_is_ever_found(client, leicester, learning):
    office = staff_user(leicester)
    for word in ("gooseberry", "marmalade"):
        assert "Nothing you may see matches" in page(client, office, q=word)


def test_published_reports_are_found_by_the_cross_partnership_role_in_both(
    client, leicester, lr, learning, joint
):
    body = page(client, joint, q="bathwater")
    assert "(leicester)" in body
    assert "(lr)" in body
    assert "2 results" in body
    assert "Published report" in body
    assert reverse("published_list", args=[leicester.slug]) in body
    assert reverse("published_list", args=[lr.slug]) in body
    for place in ("leicester", "lr"):
        assert learning[place]["published_case"].reference not in body
    # Never a review's own records: only published material.
    assert "Nothing you may see matches" in page(client, joint, q="sleeping")

    # Anyone else searches the published reports of their own partnership.
    body = page(client, staff_user(lr, role=Role.CRG_MEMBER), q="bathwater")
    assert "(lr)" in body
    assert "(leicester)" not in body
    assert learning["lr"]["published_case"].reference in body


def test_the_snippet_never_shows_a_childs_name(client, leicester, learning):
    lcspr = learning["leicester"]["lcspr"]
    finding(lcspr, "Sleeping", f"{CHILD_NAME} was sleeping on the sofa with his father.")
    body = page(client, staff_user(leicester), q="sofa")
    assert "Zebedee" not in body
    assert "Quarrington" not in body
    assert escape(rules.WITHHELD) in body


def test_the_filters_narrow_the_results(client, leicester, learning):
    office = staff_user(leicester)
    only_police = page(client, office, q="sleeping", agency=learning["police"].pk)
    assert ">Action</strong>" in only_police
    assert ">Recommendation</strong>" not in only_police  # Health owns it
    assert ">Finding</strong>" not in only_police

    themed = page(client, office, q="sleeping", theme="neglect")
    assert "Nothing you may see matches" in themed
    themed = page(client, office, q="sleeping", theme="safe-sleep")
    assert ">Finding</strong>" in themed
    assert ">Action</strong>" in themed

    later = TODAY + timedelta(days=1)
    body = page(
        client,
        office,
        q="sleeping",
        **{
            "date_from-day": later.day,
            "date_from-month": later.month,
            "date_from-year": later.year,
        },
    )
    assert "Nothing you may see matches" in body

    staged = page(client, office, q="sleeping", stage="closed")
    assert "Nothing you may see matches" in staged


def test_without_full_text_search_plain_matching_finds_the_same(
    client, leicester, learning, monkeypatch
):
    """The SQLite demo's way, tried on this database: every word, case-insensitively."""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    body = page(client, staff_user(leicester), q="SAFE sleeping")
    assert learning["leicester"]["case"].reference in body
    assert "<mark>" in body
    assert "Nothing you may see matches" in page(client, staff_user(leicester), q="safe trampoline")


def test_an_empty_search_shows_the_filters_and_the_recurring_themes(client, leicester, learning):
    body = page(client, staff_user(leicester))
    assert 'name="theme"' in body
    assert 'name="agency"' in body
    assert 'name="stage"' in body
    assert "Recurring themes" in body
    assert "Results" not in body


# --- Recurrence (§1.4.1) ------------------------------------------------------------------


@pytest.fixture
def recurring(leicester, lr):
    """Neglect in two recent Leicester reviews and one of four years ago; domestic abuse in
    one; agreed recommendations on information sharing in two reviews, a draft in a third;
    and in L&R neglect once, which recurs nowhere."""
    one, first = review(leicester)
    two, second = review(leicester, decided_on=TODAY - timedelta(days=700))
    old, oldest = review(leicester, decided_on=LONG_AGO)
    three, third = review(leicester)
    for lcspr in (first, second, oldest):
        theme(lcspr, "neglect")
    theme(first, "domestic-abuse")
    for lcspr in (first, second, third):
        shared = theme(lcspr, "information-sharing")
        found = finding(lcspr, "Information", "Agencies did not share.", [shared])
        recommendation(
            found,
            "Share information at every strategy discussion.",
            status=RecommendationStatus.DRAFT if lcspr == third else RecommendationStatus.AGREED,
        )
    lr_case, lr_lcspr = review(lr)
    theme(lr_lcspr, "neglect")
    return {"one": one, "two": two, "old": old, "three": three, "lr": lr_case}


def test_recurrence_has_a_known_answer(leicester, recurring):
    scope = _scope(staff_user(leicester))
    found = selectors.recurrence(scope, rules.recurrence_period(TODAY), today=TODAY)
    themes = {r.code: r for r in found.themes}
    # Neglect twice in the period (not the old one), information sharing in three reviews.
    assert set(themes) == {"neglect", "information-sharing"}
    assert themes["neglect"].reviews == 2
    assert {r.reference for r in themes["neglect"].listed} == {
        recurring["one"].reference,
        recurring["two"].reference,
    }
    assert themes["information-sharing"].reviews == 3
    [recs] = found.recommendations
    assert (recs.code, recs.reviews, recs.recommendations) == ("information-sharing", 2, 2)
    assert {r.reference for r in recs.listed} == {
        recurring["one"].reference,
        recurring["two"].reference,
    }
    # A longer period takes in the old review.
    longer = rules.recurrence_period(TODAY, start=LONG_AGO)
    found = selectors.recurrence(scope, longer, today=TODAY)
    assert {r.code: r.reviews for r in found.themes}["neglect"] == 3


def test_the_search_page_lists_the_recurring_themes_with_their_reviews(
    client, leicester, lr, recurring
):
    body = recurring_part(page(client, staff_user(leicester)))
    assert "Neglect" in body
    assert "Multi-agency information sharing" in body
    assert "Domestic abuse" not in body
    assert recurring["one"].reference in body
    assert recurring["two"].reference in body
    assert recurring["old"].reference not in body
    assert recurring["lr"].reference not in body
    # L&R has neglect once: nothing recurs there.
    body = page(client, staff_user(lr))
    assert "No key theme recurs" in body


def recurring_part(body: str) -> str:
    """The page from its recurring themes on (the filters above list every theme)."""
    return body[body.index("Recurring themes") :]


def test_a_reviewer_counts_only_the_reviews_they_may_see(client, leicester, recurring):
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(recurring["one"], reviewer)
    body = page(client, reviewer)
    assert "No key theme recurs" in body
    assert recurring["two"].reference not in body


def test_the_cross_partnership_role_counts_published_reviews_only_by_their_titles(
    client, leicester, lr, recurring, joint
):
    """Neglect in a published review of each partnership: it recurs across the two for the
    cross-partnership role, which sees the public titles and never a reference; each
    partnership's office sees its own published review among its own."""
    for partnership, title in ((leicester, "Child S: neglect"), (lr, "Child T: neglect")):
        case, lcspr = review(partnership)
        theme(lcspr, "neglect")
        published(lcspr, "The report.", title=title)
    body = recurring_part(page(client, joint))
    assert "Neglect" in body
    assert "Child S: neglect (published)" in body
    assert "Child T: neglect (published)" in body
    assert "LSCP-" not in body
    assert "LRSCP-" not in body
    assert "information sharing" not in body  # no published review has it
    # L&R now has neglect twice: its unpublished review and its published one.
    body = recurring_part(page(client, staff_user(lr)))
    assert recurring["lr"].reference in body
    assert "Child S" not in body


# --- The Rapid Review decision page (§4.6.2, §1.4.1) ---------------------------------------

RECEIVED = date(2027, 3, 1)
MEETING = date(2027, 3, 12)


@pytest.fixture
def at_decision(monkeypatch, leicester, leicester_office):
    """A Rapid Review whose meeting is held, in a partnership where neglect recurs in two
    reviews decided in the last three years and safe sleep in one."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: RECEIVED)
    case = notified(leicester, leicester_office, RECEIVED)
    meeting_held(monkeypatch, leicester, leicester_office, case, MEETING)
    others = []
    for _ in range(2):
        other, lcspr = review(leicester, decided_on=date(2026, 6, 1))
        theme(lcspr, "neglect")
        others.append(other)
    _, lcspr = review(leicester, decided_on=date(2026, 6, 1))
    theme(lcspr, "safe-sleep")
    return case, others


def decision_page(client, user, case):
    sign_in(client, user)
    response = client.get(reverse("rapid_review_decision", kwargs={"reference": case.reference}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_decision_page_shows_the_partnerships_recurring_themes_when_the_case_has_none(
    client, leicester_office, at_decision
):
    case, others = at_decision
    body = decision_page(client, leicester_office, case)
    assert "Recurring themes" in body
    assert "No key themes are coded for this case yet" in body
    assert "Neglect" in body
    for other in others:
        assert other.reference in body


def test_the_decision_page_shows_the_recurring_themes_matching_the_case(
    client, leicester, leicester_office, at_decision
):
    case, others = at_decision
    lcspr = lcspr_open(case=case, decided_on=MEETING, key_lines_of_enquiry="", actor=None)
    theme(lcspr, "neglect")
    theme(lcspr, "domestic-abuse")
    assert RapidReview.objects.for_partnership(leicester).filter(case=case).exists()
    body = decision_page(client, leicester_office, case)
    assert "This case&#x27;s key themes: Domestic abuse, Neglect" in body or (
        "This case's key themes: Domestic abuse, Neglect" in body
    )
    assert "Neglect" in body
    assert "(this case)" in body
    assert "Safe sleep" not in body  # recurs nowhere, and is not the case's


# --- Links to the page --------------------------------------------------------------------


def test_the_learning_and_reporting_navigation_link_to_the_search(client, leicester, joint):
    sign_in(client, staff_user(leicester))
    assert SEARCH in client.get(reverse("learning")).content.decode()
    assert SEARCH not in client.get(reverse("reports")).content.decode()
    sign_in(client, joint)
    assert SEARCH in client.get(reverse("reports")).content.decode()


# --- A page's cost ------------------------------------------------------------------------


def _scope(user):
    from cases.tenancy import Scope

    return Scope(user=user, membership=user.memberships.get())


def _queries(client, user, **params) -> int:
    sign_in(client, user)
    client.get(SEARCH, params)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(queries)


def _reviews(partnership, n, agency):
    for i in range(n):
        _, lcspr = review(
            partnership, decided_on=RECENTLY - timedelta(days=i), child_name="Ann Other"
        )
        key = theme(lcspr, "neglect", description="Neglect of the child's needs.")
        found = finding(lcspr, "Neglect", "Nobody saw the neglect.", [key])
        rec = recommendation(found, "Audit neglect cases.", agency=agency)
        action(rec, "Audit twenty neglect cases.", agency)
        _, pub_lcspr = review(partnership, decided_on=RECENTLY)
        published(pub_lcspr, "The report on neglect.")


@pytest.mark.parametrize("params", [{"q": "neglect"}, {}], ids=["search", "recurrence"])
def test_a_page_costs_the_same_for_5_or_50_reviews(client, leicester, params):
    office = staff_user(leicester)
    agency = AgencyFactory(partnerships=[leicester])
    _reviews(leicester, 5, agency)
    few = _queries(client, office, **params)
    _reviews(leicester, 45, agency)
    many = _queries(client, office, **params)
    assert few == many


# --- The rules ------------------------------------------------------------------------------


def test_the_default_period_is_the_last_three_years():
    period = rules.recurrence_period(date(2026, 3, 31))
    assert (period.start, period.end) == (date(2023, 4, 1), date(2026, 3, 31))
    leap = rules.recurrence_period(date(2028, 2, 29))
    assert leap.start == date(2025, 3, 1)


def test_a_plain_excerpt_marks_every_word_and_cuts_around_the_first():
    text = "Words before. " * 30 + "The Bathwater was hot; bathwater burns." + " Words after." * 30
    marked = rules.excerpt(text, rules.words_of('"bathwater" hot'))
    assert marked.startswith("… ")
    assert marked.endswith(" …")
    pieces = rules.segments(marked)
    assert [p.text for p in pieces if p.match] == ["Bathwater", "hot", "bathwater"]
    assert len(marked) <= rules.EXCERPT_CHARACTERS + 4


def test_names_are_withheld_in_any_piece_of_a_snippet():
    pieces = rules.segments(f"Seen with {rules.START_MARK}Zebedee{rules.STOP_MARK} Quarrington.")
    withheld = rules.names_withheld(pieces, [CHILD_NAME])
    text = "".join(p.text for p in withheld)
    assert "Zebedee" not in text
    assert "Quarrington" not in text
    assert text.startswith("Seen with [name withheld]")
    assert not any(p.match for p in withheld)
