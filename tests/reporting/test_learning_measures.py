"""The learning measures against hand-built data with a known answer, for both
partnerships: the key themes the reviews coded (§8.8), where the recommendations of the
year's final reports stand (§9.2, §10.1.2), and the action plans' actions as they stood at
the end of the year, with their latest audit's RAG rating (§11.4)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, Role
from cases.tenancy import Scope
from publication.models import (
    ActionEvidence,
    ActionPlan,
    ActionStatus,
    AuditRating,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    ProgressAudit,
    Response,
)
from reporting.rules.period import Period
from reporting.selectors.base import COMPUTATIONS, cases_behind, results, results_of
from reviews.models import (
    Finding,
    KeyTheme,
    Recommendation,
    RecommendationStatus,
    ReportDraft,
    ReportFinal,
    ThemeCode,
)
from reviews.services import lcspr_open
from tests.factories import AgencyFactory, open_case, staff_user

pytestmark = pytest.mark.django_db

YEAR = Period.financial_year(2024)  # 1 April 2024 to 31 March 2025: long over
IN_YEAR = date(2024, 9, 10)
YEAR_BEFORE = date(2023, 9, 10)


@pytest.fixture(params=["leicester", "lr"])
def partnership(request):
    return request.getfixturevalue(request.param)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _scope(user) -> Scope:
    return Scope(user=user, membership=user.memberships.get())


def _review(partnership):
    case = open_case(partnership, opened_on=date(2024, 5, 1))
    return lcspr_open(case=case, decided_on=date(2024, 5, 20), key_lines_of_enquiry="", actor=None)


def _code(partnership, code, label):
    return ThemeCode.objects.for_partnership(partnership).create(
        partnership=partnership, code=code, label=label
    )


def _theme(lcspr, code, on=IN_YEAR):
    theme = KeyTheme.unscoped.create(lcspr=lcspr, code=code, title=code.label, description="-")
    KeyTheme.objects.for_partnership(lcspr.case.partnership).filter(pk=theme.pk).update(
        created_at=_at(on)
    )
    return theme


def _finding(lcspr, *themes):
    finding = Finding.unscoped.create(lcspr=lcspr, title="Finding", text="What we found")
    finding.themes.set(themes)
    return finding


# --- Key themes ----------------------------------------------------------------------------


def _themes_data(partnership):
    neglect = _code(partnership, "t-neglect", "Neglect (test)")
    water = _code(partnership, "t-water", "Water safety (test)")
    first, second = _review(partnership), _review(partnership)
    first_neglect = _theme(first, neglect)
    first_water = _theme(first, water)
    second_neglect = _theme(second, neglect)
    _theme(second, water, on=YEAR_BEFORE)  # coded the year before: not counted
    _finding(first, first_neglect)
    _finding(first, first_neglect, first_water)
    _finding(second, second_neglect)
    return first, second


def test_themes_by_code_count_reviews_and_the_findings_answering_them(partnership):
    _themes_data(partnership)

    (result,) = results("themes", [partnership], YEAR)

    assert result.figures == {"count": 3, "reviews": 2}
    assert [(row.key, row.label, row.values) for row in result.rows] == [
        ("t-neglect", "Neglect (test)", {"lcsprs": 2, "findings": 3}),
        ("t-water", "Water safety (test)", {"lcsprs": 1, "findings": 1}),
    ]


def test_the_cases_behind_a_theme_are_the_reviews_that_coded_it(partnership):
    first, second = _themes_data(partnership)
    office = staff_user(partnership)

    lines = cases_behind("themes", scope=_scope(office), period=YEAR, row="t-water")

    assert [(line.case_reference, line.values) for line in lines] == [
        (
            first.case.reference,
            {"theme": "Water safety (test)", "coded_on": IN_YEAR, "findings": 1},
        )
    ]
    neglect = cases_behind("themes", scope=_scope(office), period=YEAR, row="t-neglect")
    assert {line.case_reference for line in neglect} == {
        first.case.reference,
        second.case.reference,
    }


# --- Recommendations ------------------------------------------------------------------------


def _final(lcspr, on: date):
    draft = ReportDraft.unscoped.create(lcspr=lcspr, number=1, source="written")
    final = ReportFinal.unscoped.create(
        lcspr=lcspr, draft=draft, file="report-final/x.pdf", sha256="0" * 64, size=1
    )
    ReportFinal.objects.for_partnership(lcspr.case.partnership).filter(pk=final.pk).update(
        marked_at=_at(on)
    )


def _recommendation(finding, status=RecommendationStatus.AGREED, response=""):
    rec = Recommendation.unscoped.create(
        lcspr=finding.lcspr, finding=finding, action="Do it", status=status
    )
    if response:
        plan, _ = ActionPlan.unscoped.get_or_create(
            partnership=finding.lcspr.case.partnership,
            case=finding.lcspr.case,
            source=PlanSource.LCSPR,
            defaults={"title": "Plan"},
        )
        PlanRecommendation.unscoped.create(
            plan=plan,
            number=str(rec.pk),
            text="Do it",
            source_recommendation=rec,
            response=response,
        )
    return rec


def _recommendations_data(partnership):
    final_this_year, final_before, not_final = (_review(partnership) for _ in range(3))
    _final(final_this_year, IN_YEAR)
    _final(final_before, YEAR_BEFORE)
    finding = _finding(final_this_year)
    _recommendation(finding, status=RecommendationStatus.DRAFT)
    _recommendation(finding)
    _recommendation(finding, response=Response.ACCEPTED)
    _recommendation(finding, response=Response.ACCEPTED)
    _recommendation(finding, response=Response.NOT_ACCEPTED)
    _recommendation(_finding(final_before), response=Response.ACCEPTED)  # not this year's
    _recommendation(_finding(not_final))
    return final_this_year


def test_recommendations_of_the_year_s_final_reports_by_where_they_stand(partnership):
    review = _recommendations_data(partnership)

    (result,) = results("recommendations", [partnership], YEAR)

    assert result.figures == {"count": 5, "accepted": 2, "not_accepted": 1}
    assert {row.key: row.values["count"] for row in result.rows} == {
        "draft": 1,
        "agreed": 1,
        "accepted": 2,
        "not_accepted": 1,
    }
    lines = cases_behind(
        "recommendations", scope=_scope(staff_user(partnership)), period=YEAR, row="accepted"
    )
    assert [(line.case_reference, line.values["final_on"]) for line in lines] == [
        (review.case.reference, IN_YEAR)
    ] * 2


# --- Actions --------------------------------------------------------------------------------


def _plan(partnership, case=None):
    source = PlanSource.RAPID_REVIEW if case else PlanSource.NATIONAL_REVIEW
    plan = ActionPlan.unscoped.create(partnership=partnership, source=source, case=case, title="P")
    rec = PlanRecommendation.unscoped.create(plan=plan, number="1", text="R", response="accepted")
    return plan, rec


def _action(plan_rec, agency, due, *, closed_on=None):
    plan, rec = plan_rec
    return PlanAction.unscoped.create(
        plan=plan,
        recommendation=rec,
        text="Act",
        owner_agency=agency,
        lead_name="Lead",
        measure="Measured",
        due_on=due,
        status=ActionStatus.CLOSED if closed_on else ActionStatus.OPEN,
        closed_on=closed_on,
    )


def _evidence(action, uploaded, removed=None):
    item = ActionEvidence.unscoped.create(
        action=action,
        file="action-evidence/x",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        removed_at=_at(removed) if removed else None,
    )
    ActionEvidence.objects.for_partnership(action.plan.partnership).filter(pk=item.pk).update(
        uploaded_at=_at(uploaded)
    )


def _rate(plan, held_on, ratings):
    audit = ProgressAudit.unscoped.create(plan=plan, held_on=held_on)
    for action, rag in ratings:
        AuditRating.unscoped.create(audit=audit, action=action, rag=rag)


def _actions_data(partnership):
    """Owner X: a1 closed with evidence, a2 overdue (red), a3 due on the year's last day,
    a4 closed only after the year ended (so overdue at its end). Owner Y: a5 closed but its
    evidence removed, a7 overdue from the year before, a8 a national review's, overdue.
    Not counted: a6 due next year, a9 of a withdrawn case."""
    x = AgencyFactory(name=f"Agency X of {partnership.slug}", partnerships=[partnership])
    y = AgencyFactory(name=f"Agency Y of {partnership.slug}", partnerships=[partnership])
    case_plan = _plan(partnership, open_case(partnership, opened_on=date(2024, 4, 2)))
    national = _plan(partnership)
    withdrawn_case = open_case(partnership, opened_on=date(2024, 4, 2))
    Case.objects.for_partnership(partnership).filter(pk=withdrawn_case.pk).update(
        withdrawn_at=_at(date(2024, 5, 1))
    )
    withdrawn = _plan(partnership, withdrawn_case)
    a = {
        "a1": _action(case_plan, x, date(2024, 6, 1), closed_on=date(2024, 7, 1)),
        "a2": _action(case_plan, x, date(2024, 9, 1)),
        "a3": _action(case_plan, x, date(2025, 3, 31)),
        "a4": _action(case_plan, x, date(2024, 12, 1), closed_on=date(2025, 5, 1)),
        "a5": _action(case_plan, y, date(2024, 8, 1), closed_on=date(2024, 8, 2)),
        "a6": _action(case_plan, y, date(2025, 6, 1)),
        "a7": _action(case_plan, y, date(2023, 12, 1)),
        "a8": _action(national, y, date(2024, 10, 1)),
        "a9": _action(withdrawn, y, date(2024, 10, 1)),
    }
    _evidence(a["a1"], uploaded=date(2024, 6, 30))
    _evidence(a["a5"], uploaded=date(2024, 8, 1), removed=date(2024, 9, 1))
    _evidence(a["a4"], uploaded=date(2025, 5, 1))  # after the year: a4 was open then
    plan = case_plan[0]
    _rate(plan, date(2024, 6, 15), [(a["a1"], "green"), (a["a2"], "amber")])
    _rate(plan, date(2024, 10, 1), [(a["a2"], "red")])
    _rate(plan, date(2025, 5, 1), [(a["a2"], "green"), (a["a3"], "green")])  # after the year
    return a, x, y


def test_actions_as_they_stood_at_the_end_of_the_year(partnership):
    _actions_data(partnership)

    (result,) = results("actions", [partnership], YEAR)

    assert result.figures == {
        "count": 6,  # a1-a5 and a8
        "closed": 2,  # a1, a5
        "closed_with_evidence": 1,  # a1: a5's evidence was removed
        "overdue": 3,  # a2, a4, a8
    }
    assert {row.key: row.values for row in result.rows} == {
        "open": {"red": 0, "amber": 0, "green": 0, "unrated": 1},  # a3
        "overdue": {"red": 1, "amber": 0, "green": 0, "unrated": 2},  # a2; a4, a8
        "closed": {"red": 0, "amber": 0, "green": 1, "unrated": 1},  # a1; a5
    }


def test_overdue_actions_by_agency_whenever_they_fell_due(partnership):
    _, x, y = _actions_data(partnership)

    (result,) = results("overdue-actions", [partnership], YEAR)

    assert result.figures == {"count": 4}
    assert [(row.key, row.label, row.values["count"]) for row in result.rows] == [
        (str(x.pk), x.name, 2),  # a2, a4
        (str(y.pk), y.name, 2),  # a7, a8
    ]


def test_the_cases_behind_the_actions_name_the_case_or_none_for_a_national_review(partnership):
    a, x, y = _actions_data(partnership)
    scope = _scope(staff_user(partnership))
    case_reference = a["a2"].plan.case.reference

    overdue = cases_behind("actions", scope=scope, period=YEAR, row="overdue")

    assert [(line.case_reference, line.values) for line in overdue] == [
        (
            case_reference,
            {
                "agency": x.name,
                "due": date(2024, 9, 1),
                "status": "Overdue",
                "rag": "Red",
            },
        ),
        (
            "",
            {
                "agency": y.name,
                "due": date(2024, 10, 1),
                "status": "Overdue",
                "rag": "Not rated",
            },
        ),
        (
            case_reference,
            {
                "agency": x.name,
                "due": date(2024, 12, 1),
                "status": "Overdue",
                "rag": "Not rated",
            },
        ),
    ]
    by_y = cases_behind("overdue-actions", scope=scope, period=YEAR, row=str(y.pk))
    assert [(line.case_reference, line.values["due"]) for line in by_y] == [
        (case_reference, date(2023, 12, 1)),
        ("", date(2024, 10, 1)),
    ]


def test_a_period_not_yet_over_reads_the_actions_as_they_stand_today(leicester):
    today = timezone.localdate()
    agency = AgencyFactory(partnerships=[leicester])
    plan = _plan(leicester, open_case(leicester))
    _action(plan, agency, today - timedelta(days=1))
    _action(plan, agency, today)
    _action(plan, agency, today + timedelta(days=1))
    now = Period(today - timedelta(days=10), today + timedelta(days=10))

    (actions,) = results("actions", [leicester], now)
    (overdue,) = results("overdue-actions", [leicester], now)

    assert (actions.figures["count"], actions.figures["overdue"]) == (3, 1)
    assert overdue.figures["count"] == 1


# --- Both partnerships, and the queries -----------------------------------------------------


def test_each_partnership_counts_only_its_own(leicester, lr):
    _themes_data(leicester)
    _recommendations_data(leicester)
    _actions_data(leicester)
    lr_agency = AgencyFactory(partnerships=[lr])
    _action(_plan(lr, open_case(lr)), lr_agency, date(2024, 7, 1))
    _theme(_review(lr), _code(lr, "t-other", "Other (test)"))

    for slug, mine_expected, theirs_expected in (
        ("themes", {"count": 3, "reviews": 2}, {"count": 1, "reviews": 1}),
        (
            "recommendations",
            {"count": 5, "accepted": 2, "not_accepted": 1},
            {"count": 0, "accepted": 0, "not_accepted": 0},
        ),
        (
            "actions",
            {"count": 6, "closed": 2, "closed_with_evidence": 1, "overdue": 3},
            {"count": 1, "closed": 0, "closed_with_evidence": 0, "overdue": 1},
        ),
        ("overdue-actions", {"count": 4}, {"count": 1}),
    ):
        mine, theirs = results(slug, [leicester, lr], YEAR)
        assert mine.figures == mine_expected, slug
        assert theirs.figures == theirs_expected, slug
        lines = cases_behind(slug, scope=_scope(staff_user(lr)), period=YEAR)
        lr_references = set(Case.objects.for_partnership(lr).values_list("reference", flat=True))
        assert {line.case_reference for line in lines} <= lr_references, slug


def test_the_cross_partnership_role_finds_no_case_behind_them(leicester, lr):
    _themes_data(leicester)
    _actions_data(leicester)
    joint = staff_user(leicester, role=Role.JOINT_REPORTING)
    for slug in ("themes", "recommendations", "actions", "overdue-actions"):
        assert cases_behind(slug, scope=_scope(joint), period=YEAR) == [], slug


@pytest.mark.parametrize(
    ("slug", "queries"),
    [("themes", 2), ("recommendations", 1), ("actions", 1), ("overdue-actions", 1)],
)
def test_the_figures_take_the_same_queries_however_many_records(leicester, lr, slug, queries):
    with CaptureQueriesContext(connection) as empty:
        results(slug, [leicester, lr], YEAR)
    _themes_data(leicester)
    _recommendations_data(leicester)
    _actions_data(leicester)
    _actions_data(lr)
    with CaptureQueriesContext(connection) as full:
        results(slug, [leicester, lr], YEAR)
    assert len(empty) == len(full) == queries


def test_the_actions_computed_together_agree_with_each_computed_alone(leicester, lr):
    """The figures page reads both measures of actions in one query: each has the figures
    and rows its own page shows, for each partnership, in a year over and in one not."""
    _actions_data(leicester)
    _actions_data(lr)
    slugs = ["actions", "overdue-actions"]
    today = timezone.localdate()
    for period in (YEAR, Period(today - timedelta(days=400), today + timedelta(days=10))):
        with CaptureQueriesContext(connection) as together_queries:
            together = results_of(slugs, [leicester, lr], period)
        assert len(together_queries) == 1
        for slug in slugs:
            alone = results(slug, [leicester, lr], period)
            assert [(r.figures, r.rows) for r in together[slug]] == [
                (r.figures, r.rows) for r in alone
            ], (slug, period)
        if period == YEAR:  # the known answers of the tests above
            assert [r.figures["count"] for r in together["actions"]] == [6, 6]
            assert [r.figures["count"] for r in together["overdue-actions"]] == [4, 4]


def test_every_learning_measure_is_computed():
    assert {"themes", "recommendations", "actions", "overdue-actions"} <= set(COMPUTATIONS)


def test_the_pages_show_the_figures_and_a_national_review_s_action_without_a_case(
    client, leicester
):
    from django.urls import reverse

    from tests.factories import sign_in

    _actions_data(leicester)
    sign_in(client, staff_user(leicester))
    year = {"year": "2024"}

    page = client.get(reverse("report_measure", args=["actions"]), year).content.decode()
    cases = client.get(reverse("report_measure_cases", args=["actions"]), year)

    assert "Closed with evidence" in page
    assert cases.status_code == 200
    assert "None: a national review's plan" in cases.content.decode()
