"""The genogram (§7.2.1): drawn by the product from the family network, in two versions,
and the lead agency's own uploaded versions.

- The **named** version is for the review team, the Panel's meetings and the learning
  workshop (§7.2.1: "shared with other agencies at Panel meetings and in the Reflective
  Learning Workshop").
- The **anonymised** version ("Child A", "Mother", "Sibling 1", ...) is the ONLY view of
  the family that may go into a report (§7.2.1: "The genogram will not be in the final
  published report with any names included"). The report must use
  `anonymised_genogram_svg(lcspr)` here, or `anonymised_genogram_pdf` in
  reviews/documents/genogram.py, and nothing else of the family network.

The anonymised version carries no name, no date of birth (the age only) and no address.
After drawing it, every word it shows is checked against the names of every member of
the network and of the case's children and family (cases.rules.PersonNames): a label
that would hold a name becomes "Family member N", and if a name is still found the
version is refused (GenogramNotAnonymous) rather than shown.

Callers pass an LCSPR already read through the scoping choke point (reviews.selectors.
review.lcspr_get); the network is then read for that LCSPR's partnership only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases.dashboard import WorkItem, register_work
from cases.dates import format_date
from cases.errors import ApplicationError
from cases.models import Child
from cases.permissions import Action
from cases.rules import PersonNames
from cases.tenancy import Scope
from reviews.genogram import Couple, Person, generations, genogram_svg, svg_text
from reviews.models import (
    CoupleKind,
    GenogramAsk,
    GenogramUpload,
    Lcspr,
    NetworkMember,
    NetworkPartnership,
    Sex,
)

NOT_ANONYMOUS = (
    "The anonymised genogram cannot be produced: a name of the family would appear in it. "
    "Check the family network's relationships."
)
FAMILY_MEMBER = "Family member {n}"
SUBJECT_CHILD = "Child {letter}"
HOUSEHOLD = "Household {n}"
LEGEND = (
    "Squares are males, circles females, diamonds not known; a double outline marks the "
    "subject child and a cross a person who has died. Partners are joined by a line "
    "beneath them: dashed for partners, one slash when separated, two when divorced. "
    "Children hang from their parents' line, and a dashed boundary surrounds a household."
)

# Relationship words as families and agencies write them, to the anonymised label.
_RELATIONSHIP_LABELS = {
    "mum": "Mother",
    "mom": "Mother",
    "mother": "Mother",
    "birth mother": "Mother",
    "biological mother": "Mother",
    "dad": "Father",
    "father": "Father",
    "birth father": "Father",
    "biological father": "Father",
    "brother": "Sibling",
    "sister": "Sibling",
    "sibling": "Sibling",
    "half brother": "Half-sibling",
    "half sister": "Half-sibling",
    "half sibling": "Half-sibling",
    "step brother": "Step-sibling",
    "stepbrother": "Step-sibling",
    "step sister": "Step-sibling",
    "stepsister": "Step-sibling",
    "step sibling": "Step-sibling",
    "step father": "Stepfather",
    "stepfather": "Stepfather",
    "step mother": "Stepmother",
    "stepmother": "Stepmother",
    "nan": "Grandmother",
    "nana": "Grandmother",
    "nanna": "Grandmother",
    "gran": "Grandmother",
    "granny": "Grandmother",
    "grandma": "Grandmother",
    "grandad": "Grandfather",
    "granddad": "Grandfather",
    "grandpa": "Grandfather",
}
# Numbered even when there is only one: "Sibling 1".
_ALWAYS_NUMBERED = {"Sibling", "Half-sibling", "Step-sibling"}
_LABEL_CHARACTERS = re.compile(r"[^\w\s'’-]")


class GenogramNotAnonymous(ApplicationError):
    """A name would appear in the anonymised genogram: it is not produced at all."""

    def __init__(self):
        super().__init__(NOT_ANONYMOUS)


@dataclass(frozen=True)
class GenogramRow:
    """One person, as the text alternative's table shows them."""

    label: str
    relationship: str  # the named version only
    sex: str
    age: int | None
    date_of_birth: date | None  # the named version only
    is_subject: bool
    is_deceased: bool
    household: str
    parents: str
    partners: str


@dataclass(frozen=True)
class Genogram:
    svg: str
    rows: list[GenogramRow]
    is_anonymised: bool
    generations: int

    @property
    def is_empty(self) -> bool:
        return not self.rows


# --- Reads ---------------------------------------------------------------------------------


def network_members(lcspr: Lcspr) -> list[NetworkMember]:
    return list(
        NetworkMember.objects.for_partnership(lcspr.case.partnership)
        .filter(lcspr=lcspr)
        .select_related("child")
    )


def network_couples(lcspr: Lcspr) -> list[NetworkPartnership]:
    return list(
        NetworkPartnership.objects.for_partnership(lcspr.case.partnership).filter(lcspr=lcspr)
    )


def member_age(member: NetworkMember, today: date | None = None) -> int | None:
    """Age in years: from the date of birth where known, otherwise as recorded."""
    if member.date_of_birth is None:
        return member.age
    today = today or timezone.localdate()
    born = member.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def genogram_names(lcspr: Lcspr, members: list[NetworkMember] | None = None) -> PersonNames:
    """Every name the anonymised genogram must not hold: the case's children and family
    (with the children's pseudonyms allowed) and every member of the network.
    Restricted: never show what it holds."""
    case = lcspr.case
    base = case_selectors.person_names(partnership=case.partnership, case=case)
    members = network_members(lcspr) if members is None else members
    network = tuple(m.name for m in members if m.name.strip())
    return PersonNames(names=base.names + network, pseudonyms=base.pseudonyms)


# --- Labels --------------------------------------------------------------------------------


def _relationship_label(relationship: str) -> str:
    cleaned = " ".join(_LABEL_CHARACTERS.sub(" ", relationship).split())[:40]
    key = cleaned.casefold().replace("-", " ").replace("’", "'")
    key = " ".join(key.split())
    if key in _RELATIONSHIP_LABELS:
        return _RELATIONSHIP_LABELS[key]
    return cleaned[:1].upper() + cleaned[1:] if cleaned else ""


def anonymised_labels(
    members: list[NetworkMember], names: PersonNames, pseudonyms: dict[int, str]
) -> dict[int, str]:
    """{member pk: label}: the subject child's pseudonym (from cases.Child where linked,
    else "Child A", "Child B" ...), the relationship with numbers for repeats ("Sibling 1",
    "Sibling 2"), and "Family member N" for anyone whose label would hold a name."""
    labels: dict[int, str] = {}
    used_pseudonyms = {p for p in pseudonyms.values() if p}
    letters = (chr(c) for c in range(ord("A"), ord("Z") + 1))
    for member in members:
        if member.is_subject_child:
            pseudonym = pseudonyms.get(member.child_id or 0, "")
            if not pseudonym:
                pseudonym = next(
                    (
                        label
                        for label in (SUBJECT_CHILD.format(letter=letter) for letter in letters)
                        if label not in used_pseudonyms
                    ),
                    "Child",
                )
                used_pseudonyms.add(pseudonym)
            labels[member.pk] = pseudonym
        else:
            labels[member.pk] = _relationship_label(member.relationship)
    # Numbers for repeats.
    counts: dict[str, int] = {}
    for member in members:
        if not member.is_subject_child:
            counts[labels[member.pk]] = counts.get(labels[member.pk], 0) + 1
    seen: dict[str, int] = {}
    for member in members:
        label = labels[member.pk]
        if member.is_subject_child or not label:
            continue
        if counts[label] > 1 or label in _ALWAYS_NUMBERED:
            seen[label] = seen.get(label, 0) + 1
            labels[member.pk] = f"{label} {seen[label]}"
    # The guard: no label may hold a name (or be empty).
    n = 0
    for member in members:
        if not labels[member.pk] or names.found_in(labels[member.pk]):
            n += 1
            labels[member.pk] = FAMILY_MEMBER.format(n=n)
    return labels


# --- Drawing -------------------------------------------------------------------------------

_KIND_WORDS = {
    CoupleKind.MARRIED: "married to",
    CoupleKind.PARTNERS: "partner of",
    CoupleKind.SEPARATED: "separated from",
    CoupleKind.DIVORCED: "divorced from",
}


def _draw(
    lcspr: Lcspr,
    members: list[NetworkMember],
    couples: list[NetworkPartnership],
    labels: dict[int, str],
    households: dict[str, str],
    *,
    anonymised: bool,
    plain: bool = False,
) -> Genogram:
    today = timezone.localdate()
    keys = {m.pk for m in members}
    people = [
        Person(
            key=m.pk,
            label=labels[m.pk],
            sex=m.sex,
            age=member_age(m, today),
            is_subject=m.is_subject_child,
            is_deceased=m.is_deceased,
            mother=m.mother_id if m.mother_id in keys else None,
            father=m.father_id if m.father_id in keys else None,
            household=households.get(m.household.strip(), "") if m.household.strip() else "",
        )
        for m in members
    ]
    drawn_couples = [
        Couple(first=c.first_id, second=c.second_id, kind=c.kind)
        for c in couples
        if c.first_id in keys and c.second_id in keys
    ]
    version = "anonymised" if anonymised else "named"
    generation_count = len(set(generations(people, drawn_couples).values()))
    title = f"Genogram of case {lcspr.case.reference} ({version})"
    description = (
        f"{len(people)} {'person' if len(people) == 1 else 'people'} across "
        f"{generation_count} generation{'' if generation_count == 1 else 's'}."
    )
    if not plain:
        description += f" {LEGEND} The table that follows lists the same people."
    svg = genogram_svg(
        people,
        drawn_couples,
        title=title,
        description=description,
        id_prefix=f"genogram-{version}",
        household_labels={h: h for h in households.values()},
    )
    partners_of: dict[int, list[str]] = {}
    for couple in couples:
        if couple.first_id in keys and couple.second_id in keys:
            words = _KIND_WORDS.get(couple.kind, "partner of")
            partners_of.setdefault(couple.first_id, []).append(
                f"{words} {labels[couple.second_id]}"
            )
            partners_of.setdefault(couple.second_id, []).append(
                f"{words} {labels[couple.first_id]}"
            )
    rows = [
        GenogramRow(
            label=labels[m.pk],
            relationship="" if anonymised else m.relationship,
            sex=Sex(m.sex).label if m.sex in Sex.values else Sex.UNKNOWN.label,
            age=member_age(m, today),
            date_of_birth=None if anonymised else m.date_of_birth,
            is_subject=m.is_subject_child,
            is_deceased=m.is_deceased,
            household=households.get(m.household.strip(), "") if m.household.strip() else "",
            parents=", ".join(
                labels[p] for p in (m.mother_id, m.father_id) if p is not None and p in keys
            ),
            partners="; ".join(partners_of.get(m.pk, [])),
        )
        for m in members
    ]
    return Genogram(svg=svg, rows=rows, is_anonymised=anonymised, generations=generation_count)


def named_genogram(lcspr: Lcspr) -> Genogram:
    """The review team's version (§7.2.1): names, ages and households as recorded.
    Restricted: only for Action.VIEW_REVIEW_TEAM_RECORDS, every view access-logged."""
    members, couples = network_members(lcspr), network_couples(lcspr)
    households = {h: h for h in dict.fromkeys(m.household.strip() for m in members) if h}
    labels = {m.pk: m.name or m.relationship for m in members}
    return _draw(lcspr, members, couples, labels, households, anonymised=False)


def anonymised_genogram(lcspr: Lcspr) -> Genogram:
    """The version a report may hold (§7.2.1): labels instead of names, ages instead of
    dates of birth, households numbered; checked for names after drawing."""
    members, couples = network_members(lcspr), network_couples(lcspr)
    names = genogram_names(lcspr, members)
    pseudonyms = dict(
        Child.objects.for_partnership(lcspr.case.partnership)
        .filter(case=lcspr.case)
        .values_list("pk", "pseudonym")
    )
    labels = anonymised_labels(members, names, pseudonyms)
    households = {
        h: HOUSEHOLD.format(n=n)
        for n, h in enumerate(
            (h for h in dict.fromkeys(m.household.strip() for m in members) if h), start=1
        )
    }
    # A name may also be a word of the drawing itself (someone called Cross, and the
    # legend's "a cross"): then the legend goes, then every label, then the version is
    # refused rather than shown with a name in it.
    withheld = {m.pk: FAMILY_MEMBER.format(n=n) for n, m in enumerate(members, start=1)}
    for chosen, plain in ((labels, False), (labels, True), (withheld, True)):
        drawn = _draw(lcspr, members, couples, chosen, households, anonymised=True, plain=plain)
        if not _holds_a_name(drawn, names):
            return drawn
    raise GenogramNotAnonymous()


def _holds_a_name(genogram: Genogram, names: PersonNames) -> bool:
    table = " ".join(f"{r.label} {r.household} {r.parents} {r.partners}" for r in genogram.rows)
    return names.found_in(svg_text(genogram.svg)) or names.found_in(table)


def anonymised_genogram_svg(lcspr: Lcspr) -> str:
    """The anonymised genogram as SVG text: the only version of the family network that
    the report may include (§7.2.1). Raises GenogramNotAnonymous rather than return a
    drawing that holds a name."""
    return anonymised_genogram(lcspr).svg


# --- Uploads (§7.2.1: the lead agency's own genogram) --------------------------------------


def genogram_uploads(*, scope: Scope, lcspr: Lcspr) -> list[GenogramUpload]:
    """Every version, newest first."""
    return list(
        GenogramUpload.objects.visible_to(scope)
        .filter(lcspr=lcspr)
        .select_related("agency", "uploaded_by")
        .order_by("-number")
    )


def genogram_upload_get(*, scope: Scope, lcspr: Lcspr, pk: int) -> GenogramUpload:
    upload = GenogramUpload.objects.visible_to(scope).filter(lcspr=lcspr, pk=pk).first()
    if upload is None:
        raise Http404("No such genogram.")
    return upload


# --- The ask of the lead agency (§7.2.1) ------------------------------------------------------

NOBODY_ASKED = (
    "No agency is asked yet: the Business Office, the review's Reviewer or a Panel member "
    "asks the lead agency for its genogram (§7.2.1)."
)
AWAITING = "Waiting for {agency} to upload its genogram in the portal (§7.2.1){due}."


@dataclass(frozen=True)
class AskStanding:
    """Who is asked for the genogram, whether it has arrived, and who must act."""

    ask: GenogramAsk | None
    arrived: GenogramUpload | None  # the first version of the asked agency since the ask
    earlier: list  # the earlier asks (historical rows, newest first), replaced since
    must_act: str  # "" once it has arrived


def genogram_ask_standing(*, scope: Scope, lcspr: Lcspr) -> AskStanding:
    ask = (
        GenogramAsk.objects.visible_to(scope)
        .filter(lcspr=lcspr)
        .select_related("agency", "asked_by")
        .first()
    )
    if ask is None:
        return AskStanding(ask=None, arrived=None, earlier=[], must_act=NOBODY_ASKED)
    arrived = (
        GenogramUpload.objects.visible_to(scope)
        .filter(lcspr=lcspr, agency_id=ask.agency_id, uploaded_at__gte=ask.asked_at)
        .order_by("number")
        .first()
    )
    earlier = []
    seen = {(ask.agency_id, ask.asked_at)}
    # The ask's own history (read through the row already scoped above): each agency
    # asked before this one, once.
    for row in ask.history.select_related("agency", "asked_by").order_by("-history_date"):
        if (row.agency_id, row.asked_at) in seen:
            continue
        seen.add((row.agency_id, row.asked_at))
        earlier.append(row)
    due = f", by {format_date(ask.due_on)}" if ask.due_on else ""
    must_act = "" if arrived else AWAITING.format(agency=ask.agency.name, due=due)
    return AskStanding(ask=ask, arrived=arrived, earlier=earlier, must_act=must_act)


def portal_genogram_ask_get(*, scope: Scope, pk: int) -> GenogramAsk:
    """The ask addressed to the scope's agency, while it is asked and the case is not
    withdrawn; any other (another agency's, another partnership's, a replaced one) is a
    404."""
    ask = (
        GenogramAsk.objects.visible_to(scope)
        .filter(pk=pk, lcspr__case__withdrawn_at__isnull=True)
        .select_related("agency", "lcspr__case__partnership")
        .first()
    )
    if ask is None or scope.agency is None or ask.agency_id != scope.agency.pk:
        raise Http404("No such genogram request.")
    return ask


def portal_genogram_versions(*, scope: Scope, ask: GenogramAsk) -> list[GenogramUpload]:
    """The versions of the agency's own genogram for this review (its own uploads and those
    made on its behalf), newest first: never another agency's."""
    return list(
        GenogramUpload.objects.visible_to(scope)
        .filter(lcspr_id=ask.lcspr_id, agency_id=ask.agency_id)
        .order_by("-number")
    )


def portal_genogram_version_get(*, scope: Scope, pk: int) -> GenogramUpload:
    """A version of the scope's agency's own genogram, while the agency is asked for that
    review's genogram and the case is not withdrawn; any other is a 404."""
    upload = (
        GenogramUpload.objects.visible_to(scope)
        .filter(pk=pk, lcspr__case__withdrawn_at__isnull=True)
        .select_related("lcspr__case")
        .first()
    )
    if upload is None or scope.agency is None or upload.agency_id != scope.agency.pk:
        raise Http404("No such genogram.")
    asked = (
        GenogramAsk.objects.visible_to(scope)
        .filter(lcspr_id=upload.lcspr_id, agency=scope.agency)
        .exists()
    )
    if not asked:
        raise Http404("No such genogram.")
    return upload


@register_work
def genogram_work(scope: Scope) -> list[WorkItem]:
    """The asked agency: upload its genogram, until a version has arrived (§7.2.1). The
    Business Office: chase it once its due date has passed."""
    if scope.agency is not None:
        if not scope.can(Action.REPLY_TO_REQUESTS):
            return []
        asks = GenogramAsk.objects.visible_to(scope).filter(
            agency=scope.agency, lcspr__case__withdrawn_at__isnull=True
        )
        text = "Upload your agency's genogram of the family (§7.2.1)"
        name = "portal_genogram"
    elif scope.partnership is not None and scope.can(Action.MANAGE_REQUESTS):
        asks = GenogramAsk.objects.visible_to(scope).filter(
            lcspr__case__withdrawn_at__isnull=True, due_on__lt=timezone.localdate()
        )
        text = "Chase the genogram asked of {agency} (§7.2.1)"
        name = "lcspr_genogram"
    else:
        return []
    arrived = GenogramUpload.objects.visible_to(scope).filter(
        lcspr=OuterRef("lcspr"), agency=OuterRef("agency"), uploaded_at__gte=OuterRef("asked_at")
    )
    rows = (
        asks.annotate(arrived=Exists(arrived))
        .filter(arrived=False)
        .select_related("agency", "lcspr__case")
        .only("id", "due_on", "agency__name", "lcspr__case__reference")
        .order_by("due_on", "pk")
    )
    items = []
    for ask in rows:
        reference = ask.lcspr.case.reference
        url = (
            reverse(name, kwargs={"pk": ask.pk})
            if name == "portal_genogram"
            else reverse(name, kwargs={"reference": reference}) + "#genogram-ask"
        )
        items.append(
            WorkItem(
                case_reference=reference,
                text=text.format(agency=ask.agency.name),
                url=url,
                due_on=ask.due_on,
            )
        )
    return items
