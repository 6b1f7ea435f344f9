"""The report's drafts (§9.1): written in the product section by section or uploaded from
Word, finished and never changed, compared, commented on by the Panel, and checked against
the §9.1.2 minimum content, with the review team alone reaching any of it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.errors import ApplicationError
from cases.models import AccessAction, AccessEvent, Role
from rapidreview.models import CrgMeeting, MeetingKind
from reviews import services as review_services
from reviews.checklist import KLOE_PREFIX, MINIMUM_CONTENT_COUNT
from reviews.docx import EMPTY, NOT_WORD, OLE2_HEADER, OPENING, PROTECTED_OR_DOC, docx_read
from reviews.models import DraftSource, ReportComment, ReportDraft, ReportSection
from reviews.rules import ReviewConflict
from reviews.selectors import report_drafts as report_selectors
from reviews.selectors.report import draft_missing_points, report_checklist
from reviews.selectors.report_drafts import (
    NOT_STARTED,
    report_comment_work,
    report_next_step,
)
from reviews.services import report_drafts as services
from reviews.views.report import COMMENT_ADDED
from tests.cases.test_portal import media  # noqa: F401 - uploads out of var/
from tests.factories import appoint, open_case, sign_in, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

KLOES = [
    "How agencies shared information about the family.",
    "Whether the child's voice was heard.",
    "How the risk from the home was assessed.",
]


@pytest.fixture
def review(leicester):
    """An LCSPR in Leicester with its Reviewer, a Panel member and the Business Office."""
    office = staff_user(leicester)
    case = open_case(leicester)
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(case, reviewer, Role.REVIEWER)
    panel = staff_user(leicester, role=Role.PANEL_MEMBER)
    appoint(case, panel, Role.PANEL_MEMBER)
    case.refresh_from_db()
    return {
        "case": case,
        "lcspr": case.lcspr,
        "office": office,
        "reviewer": reviewer,
        "panel": panel,
    }


def agree_terms(review, kloes):
    """Terms of reference with these lines of enquiry, agreed by the CRG (in force)."""
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    meeting = CrgMeeting.unscoped.create(
        partnership=review["case"].partnership,
        kind=MeetingKind.MONTHLY,
        held_on=timezone.localdate() + timedelta(days=7),
    )
    review_services.terms_version_save(
        lcspr=lcspr,
        actor=reviewer,
        based_on=0,
        draft=review_services.TermsDraft(key_lines_of_enquiry=kloes),
    )
    review_services.terms_put_to_crg(lcspr=lcspr, actor=reviewer, number=1, meeting=meeting)
    CrgMeeting.unscoped.filter(pk=meeting.pk).update(held_on=timezone.localdate())
    review_services.terms_agreement_record(lcspr=lcspr, actor=review["office"], agreed=True)


def word_bytes(*, opening="Before any heading.", sections=(("Overview", "What happened."),)):
    document = docx.Document()
    if opening:
        document.add_paragraph(opening)
    for heading, body in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Agency"
    table.rows[0].cells[1].text = "Health visiting"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def word_file(content=None, name="draft.docx"):
    return SimpleUploadedFile(name, content if content is not None else word_bytes())


def url(name, review, **kwargs):
    return reverse(name, kwargs={"reference": review["case"].reference, **kwargs})


def text(response):
    return response.content.decode()


def token(page: str) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', page)[1]


# --- Writing in the product ------------------------------------------------------------


def test_the_first_draft_has_a_section_for_each_point_in_the_frameworks_order(client, review):
    sign_in(client, review["reviewer"])
    page = client.get(url("lcspr_report", review))
    assert NOT_STARTED in text(page)
    # A double submit of "start" makes one draft, and the second lands on it.
    form = {"once_token": token(text(page))}
    first = client.post(url("lcspr_report", review), form)
    second = client.post(url("lcspr_report", review), form)
    drafts = ReportDraft.objects.for_partnership(review["case"].partnership)
    assert drafts.count() == 1
    draft = drafts.get()
    assert first["Location"] == second["Location"] == url("lcspr_report_draft", review, pk=draft.pk)
    headings = list(
        ReportSection.objects.for_partnership(draft.lcspr.case.partnership)
        .filter(draft=draft)
        .order_by("order")
        .values_list("heading", flat=True)
    )
    assert headings == list(services.DEFAULT_HEADINGS.values())
    assert len(headings) == MINIMUM_CONTENT_COUNT
    assert draft.source == DraftSource.WRITTEN
    assert not draft.is_finished


def test_write_reorder_remove_finish_and_the_next_draft_copies_it(client, review):
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    sections = list(draft.sections.order_by("order"))
    sign_in(client, reviewer)
    response = client.post(
        url("lcspr_report_section", review, pk=sections[0].pk),
        {
            "heading": "Overview",
            "body": "Child A lived with her mother.\n\nShe was 3.",
            "version": 1,
        },
    )
    assert response.status_code == 302
    # Preview shows the typed text and saves nothing.
    response = client.post(
        url("lcspr_report_section", review, pk=sections[1].pk),
        {"heading": "Methods", "body": "A systems review.", "version": 1, "preview": "1"},
    )
    assert "A systems review." in text(response)
    sections[1].refresh_from_db()
    assert sections[1].body == ""
    client.post(
        url("lcspr_report_draft", review, pk=draft.pk),
        {"form": "move", "section": sections[1].pk, "move": "up"},
    )
    client.post(
        url("lcspr_report_section", review, pk=sections[2].pk), {"remove": "1", "remove-version": 1}
    )
    client.post(
        url("lcspr_report_draft", review, pk=draft.pk), {"form": "add", "add-heading": "Annex"}
    )
    headings = list(draft.sections.order_by("order").values_list("heading", flat=True))
    assert headings[:2] == ["How the review was carried out", "Overview"]
    assert sections[2].heading not in headings
    assert headings[-1] == "Annex"
    response = client.post(
        url("lcspr_report_draft", review, pk=draft.pk),
        {"form": "finish", "finish-note": "First full draft"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_finished
    assert draft.finished_by == reviewer
    assert draft.note == "First full draft"
    assert draft.text.startswith("How the review was carried out\n\nOverview\n\nChild A lived")
    # A finished draft never changes.
    with pytest.raises(ApplicationError):
        services.report_section_update(
            section=sections[0], heading="X", body="Y", version=2, actor=reviewer
        )
    with pytest.raises(ApplicationError):
        services.report_section_add(draft=draft, heading="More", actor=reviewer)
    second = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    assert second.number == 2
    assert list(second.sections.order_by("order").values_list("heading", "body")) == list(
        draft.sections.order_by("order").values_list("heading", "body")
    )


def test_finishing_needs_some_text_and_calls_the_guard(review, monkeypatch):
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    called = []
    monkeypatch.setattr(services, "report_guard_run", lambda *, draft: called.append(draft.pk))
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    with pytest.raises(ApplicationError) as refused:
        services.report_draft_finish(draft=draft, note="Empty", actor=reviewer)
    assert refused.value.message == services.NOTHING_WRITTEN
    section = draft.sections.first()
    services.report_section_update(
        section=section, heading=section.heading, body="Text.", version=1, actor=reviewer
    )
    services.report_draft_finish(draft=draft, note="Done", actor=reviewer)
    services.report_draft_finish(draft=draft, note="Done again", actor=reviewer)  # a double submit
    assert called == [draft.pk]
    with pytest.raises(ApplicationError) as refused:
        services.report_draft_start(lcspr=lcspr, actor=review["panel"])
    assert refused.value.message == services.ONLY_WRITERS


def test_a_stale_section_edit_is_a_visible_conflict_keeping_the_typed_text(client, review):
    lcspr, reviewer, office = review["lcspr"], review["reviewer"], review["office"]
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    section = draft.sections.order_by("order").first()
    services.report_section_update(
        section=section,
        heading=section.heading,
        body="The office's words.",
        version=1,
        actor=office,
    )
    with pytest.raises(ReviewConflict):
        services.report_section_update(
            section=section, heading=section.heading, body="Mine.", version=1, actor=reviewer
        )
    sign_in(client, reviewer)
    response = client.post(
        url("lcspr_report_section", review, pk=section.pk),
        {"heading": section.heading, "body": "The Reviewer's typed words.", "version": 1},
    )
    page = text(response)
    assert response.status_code == 200
    assert services.SECTION_CONFLICT.split(":")[0] in page.replace("&#x27;", "'")
    assert "The office&#x27;s words." in page  # what is saved now
    assert "The Reviewer&#x27;s typed words." in page  # what was typed, kept
    section.refresh_from_db()
    assert section.body == "The office's words."
    # Saved again from the conflict page (at the current version), it goes through.
    response = client.post(
        url("lcspr_report_section", review, pk=section.pk),
        {"heading": section.heading, "body": "The Reviewer's typed words.", "version": 2},
    )
    section.refresh_from_db()
    assert response.status_code == 302
    assert section.body == "The Reviewer's typed words."


# --- Word drafts -------------------------------------------------------------------------


def test_docx_text_and_sections_split_at_headings():
    read = docx_read(
        word_bytes(sections=(("Overview", "What happened."), ("Methods", "A systems review.")))
    )
    assert [(s.heading, s.body) for s in read.sections] == [
        (OPENING, "Before any heading."),
        ("Overview", "What happened."),
        ("Methods", "A systems review.\n\nAgency | Health visiting"),  # the table's row
    ]
    assert read.text.startswith("Before any heading.\n\nOverview\n\nWhat happened.")


def test_a_word_draft_is_uploaded_finished_and_its_original_kept(client, review):
    sign_in(client, review["reviewer"])
    page = text(client.get(url("lcspr_report_upload", review)))
    content = word_bytes(sections=(("Overview", "What happened."), ("Methods", "Systems.")))
    form = {"once_token": token(page), "note": "From Word"}
    first = client.post(
        url("lcspr_report_upload", review),
        {**form, "file": word_file(content, "Smith family.docx")},
    )
    second = client.post(url("lcspr_report_upload", review), {**form, "file": word_file(content)})
    drafts = ReportDraft.objects.for_partnership(review["case"].partnership)
    assert drafts.count() == 1
    draft = drafts.get()
    assert first["Location"] == second["Location"]
    assert draft.source == DraftSource.WORD
    assert draft.is_finished
    assert draft.note == "From Word"
    assert draft.original_name == "Smith family.docx"
    assert draft.size == len(content)
    assert "Smith" not in draft.file.name
    assert "What happened." in draft.text
    assert list(draft.sections.order_by("order").values_list("heading", flat=True)) == [
        OPENING,
        "Overview",
        "Methods",
    ]
    # The original, named by case reference and draft number, its download logged.
    response = client.get(url("lcspr_report_draft_file", review, pk=draft.pk))
    assert b"".join(response.streaming_content) == content
    assert f"{review['case'].reference}-report-draft-1.docx" in response["Content-Disposition"]
    assert (
        AccessEvent.objects.for_partnership(review["case"].partnership)
        .filter(action=AccessAction.DOWNLOAD, route="lcspr_report_draft_file")
        .exists()
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Just some text, not Word at all.", NOT_WORD),
        (OLE2_HEADER + b"\x00" * 512, PROTECTED_OR_DOC),
        (b"PK\x03\x04not really a zip", NOT_WORD),
    ],
)
def test_what_is_not_a_readable_word_document_is_refused_with_why(client, review, content, reason):
    sign_in(client, review["reviewer"])
    response = client.post(
        url("lcspr_report_upload", review), {"file": word_file(content), "note": "Try"}
    )
    assert response.status_code == 200
    assert reason.split(":")[0] in text(response)
    assert not ReportDraft.objects.for_partnership(review["case"].partnership).exists()


def test_an_empty_word_document_is_refused(review):
    document = docx.Document()
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(ApplicationError) as refused:
        services.report_draft_upload(
            lcspr=review["lcspr"], upload=word_file(buffer.getvalue()), actor=review["reviewer"]
        )
    assert refused.value.message == EMPTY


@override_settings(REPORT_DRAFT_MAX_BYTES=1000)
def test_a_word_draft_past_the_limit_is_refused_naming_the_limit(client, review):
    sign_in(client, review["reviewer"])
    response = client.post(
        url("lcspr_report_upload", review), {"file": word_file(), "note": "Too big"}
    )
    assert "1000\xa0bytes" in text(response) or "1000 bytes" in text(response)
    assert not ReportDraft.objects.for_partnership(review["case"].partnership).exists()


# --- Comparing -------------------------------------------------------------------------


def test_compare_shows_what_was_added_and_removed(client, review):
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    services.report_draft_upload(
        lcspr=lcspr,
        upload=word_file(
            word_bytes(
                opening="",
                sections=(("Overview", "Old overview line."), ("Practice", "Gone section.")),
            )
        ),
        actor=reviewer,
    )
    services.report_draft_upload(
        lcspr=lcspr,
        upload=word_file(
            word_bytes(
                opening="",
                sections=(("Overview", "New overview line."), ("Learning", "A new section.")),
            )
        ),
        actor=reviewer,
    )
    sign_in(client, review["panel"])
    page = text(client.get(url("lcspr_report_compare", review) + "?from=1&to=2"))
    assert "<strong>Removed:</strong> Old overview line." in page
    assert "<strong>Added:</strong> New overview line." in page
    assert "Section added" in page
    assert "Section removed" in page
    assert "<strong>Removed:</strong> Gone section." in page


# --- Comments ----------------------------------------------------------------------------


def test_the_panel_comments_the_reviewer_is_told_and_resolves(
    client, review, django_capture_on_commit_callbacks
):
    lcspr, reviewer, panel = review["lcspr"], review["reviewer"], review["panel"]
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    section = draft.sections.order_by("order").first()
    sign_in(client, panel)
    page = text(client.get(url("lcspr_report_draft", review, pk=draft.pk)))
    form = {
        "once_token": token(page),
        "form": "comment",
        "comment-section": section.pk,
        "comment-body": "Say more about the health visits.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("lcspr_report_draft", review, pk=draft.pk), form, follow=True)
        client.post(url("lcspr_report_draft", review, pk=draft.pk), form)  # a double submit
    assert COMMENT_ADDED in text(response)
    comment = ReportComment.objects.for_partnership(lcspr.case.partnership).get()
    assert comment.section == section
    assert comment.author == panel
    # The Reviewer is emailed once: the case reference and the draft's number, nothing else.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reviewer.email]
    assert review["case"].reference in message.subject
    assert "draft 1" in message.subject
    assert "health visits" not in message.body
    assert section.heading not in message.body
    assert (
        services.report_comment_email_send(
            partnership_id=lcspr.case.partnership_id, comment_id=comment.pk
        )
        == 0
    )  # run twice: sent once
    assert len(mail.outbox) == 1
    # On the Reviewer's dashboard until it is resolved.
    scope = _scope(reviewer, lcspr.case.partnership)
    assert [item.text for item in report_comment_work(scope)] == [
        "1 unresolved comment on draft 1 of the report"
    ]
    # The Reviewer answers (nobody is emailed: it is the Reviewer) and resolves it.
    sign_in(client, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("lcspr_report_comment", review, pk=comment.pk),
            {"form": "reply", "body": "Added in the next draft."},
        )
    assert len(mail.outbox) == 1
    client.post(url("lcspr_report_comment", review, pk=comment.pk), {"form": "resolve"})
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    assert comment.resolved_by == reviewer
    assert comment.replies.get().body == "Added in the next draft."
    assert report_comment_work(scope) == []


def _scope(user, partnership):
    from cases.tenancy import Scope

    return Scope(user=user, membership=user.memberships.get(partnership=partnership))


# --- The minimum content (§9.1.2) --------------------------------------------------------


def test_the_checklist_lists_each_line_of_enquiry_and_what_is_missing(client, review):
    agree_terms(review, KLOES)
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    services.report_requirement_add(lcspr=lcspr, text="A summary for children", actor=reviewer)
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    points = report_checklist(lcspr)
    assert len(points) == MINIMUM_CONTENT_COUNT - 1 + len(KLOES) + 1
    sign_in(client, review["panel"])  # the Panel reads it, and cannot save it
    page = text(client.get(url("lcspr_report_checklist", review, pk=draft.pk)))
    for n, line in enumerate(KLOES, start=1):
        assert f"Analysis against key line of enquiry {n}: {line}".replace("'", "&#x27;") in page
    assert "A summary for children" in page
    assert f"{len(points)} points of the minimum content not located" in page
    assert client.post(url("lcspr_report_checklist", review, pk=draft.pk), {}).status_code == 403
    # The Reviewer says where each point is, but for the second line of enquiry.
    sign_in(client, reviewer)
    form = {"version": draft.version}
    for n, point in enumerate(points, start=1):
        if point.key != f"{KLOE_PREFIX}2":
            form[f"point_{n}"] = "Overview"
    assert client.post(url("lcspr_report_checklist", review, pk=draft.pk), form).status_code == 302
    draft.refresh_from_db()
    assert [p.key for p in draft_missing_points(draft)] == [f"{KLOE_PREFIX}2"]
    page = text(client.get(url("lcspr_report_checklist", review, pk=draft.pk)))
    assert "1 point of the minimum content not located" in page
    # A stale save is a conflict, never an overwrite.
    response = client.post(url("lcspr_report_checklist", review, pk=draft.pk), form)
    assert services.CHECKLIST_CONFLICT.split(":")[0] in text(response)
    draft.refresh_from_db()
    assert len(draft_missing_points(draft)) == 1


def test_who_acts_next_is_said(review):
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    assert report_next_step(lcspr).text == NOT_STARTED
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    assert "writing draft 1" in report_next_step(lcspr).text
    section = draft.sections.first()
    services.report_section_update(
        section=section, heading=section.heading, body="Text.", version=1, actor=reviewer
    )
    services.report_draft_finish(draft=draft, note="One", actor=reviewer)
    assert "minimum content" in report_next_step(lcspr).text


# --- Who may -----------------------------------------------------------------------------


def test_only_the_review_team_reaches_drafts(client, review, leicester, lr):
    lcspr, reviewer = review["lcspr"], review["reviewer"]
    draft = services.report_draft_upload(lcspr=lcspr, upload=word_file(), actor=reviewer)
    section = draft.sections.first()
    pages = [
        url("lcspr_report", review),
        url("lcspr_report_draft", review, pk=draft.pk),
        url("lcspr_report_checklist", review, pk=draft.pk),
        url("lcspr_report_draft_file", review, pk=draft.pk),
        url("lcspr_report_section", review, pk=section.pk),
        url("lcspr_report_compare", review),
    ]
    # Another partnership's office: not found.
    sign_in(client, staff_user(lr))
    assert {client.get(page).status_code for page in pages} == {404}
    # A Reviewer of the partnership not appointed to this review: not found.
    other = staff_user(leicester, role=Role.REVIEWER)
    appoint(open_case(leicester), other, Role.REVIEWER)
    sign_in(client, other)
    assert {client.get(page).status_code for page in pages} == {404}
    # A CRG member (not the review team): refused.
    sign_in(client, staff_user(leicester, role=Role.CRG_MEMBER))
    assert {client.get(page).status_code for page in pages} == {403}
    # Every view of the draft's text is logged under the case reference.
    sign_in(client, review["office"])
    client.get(url("lcspr_report_draft", review, pk=draft.pk))
    event = (
        AccessEvent.objects.for_partnership(review["case"].partnership)
        .filter(route="lcspr_report_draft")
        .latest("pk")
    )
    assert event.object_reference == review["case"].reference
    assert event.object_type == "report draft"


def test_a_panel_member_comments_but_does_not_write(client, review):
    lcspr, reviewer, panel = review["lcspr"], review["reviewer"], review["panel"]
    draft = services.report_draft_start(lcspr=lcspr, actor=reviewer)
    section = draft.sections.first()
    sign_in(client, panel)
    assert client.post(url("lcspr_report", review)).status_code == 403
    assert client.get(url("lcspr_report_upload", review)).status_code == 403
    response = client.post(
        url("lcspr_report_section", review, pk=section.pk),
        {"heading": "Mine", "body": "Mine", "version": 1},
    )
    assert response.status_code == 403
    response = client.post(
        url("lcspr_report_draft", review, pk=draft.pk),
        {"form": "finish", "finish-note": "Done"},
    )
    assert response.status_code == 403
    response = client.post(
        url("lcspr_report_draft", review, pk=draft.pk),
        {"form": "comment", "comment-section": "", "comment-body": "On the whole draft."},
    )
    assert response.status_code == 302
    comment = ReportComment.objects.for_partnership(lcspr.case.partnership).get()
    assert comment.section is None
    with pytest.raises(ApplicationError):
        services.report_section_add(draft=draft, heading="Mine", actor=panel)


def test_the_lcspr_page_lists_the_report_task_with_who_acts_next(client, review):
    sign_in(client, review["office"])
    page = text(client.get(url("lcspr_overview", review)))
    assert "Write the report (§9.1)" in page
    assert NOT_STARTED in page


def test_the_terms_own_requirements_are_added_and_removed(client, review):
    sign_in(client, review["reviewer"])
    page = text(client.get(url("lcspr_report_requirements", review)))
    form = {"form": "add", "once_token": token(page), "text": "A summary for children"}
    client.post(url("lcspr_report_requirements", review), form)
    client.post(url("lcspr_report_requirements", review), form)  # a double submit
    requirements = list(report_selectors.report_requirements(review["lcspr"]))
    assert [r.text for r in requirements] == ["A summary for children"]
    assert report_checklist(review["lcspr"])[-1].title == "A summary for children"
    sign_in(client, review["panel"])
    refused = client.post(
        url("lcspr_report_requirements", review),
        {"form": "remove", "requirement": requirements[0].pk},
    )
    assert refused.status_code == 403
    sign_in(client, review["office"])
    client.post(
        url("lcspr_report_requirements", review),
        {"form": "remove", "requirement": requirements[0].pk},
    )
    assert not report_selectors.report_requirements(review["lcspr"]).exists()


def test_a_comment_whose_email_job_was_lost_is_sent_by_the_sweep(review):
    """The job never ran (the broker was down): the mail sweep sends it, once."""
    lcspr = review["lcspr"]
    draft = services.report_draft_start(lcspr=lcspr, actor=review["reviewer"])
    services.report_comment_add(draft=draft, body="Lost email", actor=review["panel"])
    assert mail.outbox == []  # on commit: the test's transaction never commits
    later = timezone.now() + timedelta(minutes=1)
    partnership = lcspr.case.partnership
    assert services.unsent_report_comment_emails_send(partnership=partnership, before=later) == 1
    assert services.unsent_report_comment_emails_send(partnership=partnership, before=later) == 0
    assert [m.to for m in mail.outbox] == [[review["reviewer"].email]]
