"""The retention pages (issue 18): the flagged cases of the user's partnership, and the
decision on one. Reached by those who decide on retention only (cases/permissions.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.permissions import Action
from cases.web import form_error, scope_required
from retention import selectors
from retention.forms.decision import RetentionDecisionForm
from retention.models import RetentionDecision
from retention.services.decision import CONFLICT, retention_decide

DONE = {
    RetentionDecision.ARCHIVE: "Case {reference} is archived. It no longer shows in the "
    "working lists; it is found by its reference.",
    RetentionDecision.KEEP: "Case {reference} is kept until {until}.",
    RetentionDecision.ERASE: "Case {reference} is erased. Its reference, dates and this "
    "decision are kept.",
}


@scope_required(Action.DECIDE_RETENTION)
def retention_list(request):
    return render(
        request,
        "retention/list.html",
        {
            "flagged": selectors.flagged_reviews(scope=request.scope),
            "decided": selectors.decided_reviews(scope=request.scope),
            "partnership": request.scope.partnership,
        },
    )


@scope_required(Action.DECIDE_RETENTION)
def retention_decide_view(request, reference):
    found = selectors.case_retention(scope=request.scope, reference=reference)
    review = found["review"]
    form = None
    if review is not None:
        data = request.POST if request.method == "POST" else None
        form = RetentionDecisionForm(data, initial={"version": review.version})
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                retention_decide(
                    review=review,
                    decision=data["decision"],
                    reason=data["reason"],
                    keep_until=data["keep_until"],
                    confirm_reference=data["confirm"],
                    version=data["version"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                until = data["keep_until"]
                messages.success(
                    request,
                    DONE[data["decision"]].format(reference=reference, until=format_date(until)),
                )
                return redirect("retention_list")
    # Posted on a review someone else decided meanwhile: said, not silently dropped.
    conflict = CONFLICT if request.method == "POST" and review is None else ""
    return render(
        request,
        "retention/decide.html",
        {**found, "form": form, "conflict": conflict, "partnership": request.scope.partnership},
        status=409 if conflict else 200,
    )
