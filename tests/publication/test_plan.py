"""The publication plan (§10.2-10.4) and the decision to publish or withhold (§10.1.1):
opening only after the final approval, idempotently; steps with owners, emails, dashboard
items and chased dates; the agencies' leads; the improvements-only document guarded;
a stale edit conflicting; another partnership finding nothing."""

import hashlib
import html
import io
import re

import pypdf
import pytest
from django.core import mail
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import Deadline, DeadlineStatus, Role
from publication.models import (
    ActionPlan,
    PlanAction,
    PlanRecommendation,
    PlanSource,
    PlanStep,
    Publication,
    PublicationContact,
    PublicationTask,
    PublishChoice,
)
from publication.selectors import plan as selectors
from publication.services import plan as services
from tests.factories import sign_in, staff_user
from tests.publication.conftest import CHILD_NAME

pytestmark = pytest.mark.django_db


def page(case, part=""):
    return f"/cases/{case.reference}/lcspr/publication/{part}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def opened(case, office):
    return services.publication_open(lcspr=case.lcspr, actor=office)


# --- Opening (§10.2.1) ----------------------------------------------------------------------


def test_the_plan_cannot_open_before_the_final_approval_and_the_page_says_who_acts(
    client, approved, office
):
    with pytest.raises(ApplicationError) as refused:
        services.publication_open(lcspr=approved.lcspr, actor=office)
    assert "approved by the Case Review Group" in refused.value.message
    assert not Publication.unscoped.exists()

    sign_in(client, office)
    shown = text(client.get(page(approved)))
    assert "The publication plan opens once the final report is approved" in shown
    # The report waits to be marked final: the page names who does it.
    assert selectors.approval_state(approved.lcspr).state.who_acts in shown
    assert "Open the publication plan" not in shown
    assert client.post(page(approved, "open/")).status_code == 200
    assert not Publication.unscoped.exists()


def test_opening_makes_a_task_per_step_owned_by_the_lead_officer_and_chased(
    final, case, office, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publication = opened(case, office)
    tasks = {t.step: t for t in PublicationTask.unscoped.filter(publication=publication)}
    assert set(tasks) == set(PlanStep.values)
    for step, task in tasks.items():
        assert task.owner == office
        assert task.due_on > timezone.localdate()
        item = Deadline.unscoped.get(case=case, kind=f"publication_task:{step}")
        assert item.due_date == task.due_on
        assert item.responsible == office
        assert item.status == DeadlineStatus.OPEN
    # The owner is told by email (once per step) ...
    emails = [m for m in mail.outbox if office.email in m.to]
    assert len(emails) == len(PlanStep.values)
    assert all(case.reference in m.subject for m in emails)
    assert CHILD_NAME not in " ".join(m.body for m in emails)
    # ... and a second run of the job sends nothing more.
    from publication.tasks import publication_task_email

    task = next(iter(tasks.values()))
    assert publication_task_email(partnership_id=case.partnership_id, task_id=task.pk) == 0


def test_opening_twice_changes_nothing(final, case, office):
    first = opened(case, office)
    second = opened(case, office)
    assert first.pk == second.pk
    assert PublicationTask.unscoped.filter(publication=first).count() == len(PlanStep)
    assert first.version == Publication.unscoped.get().version


def test_the_owner_sees_the_steps_on_the_dashboard(client, final, case, office):
    sign_in(client, office)
    to_open = "The final report is approved: open the publication plan"
    assert to_open in text(client.get("/"))  # nobody owns a step yet: the office is told
    opened(case, office)
    shown = text(client.get("/"))
    assert "Publication plan: " + PlanStep.FAMILY.label in shown
    assert to_open not in shown


def test_the_office_opens_the_plan_from_the_page_and_the_lcspr_page_links_it(
    client, final, case, office
):
    sign_in(client, office)
    assert f'href="{page(case)}"' in text(client.get(f"/cases/{case.reference}/lcspr/"))
    shown = text(client.get(page(case)))
    assert "Open the publication plan" in shown
    response = client.post(page(case, "open/"))
    assert response.status_code == 302
    assert Publication.unscoped.filter(lcspr=case.lcspr).exists()
    shown = text(client.get(page(case)))
    assert PlanStep.CONTACTS.label in shown


def test_a_step_done_closes_its_dated_item_and_a_new_owner_is_told(
    final, case, office, chair, django_capture_on_commit_callbacks
):
    publication = opened(case, office)
    task = PublicationTask.unscoped.get(publication=publication, step=PlanStep.MEDIA)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_task_update(
            publication=publication,
            step=PlanStep.MEDIA,
            owner=chair,
            due_on=task.due_on,
            done_on=None,
            note="",
            version=task.version,
            actor=office,
        )
    assert [m.to for m in mail.outbox] == [[chair.email]]
    assert Deadline.unscoped.get(case=case, kind="publication_task:media").responsible == chair
    task.refresh_from_db()
    services.publication_task_update(
        publication=publication,
        step=PlanStep.MEDIA,
        owner=chair,
        due_on=task.due_on,
        done_on=timezone.localdate(),
        note="Named",
        version=task.version,
        actor=office,
    )
    item = Deadline.unscoped.get(case=case, kind="publication_task:media")
    assert item.status == DeadlineStatus.MET


def test_the_agencies_involved_get_their_leads_and_the_step_is_done(
    client, final, case, office, police
):
    publication = opened(case, office)
    sign_in(client, office)
    shown = text(client.get(page(case, "contacts/")))
    assert "Test Police" in shown
    response = client.post(
        page(case, "contacts/"),
        {
            "version": publication.version,
            f"strategic_lead_name_{police.pk}": "Sam Strategic",
            f"strategic_lead_email_{police.pk}": "sam@example.org",
            f"media_lead_name_{police.pk}": "Mo Media",
            f"media_lead_email_{police.pk}": "not an email",
        },
    )
    assert response.status_code == 200  # the bad address is named, what was typed kept
    assert "Sam Strategic" in text(response)
    assert not PublicationContact.unscoped.exists()
    response = client.post(
        page(case, "contacts/"),
        {
            "version": publication.version,
            f"strategic_lead_name_{police.pk}": "Sam Strategic",
            f"strategic_lead_email_{police.pk}": "sam@example.org",
            f"media_lead_name_{police.pk}": "Mo Media",
            f"media_lead_email_{police.pk}": "mo@example.org",
        },
    )
    assert response.status_code == 302
    contact = PublicationContact.unscoped.get()
    assert (contact.agency, contact.media_lead_name) == (police, "Mo Media")
    task = PublicationTask.unscoped.get(publication=publication, step=PlanStep.CONTACTS)
    assert task.done_on == timezone.localdate()
    item = Deadline.unscoped.get(case=case, kind="publication_task:contacts")
    assert item.status == DeadlineStatus.MET


def test_a_stale_edit_is_a_conflict_and_overwrites_nothing(client, final, case, office):
    publication = opened(case, office)
    stale = publication.version
    services.publication_arrangements_save(
        publication=publication,
        values={"family_wishes": "They asked for no photographs."},
        version=stale,
        actor=office,
    )
    sign_in(client, office)
    response = client.post(
        page(case, "arrangements/"),
        {"version": stale, "family_wishes": "Something else", "media_contact_name": "Pat"},
    )
    assert response.status_code == 200
    assert "Someone changed the publication plan while you were editing" in text(response)
    publication.refresh_from_db()
    assert publication.family_wishes == "They asked for no photographs."
    assert publication.media_contact_name == ""


def test_the_arrangements_are_recorded_and_their_steps_done(final, case, office):
    publication = opened(case, office)
    services.publication_arrangements_save(
        publication=publication,
        values={
            "family_wishes": "No photographs.",
            "family_discussed_on": timezone.localdate(),
            "family_discussion": "The Reviewer met the mother at home.",
            "practitioner_arrangements": "Briefed by their managers a week before.",
            "practitioner_senior_manager": "Head of Children's Services",
            "media_contact_name": "Pat Press",
            "media_contact_email": "press@example.org",
        },
        version=publication.version,
        actor=office,
    )
    done = set(
        PublicationTask.unscoped.filter(publication=publication, done_on__isnull=False).values_list(
            "step", flat=True
        )
    )
    assert done == {PlanStep.FAMILY, PlanStep.PRACTITIONERS, PlanStep.MEDIA}


# --- Publish or withhold (§10.1.1, footnote 23) -------------------------------------------


def action_plan(case, action_text="Review the multi-agency training offer on neglect."):
    plan = ActionPlan.unscoped.create(
        partnership=case.partnership,
        source=PlanSource.LCSPR,
        case=case,
        title="Action plan following a local review",
    )
    rec = PlanRecommendation.unscoped.create(
        plan=plan, number="1.1", text="Agencies should train staff in neglect."
    )
    from tests.factories import AgencyFactory

    PlanAction.unscoped.create(
        plan=plan,
        recommendation=rec,
        text=action_text,
        owner_agency=AgencyFactory(partnerships=[case.partnership], name="Owner Agency"),
        lead_name="Lee Lead",
        measure="90% of staff trained",
        due_on=timezone.localdate(),
    )
    PlanRecommendation.unscoped.create(
        plan=plan,
        number="1.2",
        text="A second recommendation.",
        response="not_accepted",
        statement="Already covered by the national programme.",
    )
    return plan


def test_publishing_only_the_improvements_needs_a_reason(final, case, office):
    publication = opened(case, office)
    with pytest.raises(ApplicationError) as refused:
        services.publication_decide(
            publication=publication,
            choice=PublishChoice.IMPROVEMENTS_ONLY,
            reason=" ",
            version=publication.version,
            actor=office,
        )
    assert refused.value.field == "choice_reason"


def test_the_improvements_only_document_is_made_from_the_action_plan_and_guarded(
    client, final, case, office
):
    action_plan(case)
    publication = opened(case, office)
    result = services.publication_decide(
        publication=publication,
        choice=PublishChoice.IMPROVEMENTS_ONLY,
        reason="The family would be identified in a small community.",
        version=publication.version,
        actor=office,
    )
    assert result.hits == []
    publication.refresh_from_db()
    assert publication.choice == PublishChoice.IMPROVEMENTS_ONLY
    with publication.improvements_file.open("rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == publication.improvements_sha256
    shown = pdf_text(content)
    assert "Improvements to be made" in shown
    assert "Review the multi-agency training offer on neglect." in shown
    assert "Owner Agency" in shown
    assert "Already covered by the national programme." in shown
    # Written to be published: no case reference, no names.
    assert case.reference not in shown
    assert "Lee Lead" not in shown
    assert "Zebedee" not in shown

    sign_in(client, office)
    response = client.get(page(case, "improvements.pdf"))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == (
        publication.improvements_sha256
    )


def test_an_improvements_document_naming_the_child_is_refused(client, final, case, office):
    action_plan(case, action_text="Make sure Zebedee's school shares concerns.")
    publication = opened(case, office)
    sign_in(client, office)
    response = client.post(
        page(case, "decision/"),
        {
            "version": publication.version,
            "choice": PublishChoice.IMPROVEMENTS_ONLY,
            "choice_reason": "Inappropriate to publish the report.",
        },
    )
    assert response.status_code == 200
    shown = text(response)
    assert services.NOT_ANONYMOUS in shown
    assert "A child's name: Page" in shown
    publication.refresh_from_db()
    assert publication.choice == ""
    assert not publication.improvements_file


def test_publishing_the_report_is_recorded(final, case, office):
    publication = opened(case, office)
    result = services.publication_decide(
        publication=publication,
        choice=PublishChoice.REPORT,
        reason="",
        version=publication.version,
        actor=office,
    )
    assert result.publication.choice == PublishChoice.REPORT
    pack = selectors.pack_of(result.publication)
    assert pack.sha256 == final.sha256


# --- Who may, and the other partnership -----------------------------------------------------


def test_a_crg_member_reads_the_page_but_cannot_open_the_plan(client, final, case, leicester):
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert client.get(page(case)).status_code == 200
    assert client.post(page(case, "open/")).status_code == 403
    assert not Publication.unscoped.exists()


def test_the_other_partnership_finds_nothing(client, final, case, office, lr):
    opened(case, office)
    sign_in(client, staff_user(lr))
    for part in ("", "open/", "step/?step=date", "decision/", "notice/", "record/", "date/"):
        response = client.get(page(case, part))
        assert response.status_code == 404, part
        assert case.reference not in response.content.decode()


def test_the_hits_are_named_by_kind_only(client, final, case, office):
    """The page lists where the guard found something, never a restricted name in a log."""
    action_plan(case, action_text="Zebedee Quarrington's school.")
    publication = opened(case, office)
    result = services.publication_decide(
        publication=publication,
        choice=PublishChoice.IMPROVEMENTS_ONLY,
        reason="Inappropriate.",
        version=publication.version,
        actor=office,
    )
    assert result.publication is None
    assert {h.kind for h in result.hits} >= {"child_name"}
    assert re.match(r"Page \d+", result.hits[0].location)
