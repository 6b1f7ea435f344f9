"""The Rapid Review's part of a person's dashboard: the decisions waiting for their
signature, the meetings whose papers were sent to them by name, for the office the
invitations and outcomes nobody could be emailed (issue 12), and, for those who record the
CRG's decisions, the deaths waiting for its consideration (§1.3.5)."""

from cases.dashboard import SHOWN, register
from cases.models import Stage
from cases.permissions import Action
from cases.tenancy import Scope
from rapidreview import selectors


@register
def rapid_review_tasks(scope: Scope) -> dict:
    if not scope.can(Action.VIEW_CASES):
        return {}
    waiting = selectors.sign_offs_waiting(scope=scope)
    context = {
        # issue 18: the first few, with how many; the rest on their own page
        "sign_offs_waiting": waiting[:SHOWN],
        "sign_offs_total": len(waiting),
        "my_invitations": selectors.my_invitations(scope=scope),
        "not_sent_to_anyone": selectors.not_sent_to_anyone(scope=scope)
        if scope.can(Action.SEND_RAPID_REVIEW_PAPERS)
        else [],
    }
    if scope.can(Action.RECORD_DECISION):
        deaths = selectors.care_deaths_to_consider(scope=scope)
        # issue 18: the oldest few, with how many; the case list filtered by the stage
        # shows them all
        context["care_deaths_to_consider"] = list(
            deaths.only("id", "reference", "opened_on")[:SHOWN]
        )
        context["care_deaths_total"] = deaths.count()
        context["care_death_stage"] = Stage.CRG_CONSIDERATION
    return context
