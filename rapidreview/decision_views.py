"""The meeting's record, decision and sign-off pages (§4.6, §4.7). Being built."""

from django.http import HttpResponse

from cases.permissions import Action
from cases.views import scope_required


def _stub(request, *args, **kwargs):
    return HttpResponse("Not built yet")


rapid_review_record = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_decision = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_actions = scope_required(Action.VIEW_CASES)(_stub)
immediate_action_done = scope_required(Action.RECORD_DECISION)(_stub)
rapid_review_scrutineer = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_sections = scope_required(Action.VIEW_CASES)(_stub)
rapid_review_sign_off = scope_required(Action.VIEW_CASES)(_stub)
