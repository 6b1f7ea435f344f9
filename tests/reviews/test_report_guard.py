"""The anonymisation guard on the report (§9.1.3, §7.2.1): a corpus of drafts with known
hits in both partnerships, read as text in sections, as a Word document and as a PDF; the
chair's acceptance; the never-publish list; and who reaches the guard's pages."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.errors import ApplicationError
from cases.models import (
    AccessEvent,
    AgencyKind,
    Child,
    FamilyMember,
    IncidentKind,
    InformationRequest,
    Notification,
    RequestPurpose,
    Role,
)
from reviews import anonymisation as rules
from reviews.models import (
    AnonymisationHit,
    DraftSource,
    HitKind,
    HitWhere,
    NamedPractitioner,
    NetworkMember,
    NeverPublishTerm,
    ReportDraft,
    ReportSection,
)
from reviews.selectors.report_guard import report_guard_work, restricted_data
from reviews.services import lcspr_open
from reviews.services import report_guard as guard
from reviews.views.report_guard import WHO_ACTS
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user

pytestmark = pytest.mark.django_db

# What each partnership's case knows: seeded so that every kind of restricted data is in
# the records, and the drafts below say each in upper, lower and possessive forms.
SEEDS = {
    "leicester": {
        "child": "Jayden Okafor",
        "sibling": "Amara Okafor",
        "mother": "Elizabeth Okafor",
        "born": date(2019, 3, 2),
        "died": date(2024, 11, 23),
        "address": "14 Acacia Avenue\nBraunstone\nLeicester\nLE3 1AB",
        "postcode": "LE3 1AB",
        "school": "Highfield Primary School",
        "la_reference": "LCC-778812",
        "practitioner": "Priya Ramanathan",
        "uncle": "Tobias Wrenfield",
    },
    "lr": {
        "child": "Maisie Thornbury",
        "sibling": "Callum Thornbury",
        "mother": "Rebecca Thornbury",
        "born": date(2017, 8, 14),
        "died": date(2025, 1, 9),
        "address": "3 Mill Lane\nOakham\nRutland\nLE15 6QT",
        "postcode": "LE15 6QT",
        "school": "Brooke Hill Academy",
        "la_reference": "RCC/55120",
        "practitioner": "Gareth Pennington",
        "uncle": "Desmond Ashworth",
    },
}


def seed_case(partnership, seeds):
    case = open_case(partnership)
    lcspr = lcspr_open(
        case=case, decided_on=timezone.localdate(), key_lines_of_enquiry="", actor=None
    )
    Child.unscoped.create(
        case=case,
        pseudonym="Child A",
        name=seeds["child"],
        date_of_birth=seeds["born"],
        address=seeds["address"],
        local_authority_reference=seeds["la_reference"],
    )
    Child.unscoped.create(case=case, pseudonym="Child B", role="sibling", name=seeds["sibling"])
    FamilyMember.unscoped.create(case=case, relationship="Mother", name=seeds["mother"])
    NetworkMember.unscoped.create(lcspr=lcspr, name=seeds["uncle"], relationship="Uncle")
    Notification.unscoped.create(
        case=case,
        received_on=timezone.localdate(),
        incident_kind=IncidentKind.DEATH,
        incident_on=seeds["died"],
        summary="Child A died.",
    )
    school = AgencyFactory(name=seeds["school"], kind=AgencyKind.SCHOOL)
    request = InformationRequest.unscoped.create(
        case=case,
        agency=school,
        purpose=RequestPurpose.LCSPR,
        reply_due_on=timezone.localdate() + timedelta(days=20),
        sent_at=timezone.now(),
    )
    NamedPractitioner.unscoped.create(
        request=request, name=seeds["practitioner"], job_title="Teacher", email="t@example.org"
    )
    return lcspr


def first(name):
    return name.split()[0]


def corpus(seeds) -> list[tuple[str, str, str]]:
    """(kind, what the draft says, the text of a paragraph saying it): each seeded datum
    in upper, lower and possessive forms."""
    child, sibling = first(seeds["child"]), first(seeds["sibling"])
    surname = seeds["mother"].split()[-1]
    school = seeds["school"]
    born, died = seeds["born"], seeds["died"]
    street = seeds["address"].splitlines()[0]
    lines = []
    for kind, said in (
        (HitKind.CHILD_NAME, child),
        (HitKind.CHILD_NAME, sibling),
        (HitKind.FAMILY_NAME, first(seeds["mother"])),
        (HitKind.CHILD_NAME, surname),
        (HitKind.FAMILY_NAME, first(seeds["uncle"])),
        (HitKind.PRACTITIONER, seeds["practitioner"]),
        (HitKind.SCHOOL, school),
        (HitKind.ADDRESS, street),
    ):
        lines += [
            (kind, said.upper(), f"Later {said.upper()} was seen at home."),
            (kind, said.lower(), f"Later {said.lower()} was seen at home."),
            (kind, f"{said}’s", f"Later {said}’s day was described."),
        ]
    lines += [
        (HitKind.DATE_OF_BIRTH, f"{born.day} {born:%B %Y}", f"Born on {born.day} {born:%B %Y}."),
        (HitKind.DATE_OF_BIRTH, f"{born:%d/%m/%Y}", f"Born on {born:%d/%m/%Y} in hospital."),
        (HitKind.DATE_OF_BIRTH, f"{born:%Y-%m-%d}".upper(), f"DOB {born:%Y-%m-%d}."),
        (
            HitKind.DATE_OF_BIRTH,
            f"{born.day} {born:%B %Y}".upper(),
            f"BORN ON {born.day} {born:%B %Y}".upper(),
        ),
        (HitKind.DATE_OF_DEATH, f"{died.day} {died:%b %Y}", f"Died on {died.day} {died:%b %Y}."),
        (HitKind.POSTCODE, seeds["postcode"], f"Postcode {seeds['postcode']} area."),
        (
            HitKind.POSTCODE,
            seeds["postcode"].replace(" ", "").lower(),
            f"postcode {seeds['postcode'].replace(' ', '').lower()} area.",
        ),
        (HitKind.LA_REFERENCE, seeds["la_reference"], f"Referred as {seeds['la_reference']}."),
    ]
    return lines


CLEAN = [
    "Child A lived with Mother and Child B in the city.",
    "The school raised concerns about Child A's attendance.",
    "The social worker visited the family home twice.",
    "Mother's partner was not known to agencies.",
    "The review was led by the partnership's Reviewer.",
]


def written_draft(lcspr, paragraphs, *, number=1, finished=True):
    draft = ReportDraft.unscoped.create(
        lcspr=lcspr,
        number=number,
        source=DraftSource.WRITTEN,
        finished_at=timezone.now() if finished else None,
    )
    ReportSection.unscoped.create(draft=draft, order=1, heading="Introduction", body=CLEAN[0])
    ReportSection.unscoped.create(
        draft=draft, order=2, heading="Background", body="\n\n".join(paragraphs)
    )
    return draft


@pytest.fixture
def seeded(leicester, lr):
    return {
        "leicester": seed_case(leicester, SEEDS["leicester"]),
        "lr": seed_case(lr, SEEDS["lr"]),
    }


# --- The corpus, in both partnerships ----------------------------------------------------


@pytest.mark.parametrize("slug", ["leicester", "lr"])
def test_every_seeded_datum_is_found_in_a_written_draft(seeded, slug):
    lines = corpus(SEEDS[slug])
    draft = written_draft(seeded[slug], [text for _, _, text in lines])
    hits = guard.report_guard_run(draft=draft)
    found = [(hit.kind, hit.found) for hit in hits]
    assert found == [(kind, said) for kind, said, _ in lines]
    first_hit = hits[0]
    assert first_hit.location == "Section 2 ‘Background’, paragraph 1"
    assert first_hit.where == HitWhere.DRAFT
    assert first_hit.found in first_hit.context
    draft.refresh_from_db()
    assert draft.guard_checked_at is not None


@pytest.mark.parametrize("slug", ["leicester", "lr"])
def test_a_clean_draft_raises_nothing(seeded, slug):
    draft = written_draft(seeded[slug], CLEAN)
    assert guard.report_guard_run(draft=draft) == []
    assert not AnonymisationHit.unscoped.filter(draft=draft).exists()


def test_the_other_partnerships_case_is_not_looked_for(seeded):
    leicester_text = [text for _, _, text in corpus(SEEDS["leicester"])]
    draft = written_draft(seeded["lr"], leicester_text)
    assert guard.report_guard_run(draft=draft) == []


def docx_text(paragraphs: list[str]) -> str:
    """A Word document built with python-docx, read back paragraph by paragraph as the
    drafts' upload reads it."""
    import docx

    document = docx.Document()
    document.add_heading("Background", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    read = docx.Document(io.BytesIO(buffer.getvalue()))
    return "\n".join(paragraph.text for paragraph in read.paragraphs)


@pytest.mark.parametrize("slug", ["leicester", "lr"])
def test_every_seeded_datum_is_found_in_a_word_draft(seeded, slug):
    lines = corpus(SEEDS[slug])
    draft = ReportDraft.unscoped.create(
        lcspr=seeded[slug],
        number=1,
        source=DraftSource.WORD,
        text=docx_text([text for _, _, text in lines] + CLEAN),
        finished_at=timezone.now(),
    )
    hits = guard.report_guard_run(draft=draft)
    assert [(hit.kind, hit.found) for hit in hits] == [(kind, said) for kind, said, _ in lines]
    assert hits[0].location == "Paragraph 2"  # after the heading


@pytest.mark.parametrize("slug", ["leicester", "lr"])
def test_every_seeded_datum_is_found_in_the_reports_pdf(seeded, slug):
    import weasyprint

    lines = corpus(SEEDS[slug])
    html = "".join(f"<p>{escape(text)}</p>" for _, _, text in lines)
    pdf = weasyprint.HTML(string=f"<html><body>{html}</body></html>").write_pdf()
    draft = written_draft(seeded[slug], CLEAN)
    hits = guard.report_guard_run_pdf(draft=draft, pdf=pdf)
    assert {(hit.kind, hit.found) for hit in hits} == {(kind, said) for kind, said, _ in lines}
    assert {hit.where for hit in hits} == {HitWhere.PDF}
    assert hits[0].location == "Page 1"
    # The draft's own text is clean: its check finds nothing, and leaves the PDF's hits.
    assert guard.report_guard_run(draft=draft) == []
    assert AnonymisationHit.unscoped.filter(draft=draft, where=HitWhere.PDF).count() == len(hits)


def test_a_pdf_that_cannot_be_read_is_refused(seeded):
    draft = written_draft(seeded["leicester"], CLEAN)
    with pytest.raises(ApplicationError) as refused:
        guard.report_guard_run_pdf(draft=draft, pdf=b"not a pdf")
    assert refused.value.message == guard.PDF_UNREADABLE


def test_the_restricted_data_comes_from_the_case_and_the_review(seeded):
    restricted = restricted_data(seeded["leicester"])
    names = {person.name: person.kind for person in restricted.people}
    assert names == {
        "Jayden Okafor": rules.CHILD_NAME,
        "Amara Okafor": rules.CHILD_NAME,
        "Elizabeth Okafor": rules.FAMILY_NAME,
        "Tobias Wrenfield": rules.FAMILY_NAME,
        "Priya Ramanathan": rules.PRACTITIONER,
    }
    assert set(restricted.dates) == {
        (date(2019, 3, 2), rules.DATE_OF_BIRTH),
        (date(2024, 11, 23), rules.DATE_OF_DEATH),
    }
    assert restricted.schools == ("Highfield Primary School",)
    assert restricted.pseudonyms == ("Child A", "Child B")


def test_the_rules_kinds_are_the_models():
    assert set(rules.KIND_ORDER) == set(HitKind.values)


# --- Running again, accepting ------------------------------------------------------------


@pytest.fixture
def chair(leicester):
    return staff_user(leicester, role=Role.CRG_CHAIR, email="chair@example.org")


def test_running_twice_changes_nothing_and_keeps_the_chairs_acceptance(seeded, chair):
    draft = written_draft(seeded["leicester"], ["Jayden was seen.", "Highfield called."])
    first_run = guard.report_guard_run(draft=draft)
    assert [hit.found for hit in first_run] == ["Jayden", "Highfield"]
    guard.anonymisation_hit_accept(hit=first_run[1], reason="The road, not the school", actor=chair)
    again = guard.report_guard_run(draft=draft)
    assert [hit.pk for hit in again] == [first_run[0].pk]
    rows = AnonymisationHit.unscoped.filter(draft=draft).order_by("pk")
    assert [(row.pk, row.is_open) for row in rows] == [
        (first_run[0].pk, True),
        (first_run[1].pk, False),
    ]


def test_a_fixed_hit_goes_and_a_new_one_is_open(seeded):
    draft = written_draft(seeded["leicester"], ["Jayden was seen."], finished=False)
    guard.report_guard_run(draft=draft)
    section = ReportSection.unscoped.get(draft=draft, heading="Background")
    section.body = "Child A was seen by Priya."
    section.save()
    hits = guard.report_guard_run(draft=draft)
    assert [(hit.kind, hit.found) for hit in hits] == [(HitKind.PRACTITIONER, "Priya")]
    assert AnonymisationHit.unscoped.filter(draft=draft).count() == 1


def test_only_the_chair_accepts_and_with_a_reason(seeded, chair, leicester):
    draft = written_draft(seeded["leicester"], ["Jayden was seen."])
    [hit] = guard.report_guard_run(draft=draft)
    for role in (Role.REVIEWER, Role.BUSINESS_OFFICE, Role.PANEL_MEMBER):
        with pytest.raises(ApplicationError) as refused:
            guard.anonymisation_hit_accept(
                hit=hit, reason="Fine", actor=staff_user(leicester, role=role)
            )
        assert refused.value.message == guard.ONLY_CHAIR
    with pytest.raises(ApplicationError) as refused:
        guard.anonymisation_hit_accept(hit=hit, reason="  ", actor=chair)
    assert refused.value.message == guard.REASON_NEEDED
    accepted = guard.anonymisation_hit_accept(hit=hit, reason="A common word", actor=chair)
    assert (accepted.accepted_by, accepted.accepted_reason) == (chair, "A common word")
    with pytest.raises(ApplicationError):
        guard.anonymisation_hit_accept(hit=hit, reason="Again", actor=chair)


def test_the_chair_is_told_once_by_email_and_on_the_dashboard(
    seeded, chair, leicester, django_capture_on_commit_callbacks
):
    from cases.tenancy import Scope

    draft = written_draft(seeded["leicester"], ["Jayden was seen."])
    with django_capture_on_commit_callbacks(execute=True):
        guard.report_guard_run(draft=draft)
    with django_capture_on_commit_callbacks(execute=True):
        guard.report_guard_run(draft=draft)
    [email] = mail.outbox
    reference = seeded["leicester"].case.reference
    assert email.to == ["chair@example.org"]
    assert reference in email.subject
    assert f"draft {draft.number}" in email.subject
    assert "Jayden" not in email.body + email.subject
    assert guard.report_guard_email_send(partnership_id=leicester.pk, draft_id=draft.pk) == 0
    scope = Scope(user=chair, membership=chair.memberships.get())
    [item] = report_guard_work(scope)
    assert item.case_reference == reference
    assert "Jayden" not in item.text
    reviewer = staff_user(leicester, role=Role.BUSINESS_OFFICE)
    assert report_guard_work(Scope(user=reviewer, membership=reviewer.memberships.get())) == []


def test_the_mail_sweep_sends_a_lost_email_once(seeded, chair, leicester):
    draft = written_draft(seeded["leicester"], ["Jayden was seen."])
    guard.report_guard_run(draft=draft)  # its on-commit job never ran: the email was lost
    assert mail.outbox == []
    later = timezone.now() + timedelta(minutes=1)
    assert guard.unsent_guard_emails_send(partnership=leicester, before=later) == 1
    assert guard.unsent_guard_emails_send(partnership=leicester, before=later) == 0
    assert len(mail.outbox) == 1


def test_an_unfinished_draft_tells_nobody(seeded, chair, django_capture_on_commit_callbacks):
    draft = written_draft(seeded["leicester"], ["Jayden was seen."], finished=False)
    with django_capture_on_commit_callbacks(execute=True):
        guard.report_guard_run(draft=draft)
    assert mail.outbox == []


# --- The never-publish list ------------------------------------------------------------


def test_the_never_publish_list_is_kept_by_the_reviewer_and_the_office(
    seeded, leicester, chair, django_capture_on_commit_callbacks
):
    lcspr = seeded["leicester"]
    office = staff_user(leicester)
    draft = written_draft(lcspr, ["They slept in the blue caravan."])
    assert guard.report_guard_run(draft=draft) == []
    with pytest.raises(ApplicationError) as refused:
        guard.never_publish_add(lcspr=lcspr, term="blue caravan", actor=chair)
    assert refused.value.message == guard.ONLY_KEEPERS
    with pytest.raises(ApplicationError) as refused:
        guard.never_publish_add(lcspr=lcspr, term="  ", actor=office)
    assert refused.value.message == guard.TERM_NEEDED
    with django_capture_on_commit_callbacks(execute=True):
        term = guard.never_publish_add(
            lcspr=lcspr, term="Blue  Caravan", note="Where they lived", actor=office
        )
    again = guard.never_publish_add(lcspr=lcspr, term="blue caravan", actor=office)
    assert again.pk == term.pk
    [hit] = AnonymisationHit.unscoped.filter(draft=draft)
    assert (hit.kind, hit.found) == (HitKind.NEVER_PUBLISH, "blue caravan")
    with pytest.raises(ApplicationError) as refused:
        guard.never_publish_remove(term=term, reason="", actor=office)
    assert refused.value.message == guard.REMOVAL_REASON_NEEDED
    with django_capture_on_commit_callbacks(execute=True):
        guard.never_publish_remove(term=term, reason="Added by mistake", actor=office)
    assert not AnonymisationHit.unscoped.filter(draft=draft).exists()
    assert NeverPublishTerm.unscoped.get(pk=term.pk).removed_at is not None
    assert term.history.first().history_change_reason.endswith("Added by mistake")


# --- The genogram rule (§7.2.1) ----------------------------------------------------------


def test_only_the_anonymised_genogram_can_go_with_a_draft():
    """§7.2.1: the draft records whether the anonymised genogram goes with it, and has no
    field by which a file, or the named genogram, could be attached to it."""
    from django.db import models

    fields = {field.name: field for field in ReportDraft._meta.get_fields()}
    assert isinstance(fields["anonymised_genogram"], models.BooleanField)
    related = [
        f.related_model._meta.label
        for f in fields.values()
        if f.is_relation and f.related_model is not None
    ]
    assert not any("Genogram" in label for label in related)
    files = [name for name, f in fields.items() if isinstance(f, models.FileField)]
    assert files == ["file"]  # the Word draft itself, as it was uploaded
    assert not any("genogram" in name for name in fields if name != "anonymised_genogram")


# --- The pages ---------------------------------------------------------------------------


def hits_url(lcspr, number=1):
    return reverse(
        "lcspr_report_hits", kwargs={"reference": lcspr.case.reference, "number": number}
    )


def list_url(lcspr):
    return reverse("lcspr_report_never_publish", kwargs={"reference": lcspr.case.reference})


def test_the_hits_page_shows_each_hit_and_who_must_act(client, seeded, leicester):
    lcspr = seeded["leicester"]
    draft = written_draft(lcspr, ["Later Jayden was seen at Highfield."])
    guard.report_guard_run(draft=draft)
    office = staff_user(leicester)
    sign_in(client, office)
    page = client.get(hits_url(lcspr)).content.decode()
    assert "<mark>Jayden</mark>" in page
    assert "Section 2 ‘Background’, paragraph 1" in page
    assert WHO_ACTS in page
    assert 'name="reason"' not in page
    assert (
        AccessEvent.objects.for_partnership(leicester)
        .filter(object_reference=lcspr.case.reference, object_type="report anonymisation hits")
        .exists()
    )


def test_the_chair_accepts_a_hit_on_the_page(client, seeded, chair):
    lcspr = seeded["leicester"]
    draft = written_draft(lcspr, ["Later Jayden was seen."])
    [hit] = guard.report_guard_run(draft=draft)
    sign_in(client, chair)
    refused = client.post(hits_url(lcspr), {"form": "accept", "hit": hit.pk, "reason": ""})
    assert refused.status_code == 200
    assert escape(guard.REASON_NEEDED) in refused.content.decode()
    done = client.post(
        hits_url(lcspr), {"form": "accept", "hit": hit.pk, "reason": "Not the child"}
    )
    assert done.status_code == 302
    hit.refresh_from_db()
    assert hit.accepted_by == chair
    assert hit.accepted_reason == "Not the child"


def test_a_non_chair_cannot_accept_on_the_page(client, seeded, leicester):
    lcspr = seeded["leicester"]
    draft = written_draft(lcspr, ["Later Jayden was seen."])
    [hit] = guard.report_guard_run(draft=draft)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(lcspr.case, reviewer)
    sign_in(client, reviewer)
    response = client.post(hits_url(lcspr), {"form": "accept", "hit": hit.pk, "reason": "Ok"})
    assert response.status_code == 403
    hit.refresh_from_db()
    assert hit.is_open
    # The Reviewer runs the check again.
    assert client.post(hits_url(lcspr), {"form": "run"}).status_code == 302


def test_the_never_publish_page_adds_and_removes(client, seeded, leicester):
    lcspr = seeded["leicester"]
    office = staff_user(leicester)
    sign_in(client, office)
    assert client.get(list_url(lcspr)).status_code == 200
    response = client.post(list_url(lcspr), {"form": "add", "term": "", "note": ""})
    assert escape(guard.TERM_NEEDED) in response.content.decode()
    page = client.get(list_url(lcspr)).content.decode()
    token = _once_token(page)
    response = client.post(
        list_url(lcspr), {"form": "add", "term": "Blue caravan", "note": "", **token}
    )
    assert response.status_code == 302
    term = NeverPublishTerm.unscoped.get(lcspr=lcspr)
    assert "Blue caravan" in client.get(list_url(lcspr)).content.decode()
    response = client.post(list_url(lcspr), {"form": "remove", "term": term.pk, "reason": "No"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.removed_at is not None


def _once_token(page: str) -> dict:
    import re

    match = re.search(r'name="(once[^"]*)" value="([^"]*)"', page)
    return {match.group(1): match.group(2)} if match else {}


def test_another_partnership_and_an_unappointed_reviewer_find_nothing(
    client, seeded, lr, leicester
):
    lcspr = seeded["leicester"]
    written_draft(lcspr, ["Later Jayden was seen."])
    for user in (
        staff_user(lr),
        staff_user(lr, role=Role.CRG_CHAIR),
        staff_user(leicester, role=Role.REVIEWER),
    ):
        sign_in(client, user)
        for url in (hits_url(lcspr), list_url(lcspr)):
            response = client.get(url)
            assert response.status_code == 404, (user, url)
            assert lcspr.case.reference not in response.content.decode()
    # A draft number the review does not have.
    sign_in(client, staff_user(leicester))
    assert client.get(hits_url(lcspr, number=9)).status_code == 404
