"""The meeting's papers and invitations (§4.5), and what follows the decision (§4.8),
for the Business Office and in the agency portal. Being built."""

from django.http import HttpResponse

from cases.permissions import Action
from cases.views import scope_required


def _stub(request, *args, **kwargs):
    return HttpResponse("Not built yet")


rapid_review_papers = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_after = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_report_pdf = scope_required(Action.VIEW_CASES)(_stub)
invitation_papers = scope_required()(_stub)
invitation_summary_pdf = scope_required()(_stub)
invitation_chronology_pdf = scope_required()(_stub)
portal_papers = scope_required(Action.REPLY_TO_REQUESTS)(_stub)
portal_outcome = scope_required(Action.REPLY_TO_REQUESTS)(_stub)
