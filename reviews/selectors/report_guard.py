"""What the anonymisation guard looks for in the report (§9.1.3, §7.2.1), and what it
found. Callers pass an LCSPR (or a draft of one) already read through the scoping choke
point (reviews.selectors.review.lcspr_get); every row is then read for that LCSPR's
partnership only.

Everything read here is restricted: the guard's results are shown to the review team only,
and none of it goes into a log, an email or a URL.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from cases.dashboard import WorkItem, register_work
from cases.models import (
    AgencyKind,
    Child,
    FamilyMember,
    IncidentKind,
    InformationRequest,
    Notification,
)
from cases.permissions import Action
from cases.tenancy import Scope
from reviews import anonymisation as rules
from reviews.models import (
    AnonymisationHit,
    FamilyConversation,
    FamilyCoordinator,
    Lcspr,
    NamedPractitioner,
    NetworkMember,
    NeverPublishTerm,
    PractitionerConversation,
    ReportDraft,
    WorkshopInvitee,
)


def never_publish_terms(lcspr: Lcspr) -> QuerySet[NeverPublishTerm]:
    """The case's never-publish list as it stands (a removed term is kept, but not here)."""
    return (
        NeverPublishTerm.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr, removed_at__isnull=True)
        .select_related("added_by")
        .order_by("term", "pk")
    )


def restricted_data(lcspr: Lcspr) -> rules.Restricted:
    """Everything of the case a published report must not say (§9.1.3): its children's
    and family members' names, dates of birth, addresses and references; the family
    network's (§7.2.1); the child's date of death where the notification records one; the
    schools and settings asked for information; the practitioners named to the review;
    and the never-publish list. The children's pseudonyms are never hits."""
    case = lcspr.case
    partnership = case.partnership
    people: list[rules.Person] = []
    dates: list[tuple] = []
    addresses: list[str] = []
    references: list[str] = []
    nhs_numbers: list[str] = []
    pseudonyms: list[str] = []

    def person(name, kind, born=None, address="", reference="", nhs=""):
        if name:
            people.append(rules.Person(name, kind))
        if born:
            dates.append((born, rules.DATE_OF_BIRTH))
        if address:
            addresses.append(address)
        if reference:
            references.append(reference)
        if nhs:
            nhs_numbers.append(nhs)

    for child in Child.objects.for_partnership(partnership).filter(case=case):
        pseudonyms.append(child.pseudonym)
        person(
            child.name,
            rules.CHILD_NAME,
            child.date_of_birth,
            child.address,
            child.local_authority_reference,
            child.nhs_number,
        )
    for member in FamilyMember.objects.for_partnership(partnership).filter(case=case):
        person(
            member.name,
            rules.FAMILY_NAME,
            member.date_of_birth,
            member.address,
            member.local_authority_reference,
            member.nhs_number,
        )
    for member in NetworkMember.objects.for_partnership(partnership).filter(lcspr=lcspr):
        is_child = (
            member.is_subject_child or member.is_surviving_child or member.child_id is not None
        )
        kind = rules.CHILD_NAME if is_child else rules.FAMILY_NAME
        person(member.name, kind, member.date_of_birth, member.address)
    notification = Notification.objects.for_partnership(partnership).filter(case=case).first()
    if (
        notification
        and notification.incident_on
        and notification.incident_kind == (IncidentKind.DEATH)
    ):
        dates.append((notification.incident_on, rules.DATE_OF_DEATH))
    schools = (
        InformationRequest.objects.for_partnership(partnership)
        .filter(case=case, agency__kind=AgencyKind.SCHOOL)
        .values_list("agency__name", flat=True)
        .distinct()
    )
    for name in _practitioner_names(lcspr):
        person(name, rules.PRACTITIONER)
    return rules.Restricted(
        people=tuple(people),
        dates=tuple(dict.fromkeys(dates)),
        addresses=tuple(dict.fromkeys(addresses)),
        schools=tuple(sorted(set(schools))),
        references=tuple(dict.fromkeys(references)),
        nhs_numbers=tuple(dict.fromkeys(nhs_numbers)),
        never_publish=tuple(never_publish_terms(lcspr).values_list("term", flat=True)),
        pseudonyms=tuple(pseudonyms),
        places=(partnership.name,),
    )


def _practitioner_names(lcspr: Lcspr) -> list[str]:
    """The practitioners named to the review: by the agencies (§8.2.3), invited to the
    workshop or spoken with after it (§8.10-8.12), who held a family conversation without
    being a user of the product (§7.4.1), and the family's co-ordinator (§7.1.3)."""
    partnership = lcspr.case.partnership
    names = [
        *NamedPractitioner.objects.for_partnership(partnership)
        .filter(request__case=lcspr.case)
        .values_list("name", flat=True),
        *WorkshopInvitee.objects.for_partnership(partnership)
        .filter(workshop__lcspr=lcspr)
        .values_list("name", flat=True),
        *PractitionerConversation.objects.for_partnership(partnership)
        .filter(workshop__lcspr=lcspr)
        .values_list("name", flat=True),
        *FamilyConversation.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .exclude(held_by_name="")
        .values_list("held_by_name", flat=True),
        *FamilyCoordinator.objects.for_partnership(partnership)
        .filter(lcspr=lcspr)
        .values_list("name", flat=True),
    ]
    return list(dict.fromkeys(name for name in names if name))


def draft_hits(draft: ReportDraft) -> QuerySet[AnonymisationHit]:
    """Everything the guard found in the draft and its PDF, open or accepted, in reading
    order."""
    return (
        AnonymisationHit.objects.for_partnership(draft.lcspr.case.partnership)
        .filter(draft=draft)
        .select_related("accepted_by")
        .order_by("where", "pk")
    )


def draft_hit_get(*, draft: ReportDraft, pk) -> AnonymisationHit | None:
    """One hit of this draft; None if the draft has none of that id."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return draft_hits(draft).filter(pk=pk).first()


def _latest_finished_with_open_hits(scope: Scope) -> QuerySet[ReportDraft]:
    """Of each review the scope reads, its latest draft, if it is finished and holds an
    open hit."""
    later = ReportDraft.objects.visible_to(scope).filter(
        lcspr=OuterRef("lcspr"), number__gt=OuterRef("number")
    )
    open_hits = AnonymisationHit.objects.visible_to(scope).filter(
        draft=OuterRef("pk"), accepted_at__isnull=True
    )
    return ReportDraft.objects.visible_to(scope).filter(
        ~Exists(later),
        Exists(open_hits),
        finished_at__isnull=False,
        lcspr__case__withdrawn_at__isnull=True,
    )


@register_work
def report_guard_work(scope: Scope) -> list[WorkItem]:
    """The CRG chair: the review's latest finished draft holds restricted data nobody has
    fixed or accepted (§9.1.3). The Reviewer fixes it in a new draft; the chair accepts
    each hit with a reason."""
    if scope.partnership is None or not scope.can(Action.ACCEPT_ANONYMISATION_HIT):
        return []
    drafts = (
        _latest_finished_with_open_hits(scope)
        .select_related("lcspr__case")
        .order_by("finished_at", "pk")
    )
    return [
        WorkItem(
            case_reference=draft.lcspr.case.reference,
            text=f"Check the anonymisation hits in report draft {draft.number} (§9.1.3)",
            url=reverse(
                "lcspr_report_hits",
                kwargs={"reference": draft.lcspr.case.reference, "number": draft.number},
            ),
        )
        for draft in drafts
    ]
