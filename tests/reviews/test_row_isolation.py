"""The LCSPR's rows by id, generated from the URL configuration so that no route escapes.

Every route under `cases/<str:reference>/lcspr/` that takes a `pk` names one kind of row
of the review (ROW_KIND). Three full reviews are built through the real services: two in
Leicester (A and B) and one in Leicestershire & Rutland (C), each with a row of every
kind. Then, for every route:

- each role the policy lets in (tests/access_policy.py ROUTES and ROW_READERS), in the
  row's own partnership (appointed to the review if it is an appointed-only role), gets
  the route's honest answer (OWN_ANSWER) on its own case's row;
- the same person, with C's row (under A's reference or C's own), gets a 404 that shows
  neither C's reference nor C's content, and the other way round for C's office;
- the same person, with B's row under A's reference, gets a 404: a row of another case
  of the partnership never resolves under this case's address (each selector filters
  the row by the case's LCSPR);
- B's Reviewer (appointed and declared) gets a 404 on every route of A the role may use,
  and an appointed Reviewer of A who has not yet declared is sent to the declaration
  (cases/web.py scope_required) rather than shown the row (§1.5.8).
"""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import InformationRequest, RequestPurpose, Role, SubmissionKind
from rapidreview.models import CrgMeeting, MeetingKind
from reviews import services
from reviews.models import LearningAudience, MilestoneKind, ParallelKind, ParallelStatus
from reviews.models.themes import ThemeCode  # issue 14: chron
from reviews.services import report_drafts  # issue 15: drafts
from reviews.services.workshop import SessionTimes  # issue 14: workshop
from tests.access_policy import APPOINTED_ONLY, ROUTES, ROW_READERS, may, route_name
from tests.cases.test_portal import media  # noqa: F401 - issue 14: genogram uploads out of var/
from tests.factories import AgencyFactory, appoint, open_case, sign_in, staff_user
from tests.routes import POST_ONLY, routes, url_for

pytestmark = pytest.mark.django_db

LCSPR = "cases/<str:reference>/lcspr/"

# Which row of the review each LCSPR route by id names. A new route by id fails
# test_every_lcspr_route_by_id_names_a_kind_of_row until it is mapped here.
ROW_KIND = {
    "lcspr_appointment_end": "appointment",
    "lcspr_appointment_conflict": "conflict",  # issue 13: fix1
    "lcspr_issue_decision": "issue",
    "lcspr_parallel_process": "process",
    "lcspr_milestone": "milestone",
    "lcspr_milestone_cancel": "milestone",
    "lcspr_milestone_done": "milestone",
    "lcspr_panel_meeting": "meeting",
    "lcspr_agenda_item_add": "meeting",
    "lcspr_panel_action_add": "meeting",
    "lcspr_swift_learning_add": "meeting",
    "lcspr_panel_action_done": "action",
    "lcspr_swift_learning_sent": "swift",
    "lcspr_delay_edit": "delay",
    "lcspr_delay_meeting": "delay",
    "lcspr_delay_consideration": "delay",
    "lcspr_delay_resolve": "delay",
    "lcspr_delay_notice_pdf": "delay",
    "lcspr_delay_notice_send": "delay",
    "lcspr_notice_pdf": "notice",
    # issue 14: agency submissions
    "lcspr_submission": "submission",
    "lcspr_submission_letter": "submission",
    "lcspr_submission_template": "submission",
    "lcspr_submission_guidance": "submission",
    "lcspr_genogram_upload": "genogram_upload",  # issue 14: genogram
    "lcspr_key_theme": "theme",  # issue 14: chron
    # issue 14: family engagement
    "lcspr_family_member": "member",
    "lcspr_family_member_remove": "member",
    "lcspr_family_letter_pdf": "member",
    "lcspr_family_couple_remove": "couple",
    "lcspr_family_conversation": "conversation",
    # issue 14: a workshop invitee (withdraw, send again, invite again: confirmation pages)
    "lcspr_workshop_invitee_withdraw": "invitee",
    "lcspr_workshop_invitee_resend": "invitee",
    "lcspr_workshop_invitee_invite_again": "invitee",
    # issue 15: drafts. A Word draft (its page, checklist and original), a section, a comment.
    "lcspr_report_draft": "report_draft",
    "lcspr_report_checklist": "report_draft",
    "lcspr_report_draft_file": "report_draft",
    "lcspr_report_section": "report_section",
    "lcspr_report_comment": "report_comment",
    # issue 15: findings and recommendations (§9.2)
    "lcspr_finding": "finding",
    "lcspr_recommendation": "recommendation",
}

# The honest answer to an allowed person on the case's own row: a page (200), or for a
# POST-only route asked with an empty body, what it says to that. The forms re-show their
# page with the errors (200); sending the delay's notice, already sent, returns to the
# clock with that said (302): nothing is changed by any of them.
OWN_ANSWER = dict.fromkeys(ROW_KIND, 200) | {"lcspr_delay_notice_send": 302}

PANEL = "national-panel@notices.example"
SECRETARY = "secretary-of-state@notices.example"


def lcspr_pk_routes():
    """{route name: path} of every LCSPR route that takes a row's id."""
    return {
        route_name(path, entry): path
        for path, entry in routes()
        if path.startswith(LCSPR) and "pk" in entry.pattern.converters
    }


def test_every_lcspr_route_by_id_names_a_kind_of_row():
    names = set(lcspr_pk_routes())
    assert names, "no LCSPR route by id found: has the LCSPR prefix moved?"
    assert names == set(ROW_KIND), "map each new route to the row it names in ROW_KIND"
    # Each is in the access policy, with whose row it may name.
    assert names <= set(ROUTES)
    assert all(ROW_READERS.get(name) == "partnership" for name in names)


def full_review(partnership, marker):
    """An LCSPR with one row of every kind a route by id names, each row's text holding
    `marker` so that a page showing the row's content can be caught."""
    today = timezone.localdate()
    partnership.national_panel_email, partnership.secretary_of_state_email = PANEL, SECRETARY
    partnership.save()
    office = staff_user(partnership)
    case = open_case(partnership)
    lcspr = services.lcspr_open(
        case=case, decided_on=today, key_lines_of_enquiry=f"{marker} enquiry", actor=None
    )
    reviewer = staff_user(partnership, role=Role.REVIEWER)
    appoint(case, reviewer, Role.REVIEWER)
    panel_member = staff_user(partnership, role=Role.PANEL_MEMBER)
    appointment = appoint(case, panel_member, Role.PANEL_MEMBER, expertise=f"{marker} expert")
    # A Panel member who declared a conflict of interest, for the office to decide (§1.5.8).
    conflicted_member = staff_user(partnership, role=Role.PANEL_MEMBER)
    conflict = services.declaration_make(
        appointment=appoint(
            case, conflicted_member, Role.PANEL_MEMBER, expertise="Housing", declared=False
        ),
        actor=conflicted_member,
        has_conflict=True,
        conflict_details=f"{marker} conflict",
        confidentiality_agreed=True,
    )
    crg = CrgMeeting.unscoped.create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=today + timedelta(days=14)
    )
    issue = services.issue_refer(
        lcspr=lcspr, actor=office, issue=f"{marker} issue for the CRG", meeting=crg
    )
    process = services.parallel_process_add(
        lcspr=lcspr,
        actor=office,
        kind=ParallelKind.CRIMINAL,
        lead=f"{marker} Police",
        contact="Detective Sergeant",
        status=ParallelStatus.UNDER_WAY,
    )
    milestone = services.milestone_add(
        lcspr=lcspr,
        kind=MilestoneKind.LEARNING_EVENT,
        due_on=today + timedelta(days=30),
        actor=office,
        notes=f"{marker} workshop",
    )
    meeting = services.panel_meeting_schedule(
        lcspr=lcspr, held_on=today, actor=office, notes=f"{marker} meeting"
    )
    services.agenda_item_add(meeting=meeting, title=f"{marker} agenda item", actor=office)
    action = services.panel_action_add(
        meeting=meeting,
        description=f"{marker} action",
        owner=reviewer,
        due_on=today + timedelta(days=7),
        actor=office,
    )
    swift = services.swift_learning_record(
        meeting=meeting,
        message=f"{marker} swift learning",
        audience=LearningAudience.MULTI_AGENCY,
        agencies=[],
        could_affect_family_or_investigation=False,
        consideration="Nothing in it could affect the family or the investigation.",
        actor=office,
    )
    delay = services.delay_record(
        lcspr=lcspr,
        actor=office,
        arose_on=today,
        asked_by="Police Senior Investigating Officer",
        reason=f"{marker} delay reason",
        holds_up="Involving the parents in the review.",
        prevents_publication=True,
        revised_expected_on=today + timedelta(days=250),
    )
    services.delay_put_to_crg(delay=delay, actor=office, meeting=crg)
    notice = services.delay_notice_send(delay=delay, actor=office)
    # issue 14: an agency's submission (an LCSPR request), its note holding the marker.
    submission = InformationRequest.unscoped.create(
        case=case,
        agency=AgencyFactory(name=f"{marker} Agency", partnerships=[partnership]),
        purpose=RequestPurpose.LCSPR,
        submission_kind=SubmissionKind.CHRONOLOGY,
        reply_due_on=today + timedelta(days=28),
        letter_note=f"{marker} note",
        sent_at=timezone.now(),
        sent_by=office,
    )
    # issue 14: genogram: the lead agency's uploaded genogram (§7.2.1).
    genogram_upload = services.genogram_upload_add(
        lcspr=lcspr,
        actor=office,
        upload=SimpleUploadedFile("genogram.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
        agency=AgencyFactory(partnerships=[partnership]),
        note=f"{marker} genogram",
    )
    # issue 14: chron. A key theme, coded from the partnership's starting list.
    theme = services.key_theme_add(
        lcspr=lcspr,
        code=ThemeCode.unscoped.filter(partnership=partnership).first(),
        title=f"{marker} theme",
        description=f"{marker} theme described",
        actor=office,
    )
    # issue 14: family engagement
    member = services.network_member_add(
        lcspr=lcspr, actor=office, name=f"{marker} Parent", relationship="Mother"
    )
    partner = services.network_member_add(
        lcspr=lcspr, actor=office, name=f"{marker} Partner", relationship="Father"
    )
    couple = services.couple_add(
        lcspr=lcspr, actor=office, first=member, second=partner, kind="partners"
    )
    conversation = services.conversation_record(
        lcspr=lcspr,
        actor=office,
        held_on=today,
        members=[member],
        held_by_name="Family liaison officer",
        note=f"{marker} conversation note",
    )
    # issue 14: a workshop invitee, added by hand with the marker in their name.
    services.workshop_plan(
        lcspr=lcspr,
        version=0,
        is_held=True,
        not_held_reason="",
        place=f"{marker} hall",
        sessions=[
            SessionTimes(day=today + timedelta(days=40), starts=time(9, 30), ends=time(12, 30))
        ],
        share_themes=False,
        actor=office,
    )
    invitee = services.invitee_add(
        lcspr=lcspr,
        actor=office,
        name=f"{marker} Invitee",
        email=f"{marker.lower()}@invitee.example",
        invited_reason="The locum GP.",
    )
    # issue 15: drafts. A Word draft of the report, its heading and text holding the marker,
    # and a comment on it.
    report_draft = report_drafts.report_draft_upload(
        lcspr=lcspr, upload=_word_draft(marker), note=f"{marker} draft", actor=office
    )
    report_section = report_draft.sections.order_by("order").first()
    report_comment = report_drafts.report_comment_add(
        draft=report_draft, section=report_section, body=f"{marker} comment", actor=office
    )
    # issue 15: a finding answering the key theme, and a recommendation answering it.
    finding = services.finding_add(
        lcspr=lcspr,
        title=f"{marker} finding",
        text=f"{marker} finding text",
        themes=[theme],
        kloes=[],
        actor=office,
    )
    recommendation = services.recommendation_add(
        finding=finding,
        action=f"{marker} recommendation action",
        owner_agency=None,
        owner_group="",
        measure="",
        due_on=None,
        actor=office,
    )
    return {
        "marker": marker,
        "case": case,
        "office": office,
        "rows": {
            "appointment": appointment,
            "conflict": conflict,
            "issue": issue,
            "process": process,
            "milestone": milestone,
            "meeting": meeting,
            "action": action,
            "swift": swift,
            "delay": delay,
            "notice": notice,
            "submission": submission,
            "genogram_upload": genogram_upload,
            "theme": theme,  # issue 14: chron
            "member": member,  # issue 14: family engagement
            "couple": couple,
            "conversation": conversation,
            "invitee": invitee,  # issue 14: workshop
            "report_draft": report_draft,  # issue 15: drafts
            "report_section": report_section,
            "report_comment": report_comment,
            "finding": finding,  # issue 15: findings and recommendations
            "recommendation": recommendation,
        },
    }


def _word_draft(marker):
    """issue 15: drafts. A .docx whose heading and text hold the marker."""
    import io

    import docx

    document = docx.Document()
    document.add_heading(f"{marker} overview", level=1)
    document.add_paragraph(f"{marker} text of the report.")
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile("draft.docx", buffer.getvalue())


@pytest.fixture
def reviews(leicester, lr):
    """Two full reviews in Leicester (A, B) and one in Leicestershire & Rutland (C)."""
    made = {
        "A": full_review(leicester, "Kestrel"),
        "B": full_review(leicester, "Heron"),
        "C": full_review(lr, "Osprey"),
    }
    mail.outbox.clear()
    return made


def changes(reviews):
    """How many times each row of each review has been saved (its history)."""
    return {
        (key, kind): row.history.count()
        for key, review in reviews.items()
        for kind, row in review["rows"].items()
    }


def ask(client, name, path, reference, row):
    url = url_for(path, reference, row.pk)
    return client.post(url) if name in POST_ONLY else client.get(url)


def text(response):
    return response.content.decode(errors="replace")


def shows_case(response, reference):
    disposition = response.headers.get("Content-Disposition", "")
    return reference in (disposition or text(response))


def hides(response, review):
    """The answer holds neither the review's case reference nor any of its content."""
    body = text(response) + response.headers.get("Content-Disposition", "")
    return review["case"].reference not in body and review["marker"] not in body


def wrong_answers(client, user, own, others, same_partnership=None):
    """What `user`, of `own`'s partnership (and appointed to it if need be), is answered
    wrongly on every LCSPR route by id it may use: its own row, then `others`' (another
    partnership's) under either reference, then `same_partnership`'s under own's."""
    sign_in(client, user)
    role = user.memberships.get().role
    wrong = []
    for name, path in sorted(lcspr_pk_routes().items()):
        if not may(role, ROUTES[name]):
            continue
        kind = ROW_KIND[name]
        reference = own["case"].reference
        response = ask(client, name, path, reference, own["rows"][kind])
        if response.status_code != OWN_ANSWER[name] or (
            response.status_code == 200 and not shows_case(response, reference)
        ):
            wrong.append((role, name, "own row", response.status_code))
        tries = [
            ("other partnership's row, own reference", reference, others),
            ("other partnership's row and reference", others["case"].reference, others),
        ]
        if same_partnership is not None:
            tries.append(("another case's row, own reference", reference, same_partnership))
        for label, where, review in tries:
            response = ask(client, name, path, where, review["rows"][kind])
            if response.status_code != 404 or not hides(response, review):
                wrong.append((role, name, label, response.status_code))
    return wrong


# Split in three, so that the parts run in parallel: the roles of A's partnership in two
# halves, and the other partnership's Business Office.
STAFF_ROLES = [role for role in Role if role != Role.AGENCY_USER]
ROLE_PARTS = {
    "office-and-chairs": STAFF_ROLES[: len(STAFF_ROLES) // 2],
    "others": STAFF_ROLES[len(STAFF_ROLES) // 2 :],
    "other-partnership": [],
}


@pytest.mark.parametrize("part", ROLE_PARTS)
def test_each_row_is_reached_only_under_its_own_case(client, reviews, leicester, lr, part):
    """Every role the policy lets in, in each partnership, on every LCSPR route by id."""
    a, b, c = reviews["A"], reviews["B"], reviews["C"]
    before = changes(reviews)
    wrong = []
    for role in ROLE_PARTS[part]:
        user = staff_user(leicester, role=role)
        if role in APPOINTED_ONLY:
            appoint(a["case"], user, role)
        wrong += wrong_answers(client, user, a, c, same_partnership=b)
    if part == "other-partnership":
        wrong += wrong_answers(client, c["office"], c, a)
    assert wrong == [], "\n".join(map(str, wrong))
    # The empty POSTs, refused or answered with the form's errors, changed no row.
    assert changes(reviews) == before


def test_a_reviewer_of_another_review_finds_nothing_of_this_one(client, reviews, leicester):
    """B's Reviewer, appointed and declared, on every route of A: a 404 where the role may
    use the route, a 403 (the role, refused before any case is looked at) where it may
    not; neither shows anything of A."""
    a, b = reviews["A"], reviews["B"]
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(b["case"], reviewer, Role.REVIEWER)
    sign_in(client, reviewer)
    wrong = []
    for name, path in sorted(lcspr_pk_routes().items()):
        row = a["rows"][ROW_KIND[name]]
        expected = 404 if may(Role.REVIEWER, ROUTES[name]) else 403
        for where in (a, b):
            response = ask(client, name, path, where["case"].reference, row)
            if response.status_code != expected or not hides(response, a):
                wrong.append((name, where["marker"], response.status_code, expected))
    assert wrong == [], "\n".join(map(str, wrong))


def test_an_undeclared_reviewer_is_sent_to_declare_before_any_row(client, reviews, leicester):
    """§1.5.8: appointed to A but not yet declared: every route of A the role may use sends
    them to the declaration, and shows nothing of the row."""
    a = reviews["A"]
    reviewer = staff_user(leicester, role=Role.REVIEWER)
    appoint(a["case"], reviewer, Role.REVIEWER, declared=False)
    sign_in(client, reviewer)
    declaration = f"/cases/{a['case'].reference}/lcspr/declaration/"
    wrong = []
    for name, path in sorted(lcspr_pk_routes().items()):
        response = ask(client, name, path, a["case"].reference, a["rows"][ROW_KIND[name]])
        if may(Role.REVIEWER, ROUTES[name]):
            ok = response.status_code == 302 and response["Location"] == declaration
        else:
            ok = response.status_code == 403
        if not ok or a["marker"] in text(response):
            wrong.append((name, response.status_code, response.get("Location")))
    assert wrong == [], "\n".join(map(str, wrong))
