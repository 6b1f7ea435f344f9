"""The slippage view: every open case of the user's partnership against each statutory
milestone that applies to it, worst first, a page at a time. Its queries do not grow with
the number of cases: the page's cases in one, their deadlines in one more
(tests/reporting/test_slippage.py)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from cases.permissions import Action
from cases.selectors import working_calendar
from cases.web import paged, scope_required
from reporting.rules import slippage as rules
from reporting.selectors.slippage import open_cases, slippage_rows

CASES_PER_PAGE = 25


@scope_required(Action.VIEW_REPORT_CASES)
def report_slippage(request):
    partnership = request.scope.partnership
    today = timezone.localdate()
    cal = working_calendar(partnership=partnership)
    risk_until = rules.at_risk_until(today, cal)
    milestones = rules.milestones(partnership)
    sort = rules.sort_of(request.GET.get("sort"))
    cases = open_cases(
        request.scope,
        kinds=[t.kind for t in milestones],
        today=today,
        risk_until=risk_until,
        sort=sort,
    )
    shown = paged(request, cases, CASES_PER_PAGE)
    rows = slippage_rows(
        request.scope,
        shown["page"].object_list,
        milestones=milestones,
        today=today,
        risk_until=risk_until,
        cal=cal,
    )
    return render(
        request,
        "reporting/slippage.html",
        {
            **shown,
            "rows": rows,
            "milestones": milestones,
            "sort": sort,
            "headers": rules.sort_headers(sort),
            "levels": list(rules.Level),
            "at_risk_days": rules.AT_RISK_WORKING_DAYS,
            "today": today,
            "current": "reports",
        },
    )
