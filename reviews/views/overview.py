"""The LCSPR page: the review's task list and where it stands (§5-§6, §3.1.2)."""

from django.shortcuts import render
from django.urls import reverse

from cases import selectors as case_selectors
from cases.permissions import Action
from cases.web import scope_required
from reviews import workspace
from reviews.selectors.review import lcspr_get


@scope_required(Action.VIEW_CASES)
def lcspr_overview(request, reference):
    """The review's tasks, each with its status, in the GOV.UK task-list pattern."""
    case = case_selectors.case_get(scope=request.scope, reference=reference)
    lcspr = lcspr_get(scope=request.scope, case=case)
    tasks = [
        (task, status, reverse(task.url_name, kwargs={"reference": case.reference}))
        for task, status in workspace.tasks(lcspr)
    ]
    return render(
        request,
        "reviews/overview.html",
        {
            "case": case,
            "lcspr": lcspr,
            "tab": "lcspr",
            "tasks": tasks,
            "summary": workspace.summary(lcspr),
        },
    )
