from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from cases.management.commands.seed_demo import HELD_RAPID_REVIEWS, PENDING_CASE
from cases.management.demo_history import HISTORY_NAME_PARTS, history_cases, history_plan
from cases.models import Agency, Case, Membership, Partnership, Role, User


def test_seed_demo_is_idempotent_and_makes_the_documented_users(demo):
    counts = (Agency.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Agency.objects.count(), User.objects.count(), Membership.objects.count()) == counts

    for username in [
        "leicester-office",
        "lr-office",
        "leicester-chair",
        "lr-chair",
        "police-crg",
        "leicester-la-crg",
        "lr-la-crg",
        "scrutineer",
        "llr-reporting",
        "police-portal",
        "school-portal",
    ]:
        assert User.objects.get(username=username).check_password("lcspr-demo-only")
    police = Agency.objects.get(name="Leicestershire Police")
    assert set(police.partnerships.values_list("slug", flat=True)) == {
        "leicester",
        "leicestershire-rutland",
    }
    assert Membership.objects.get(user__username="police-portal").agency == police
    # Each partnership's admin, staff so as to reach its scoped /admin/.
    for username, slug in (
        ("leicester-admin", "leicester"),
        ("lr-admin", "leicestershire-rutland"),
    ):
        admin = User.objects.get(username=username)
        assert admin.is_staff
        assert not admin.is_superuser
        assert Membership.objects.get(user=admin).partnership.slug == slug
    # issue 17: the joint executive's reporting account sees both partnerships' figures.
    joint = Membership.objects.get(user__username="llr-reporting")
    assert (joint.role, joint.partnership.slug) == (Role.JOINT_REPORTING, "leicester")
    assert list(joint.reports_on.values_list("slug", flat=True)) == ["leicestershire-rutland"]
    for partnership in Partnership.objects.all():
        # issue 16: Leicester's second review at publication (PENDING_CASE).
        pending = 1 if partnership.slug == PENDING_CASE[0] else 0
        # issue 17: the history's cases (tests/cases/test_seed_demo_history.py).
        history = len(history_plan(partnership, timezone.localdate()))
        assert history_cases(partnership).count() == history
        assert (
            Case.objects.for_partnership(partnership).count()
            == 6 + len(HELD_RAPID_REVIEWS) + pending + history
        )
        # issue 13: clock. Where the notice of an LCSPR's delay goes (§3.1.3).
        assert partnership.national_panel_email
        assert partnership.secretary_of_state_email


def test_demo_has_requests_in_both_partnerships_some_answered(demo):
    from cases.models import InformationRequest, RequestStatus

    for partnership in Partnership.objects.all():
        requests = InformationRequest.objects.for_partnership(partnership)
        assert requests.count() >= 3
        assert requests.filter(status=RequestStatus.SUBMITTED).exists()
        assert requests.filter(status=RequestStatus.NOT_STARTED).exists()
    police = Membership.objects.get(user__username="police-portal")
    from cases.tenancy import Scope

    seen = InformationRequest.objects.visible_to(
        Scope(user=police.user, membership=police)
    ).values_list("case__partnership__slug", flat=True)
    assert set(seen) == {"leicester", "leicestershire-rutland"}


def test_no_seeded_child_name_reaches_a_log_an_email_or_a_url(partnerships, caplog, client):
    """The demo's invented names are in the restricted file only (DESIGN.md, brief)."""
    import logging

    from django.core import mail

    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES, DEMO_FAMILY_NAMES
    from cases.models import AccessEvent
    from tests.factories import sign_in

    caplog.set_level(logging.DEBUG)
    call_command("seed_demo", stdout=StringIO())
    office = User.objects.get(username="leicester-office")
    sign_in(client, office)
    cases = Case.objects.for_partnership(Partnership.objects.get(slug="leicester"))
    for case in cases:
        for page in ("", "restricted/", "requests/", "combined-summary/"):
            assert client.get(f"{case.get_absolute_url()}{page}").status_code == 200
    names = [name for pair in DEMO_CHILD_NAMES for name in pair if name]
    # The names are really there: the demo's own (its newest case), and the history's
    # (issue 17: its oldest).
    restricted = client.get(f"{cases.first().get_absolute_url()}restricted/").content.decode()
    assert any(name in restricted for name in names)
    restricted = client.get(f"{cases.last().get_absolute_url()}restricted/").content.decode()
    assert any(part in restricted for part in HISTORY_NAME_PARTS)
    logged = caplog.text + "".join(m.subject + m.body for m in mail.outbox)
    logged += " ".join(e.object_reference + e.route + e.purpose for e in AccessEvent.unscoped.all())
    for name in names + DEMO_FAMILY_NAMES:
        assert name not in logged
        for part in name.split():
            assert part not in logged
    for part in HISTORY_NAME_PARTS:
        assert part not in logged


def test_demo_has_rapid_reviews_at_each_point_in_both_partnerships(demo):
    """A future meeting not yet decided; signed-off decisions to proceed (the LCSPR and
    its six months running) and not to proceed (with its dissemination), their reports
    sent; and one report sent after the 15 working days (§3.1.2, §4.4-4.8)."""
    partnerships = demo  # the demo's rows, as seed_demo left them
    from django.utils import timezone

    from cases.models import Deadline, DeadlineStatus, Stage
    from rapidreview.models import Decision, OutcomeNotice, RapidReview
    from reviews.models import Lcspr

    counts = RapidReview.unscoped.count(), Deadline.unscoped.count(), Case.unscoped.count()
    call_command("seed_demo", stdout=StringIO())
    assert (RapidReview.unscoped.count(), Deadline.unscoped.count(), Case.unscoped.count()) == (
        counts
    )

    today = timezone.localdate()
    for partnership in partnerships.values():
        # The demo's own reviews: the history's are tests/cases/test_seed_demo_history.py's.
        reviews = RapidReview.objects.for_partnership(partnership).exclude(
            case__in=history_cases(partnership)
        )
        ahead = reviews.filter(meeting__held_on__gt=today, decision="")
        assert ahead.filter(case__stage=Stage.RAPID_REVIEW).exists()

        signed = reviews.filter(signed_off_at__isnull=False, report_sent_on__isnull=False)
        proceed = signed.filter(decision=Decision.PROCEED)
        not_proceed = signed.filter(decision=Decision.NOT_PROCEED).exclude(dissemination="")
        assert proceed.count() == 2
        assert not_proceed.count() == 1
        assert set(proceed.values_list("case__stage", flat=True)) == {Stage.LCSPR}
        assert not_proceed.get().case.stage == Stage.CLOSED
        assert not signed.filter(decision_notified_on__isnull=True).exists()
        assert OutcomeNotice.objects.for_partnership(partnership).filter(
            review__in=signed
        ).count() >= 3 * len(signed)

        deadlines = Deadline.objects.for_partnership(partnership).filter(
            case__rapid_review__in=signed
        )
        complete = deadlines.filter(kind="rapid_review_complete")
        assert complete.filter(status=DeadlineStatus.MET).count() == 2
        assert complete.filter(status=DeadlineStatus.MISSED).count() == 1
        missed = complete.get(status=DeadlineStatus.MISSED)
        assert missed.completed_on > missed.due_date
        running = deadlines.filter(kind="lcspr_complete", status=DeadlineStatus.OPEN)
        assert running.count() == 2
        assert all(d.due_date > today for d in running)
        assert (
            Lcspr.objects.for_partnership(partnership)
            .filter(case__rapid_review__in=proceed)
            .count()
            == 2
        )
        # The meeting was held in its window and the duty recorded as met.
        meeting_latest = deadlines.filter(kind="rapid_review_meeting_latest")
        assert set(meeting_latest.values_list("status", flat=True)) == {DeadlineStatus.MET}


def test_the_demo_rapid_reviews_show_in_their_pages_and_the_api(demo, client):
    partnerships = demo  # the demo's rows, as seed_demo left them
    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES
    from rapidreview.models import RapidReview
    from tests.factories import sign_in

    leicester = partnerships["leicester"]
    sign_in(client, User.objects.get(username="leicester-office"))
    for review in RapidReview.objects.for_partnership(leicester).select_related("case"):
        for page in ("", "papers/", "record/", "decision/", "sign-off/", "after/"):
            url = f"{review.case.get_absolute_url()}rapid-review/{page}"
            assert client.get(url).status_code == 200, url
    listed = client.get("/api/v1/rapid-reviews/", HTTP_ACCEPT="application/json")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["case_reference"] for row in rows} >= set(
        RapidReview.objects.for_partnership(leicester).values_list("case__reference", flat=True)
    )
    assert {(row["decision"], row["signed_off"]) for row in rows} >= {
        ("proceed", True),
        ("not_proceed", True),
        (None, False),
    }
    for name in (name for pair in DEMO_CHILD_NAMES for name in pair if name):
        assert name not in listed.text


def test_demo_has_lcsprs_at_each_point_in_both_partnerships(demo):
    """Issue 13, Demo: in each partnership an LCSPR just decided (no basis, no team: the
    task list says what is missing), one with agreed terms of reference and a full team
    with a panel meeting held, and one delayed with the CRG's consideration and the
    notice sent (§3.1.3, §5, §6, §5.8)."""
    partnerships = demo  # the demo's rows, as seed_demo left them
    from django.utils import timezone

    from cases.models import Stage
    from reviews import models as review_models
    from reviews.models import (
        Appointment,
        Delay,
        DelayNotice,
        FamilyCoordinator,
        Lcspr,
        MilestoneKind,
        PanelAction,
        ParallelKind,
        PoliceLiaison,
    )
    from reviews.rules import six_month_date
    from reviews.selectors.setup import team
    from reviews.selectors.terms import terms_state

    tables = [
        Appointment,
        review_models.TermsVersion,
        review_models.TermsAgreement,
        review_models.Milestone,
        review_models.PanelMeeting,
        PanelAction,
        Delay,
        DelayNotice,
        review_models.ParallelProcess,
    ]
    counts = [model.unscoped.count() for model in tables]
    call_command("seed_demo", stdout=StringIO())
    assert [model.unscoped.count() for model in tables] == counts

    today = timezone.localdate()
    for partnership in partnerships.values():
        running = list(Lcspr.objects.for_partnership(partnership).filter(case__stage=Stage.LCSPR))
        just_decided = [
            lcspr for lcspr in running if not lcspr.basis and not lcspr.appointments.exists()
        ]
        assert len(just_decided) == 1
        assert today - timedelta(weeks=6) <= just_decided[0].decided_on < today
        assert team(just_decided[0]).problems  # no Reviewer, no Panel: said so

        agreed = [lcspr for lcspr in running if terms_state(lcspr).in_force is not None]
        assert len(agreed) == 1
        lcspr = agreed[0]
        terms = terms_state(lcspr).in_force
        assert terms.scoping_start
        assert terms.scoping_end
        assert len(terms.key_lines_of_enquiry) >= 2
        assert terms.methodology
        assert terms_state(lcspr).agreed.meeting.held_on < today
        the_team = team(lcspr)
        assert the_team.has_reviewer
        assert the_team.partners_missing == []
        assert the_team.problems == []
        assert the_team.undeclared == []
        assert lcspr.parallel_processes.filter(kind=ParallelKind.CRIMINAL).exists()
        assert FamilyCoordinator.objects.for_partnership(partnership).filter(lcspr=lcspr).exists()
        assert PoliceLiaison.objects.for_partnership(partnership).filter(lcspr=lcspr).exists()
        held = lcspr.panel_meetings.filter(minutes_recorded_at__isnull=False).get()
        assert held.milestone.due_on < today
        assert all(item.answer for item in held.agenda.all() if item.standing)
        action = held.actions.get()
        assert action.owner_id
        assert action.due_on >= today
        ahead = lcspr.milestones.filter(due_on__gt=today, cancelled_on=None)
        assert ahead.filter(kind=MilestoneKind.LEARNING_EVENT).exists()
        assert six_month_date(lcspr) > today

        notice = DelayNotice.objects.for_partnership(partnership).get()
        delay = notice.delay
        assert delay.lcspr in running
        assert delay.lcspr not in (lcspr, just_decided[0])
        assert delay.is_considered
        assert delay.crg_meeting.held_on <= today
        assert notice.revised_expected_on > notice.statutory_date > today
        partnership.refresh_from_db()  # the seed set its addresses for the notice
        assert set(notice.recipients) == {
            partnership.national_panel_email,
            partnership.secretary_of_state_email,
        }


def test_the_demo_reviewer_and_lr_panel_member_each_see_their_one_review(demo):
    partnerships = demo  # the demo's rows, as seed_demo left them
    from cases.tenancy import Scope
    from reviews.models import AppointmentRole

    call_command("seed_demo", stdout=StringIO())
    for username, slug, role in (
        ("reviewer", "leicester", AppointmentRole.REVIEWER),
        ("lr-panel", "leicestershire-rutland", AppointmentRole.PANEL_MEMBER),
    ):
        membership = Membership.objects.get(user__username=username)
        [case] = Case.objects.visible_to(Scope(user=membership.user, membership=membership))
        assert case.partnership == partnerships[slug]
        appointment = case.lcspr.appointments.get(user=membership.user)
        assert appointment.role == role
        assert appointment.declared_at is not None
        if role == AppointmentRole.PANEL_MEMBER:
            assert appointment.agency.name == "Leicestershire County Council"
        else:
            assert appointment.is_external
        assert User.objects.get(username=username).check_password("lcspr-demo-only")


def test_demo_lcspr_has_its_evidence_and_the_lr_family_declined(demo, caplog):
    """Issue 14, Demo: the Leicester review furthest on has its family network with both
    genograms, three agency submissions at three points (one chronology imported from a
    spreadsheet, one returned for more information, one factual summary), key themes with
    an entry tagged and a workshop ahead; in Leicestershire & Rutland the family declined,
    with the reason (§7, §8)."""
    partnerships = demo  # the demo's rows, as seed_demo left them
    import logging

    from django.utils import timezone

    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES, DEMO_FAMILY_NAMES
    from cases.models import (
        ChronologyEntry,
        ImportStatus,
        InformationRequest,
        RequestPurpose,
        RequestStatus,
        SubmissionKind,
    )
    from reviews import models as review_models
    from reviews.models import (
        GenogramUpload,
        KeyTheme,
        NetworkMember,
        NonParticipationReason,
        Participation,
        QaOutcome,
        WorkshopSession,
    )
    from reviews.selectors.genogram import anonymised_genogram_svg, named_genogram
    from reviews.selectors.terms import terms_state

    caplog.set_level(logging.DEBUG)
    tables = [
        NetworkMember,
        review_models.NetworkPartnership,
        review_models.FamilyConversation,
        review_models.InitialContact,
        GenogramUpload,
        InformationRequest,
        ChronologyEntry,
        review_models.SubmissionReview,
        review_models.NamedPractitioner,
        review_models.SafeguardingLead,
        KeyTheme,
        review_models.Workshop,
        WorkshopSession,
        review_models.WorkshopInvitee,
    ]
    counts = [model.unscoped.count() for model in tables]
    call_command("seed_demo", stdout=StringIO())
    assert [model.unscoped.count() for model in tables] == counts

    def furthest(slug):
        from cases.models import Stage
        from reviews.models import Lcspr

        [lcspr] = [
            lcspr
            for lcspr in Lcspr.objects.for_partnership(partnerships[slug]).filter(
                case__stage=Stage.LCSPR
            )
            if terms_state(lcspr).in_force is not None
        ]
        return lcspr

    today = timezone.localdate()
    lcspr = furthest("leicester")
    network = NetworkMember.objects.for_partnership(partnerships["leicester"]).filter(lcspr=lcspr)
    assert network.count() >= 5
    assert network.filter(child__isnull=False, is_subject_child=True).exists()
    assert network.filter(family_member__isnull=False).count() == 2
    assert network.filter(is_deceased=True).exists()
    assert lcspr.couples.count() == 2
    assert network.filter(initial_contact__isnull=False).count() == 1
    assert lcspr.family_conversations.filter(held_by__username="reviewer").exists()
    not_taking_part = network.get(participation=Participation.NOT_TAKING_PART)
    assert not_taking_part.non_participation_reason
    assert not_taking_part.non_participation_detail
    # Both genograms: the drawn one, anonymised, and the agency's upload.
    svg = anonymised_genogram_svg(lcspr)
    assert "<svg" in svg
    assert "Mother" in svg
    for name in DEMO_FAMILY_NAMES + [n for pair in DEMO_CHILD_NAMES for n in pair if n]:
        assert name not in svg
    assert named_genogram(lcspr).svg
    upload = GenogramUpload.objects.for_partnership(partnerships["leicester"]).get(lcspr=lcspr)
    assert upload.content_type == "image/png"
    assert upload.file.read(8) == b"\x89PNG\r\n\x1a\n"

    asked = InformationRequest.objects.for_partnership(partnerships["leicester"]).filter(
        case=lcspr.case, purpose=RequestPurpose.LCSPR
    )
    assert {(r.submission_kind, r.status) for r in asked} == {
        (SubmissionKind.CHRONOLOGY, RequestStatus.SUBMITTED),
        (SubmissionKind.INFORMATION_REPORT, RequestStatus.RETURNED),
        (SubmissionKind.FACTUAL_SUMMARY, RequestStatus.SUBMITTED),
    }
    chronology = asked.get(submission_kind=SubmissionKind.CHRONOLOGY)
    assert chronology.submitted_by.username == "police-portal"
    # Every entry came from the spreadsheet the police imported.
    imported = chronology.chronology_imports.get(status=ImportStatus.IMPORTED)
    entries = ChronologyEntry.objects.for_partnership(partnerships["leicester"]).filter(
        request=chronology
    )
    assert entries.count() == imported.imported_count >= 3
    returned = asked.get(submission_kind=SubmissionKind.INFORMATION_REPORT)
    review = returned.submission_reviews.get()
    assert review.outcome == QaOutcome.MORE_INFORMATION
    assert review.respond_by > today
    assert returned.is_entered_on_behalf

    themes = KeyTheme.objects.for_partnership(partnerships["leicester"]).filter(lcspr=lcspr)
    assert themes.count() == 2
    assert {t.code.code for t in themes} == {"neglect", "information-sharing"}
    assert sum(t.entries.count() for t in themes) == 1

    session = WorkshopSession.objects.for_partnership(partnerships["leicester"]).get(
        workshop__lcspr=lcspr
    )
    from cases.selectors import working_calendar

    fifteen = working_calendar(partnership=partnerships["leicester"]).add(today, 15)
    assert timezone.localdate(session.starts_at) >= fifteen
    invitees = session.workshop.invitees.all()
    assert invitees.count() == 3
    assert all(i.practitioner_id and i.direct_involvement for i in invitees)

    lr = furthest("leicestershire-rutland")
    family = NetworkMember.objects.for_partnership(partnerships["leicestershire-rutland"]).filter(
        lcspr=lr
    )
    adults = family.filter(family_member__isnull=False)
    assert adults.count() == 2
    assert not family.exclude(participation=Participation.NOT_TAKING_PART).exists()
    for member in adults:
        assert member.non_participation_reason == NonParticipationReason.THEIR_CHOICE
        assert member.non_participation_detail

    for name in DEMO_FAMILY_NAMES:
        for part in name.split():
            assert part not in caplog.text


def test_demo_report_leicester_at_partnership_approval_and_lr_uploaded_from_word(demo, caplog):
    """Issue 15, Demo: Leicester's review furthest on has three drafts written in the
    product, the second holding two anonymisation hits (the half-brother's first name and
    the school's name, §9.1.3), the third clean with its checklist filled, passed by the
    Panel's QA, approved by the CRG and signed off by the chair, awaiting the partnership's
    approval (§9.1.4-9.1.5); Leicestershire & Rutland's has one draft uploaded from Word
    with points of the minimum content missing (§9.1.2). A second run changes nothing."""
    import logging

    from django.utils import timezone

    from cases.management.commands.seed_demo import (
        DEMO_CHILD_NAMES,
        DEMO_FAMILY_NAMES,
        REPORT_SCHOOL,
        REPORT_SIBLING_FIRST_NAME,
    )
    from cases.models import Stage
    from reviews import models as review_models
    from reviews.models import (
        AnonymisationHit,
        DraftSource,
        HitKind,
        Lcspr,
        RecommendationStatus,
        ReportCrgOutcome,
        ReportDraft,
        SafeguardingPartner,
    )
    from reviews.report_status import ReportStatus
    from reviews.selectors.report import draft_missing_points
    from reviews.selectors.report_approval import approval_state
    from reviews.selectors.terms import terms_state

    partnerships = demo
    caplog.set_level(logging.DEBUG)
    tables = [
        ReportDraft,
        review_models.ReportSection,
        review_models.ReportComment,
        AnonymisationHit,
        review_models.Finding,
        review_models.Recommendation,
        review_models.ReportQa,
        review_models.ReportCrgApproval,
        review_models.ReportPartnerApproval,
    ]
    counts = [model.unscoped.count() for model in tables]
    call_command("seed_demo", stdout=StringIO())
    assert [model.unscoped.count() for model in tables] == counts

    def furthest(slug):
        [lcspr] = [
            lcspr
            for lcspr in Lcspr.objects.for_partnership(partnerships[slug]).filter(
                case__stage=Stage.LCSPR
            )
            if terms_state(lcspr).in_force is not None
        ]
        return lcspr

    leicester = partnerships["leicester"]
    lcspr = furthest("leicester")
    drafts = list(
        ReportDraft.objects.for_partnership(leicester).filter(lcspr=lcspr).order_by("number")
    )
    assert [(d.number, d.source, d.is_finished) for d in drafts] == [
        (1, DraftSource.WRITTEN, True),
        (2, DraftSource.WRITTEN, True),
        (3, DraftSource.WRITTEN, True),
    ]
    hits = AnonymisationHit.objects.for_partnership(leicester)
    second = {h.found: h for h in hits.filter(draft=drafts[1])}
    # The school's whole name as the draft has it, and the half-brother's first name: a
    # surviving child of the family network, reported as a child's or family member's name.
    assert set(second) == {REPORT_SIBLING_FIRST_NAME, REPORT_SCHOOL.rstrip(")")}
    assert second[REPORT_SCHOOL.rstrip(")")].kind == HitKind.SCHOOL
    assert second[REPORT_SIBLING_FIRST_NAME].kind in {HitKind.CHILD_NAME, HitKind.FAMILY_NAME}
    assert all(h.is_open for h in second.values())
    assert not hits.filter(draft__in=[drafts[0], drafts[2]]).exists()
    assert draft_missing_points(drafts[2]) == []
    comments = review_models.ReportComment.objects.for_partnership(leicester).filter(
        draft__lcspr=lcspr
    )
    assert comments.count() == 2
    assert comments.filter(resolved_at__isnull=False).count() == 1

    state = approval_state(lcspr)
    assert state.status == ReportStatus.PARTNERSHIP_APPROVAL
    assert state.draft == drafts[2]
    assert state.qa_passed is not None
    [crg] = state.crg
    assert crg.outcome == ReportCrgOutcome.APPROVED
    assert crg.chair_signed_by.username == "leicester-chair"
    assert crg.meeting.held_on < timezone.localdate()
    assert set(state.partners) == {SafeguardingPartner.POLICE}

    findings = review_models.Finding.objects.for_partnership(leicester).filter(lcspr=lcspr)
    assert findings.count() == 2
    recommendations = review_models.Recommendation.objects.for_partnership(leicester).filter(
        lcspr=lcspr
    )
    assert sorted(r.status for r in recommendations) == sorted(
        [RecommendationStatus.AGREED, RecommendationStatus.DRAFT]
    )

    lr = furthest("leicestershire-rutland")
    [word] = ReportDraft.objects.for_partnership(partnerships["leicestershire-rutland"]).filter(
        lcspr=lr
    )
    assert word.source == DraftSource.WORD
    assert word.file.read(2) == b"PK"
    assert "Child A" in word.text
    assert len(draft_missing_points(word)) >= 5
    assert approval_state(lr).status == ReportStatus.QA

    for name in DEMO_FAMILY_NAMES + [n for pair in DEMO_CHILD_NAMES for n in pair if n]:
        for part in name.split():
            assert part not in caplog.text


def test_demo_reviews_at_publication_have_final_reports_with_three_agreed_recommendations(
    demo, caplog
):
    """Issue 16, Demo: each partnership's review at publication has its report final, with
    its Reviewer's name on it, approved by the CRG (the chair signing) and all three
    Safeguarding Partners (§9.1.5); three agreed SMART recommendations owned by three
    agencies, one due already (§9.2.2). Leicester has a second (PENDING_CASE), with its
    own Reviewer. A second run changes nothing. (Their publication: the test below.)"""
    import logging

    from django.utils import timezone

    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES, Command
    from reviews import models as review_models
    from reviews.models import Recommendation, ReportFinal

    partnerships = demo
    caplog.set_level(logging.DEBUG)
    tables = [
        ReportFinal,
        Recommendation,
        review_models.Finding,
        review_models.KeyTheme,
        review_models.ReportDraft,
        review_models.Appointment,
        review_models.ReportPartnerApproval,
    ]
    counts = [model.unscoped.count() for model in tables]
    call_command("seed_demo", stdout=StringIO())
    assert [model.unscoped.count() for model in tables] == counts

    today = timezone.localdate()
    child_names = [name for pair in DEMO_CHILD_NAMES for name in pair if name]
    for slug, partnership in partnerships.items():
        lcsprs = Command()._publication_ready_lcsprs(partnership)
        assert len(lcsprs) == (2 if slug == PENDING_CASE[0] else 1)
        for index, lcspr in enumerate(lcsprs):
            _final_with_recommendations(lcspr, slug, index, today)

    for name in child_names:
        for part in name.split():
            assert part not in caplog.text


def _final_with_recommendations(lcspr, slug, index, today):
    import io

    import pypdf

    from cases.management.commands.seed_demo import (
        CHAIR_USER,
        PENDING_REVIEWER_USER,
        PUBLISHED_REVIEWER_USER,
    )
    from cases.models import Child, Stage
    from reviews.models import (
        Recommendation,
        RecommendationStatus,
        ReportCrgOutcome,
        ReportFinal,
        SafeguardingPartner,
    )
    from reviews.report_status import ReportStatus
    from reviews.selectors.report_approval import approval_state, report_is_final

    partnership = lcspr.case.partnership
    assert lcspr.case.stage == Stage.PUBLICATION
    assert report_is_final(lcspr)
    state = approval_state(lcspr)
    assert state.status == ReportStatus.FINAL
    assert set(state.partners) == set(SafeguardingPartner.values)
    [crg] = state.crg
    assert crg.outcome == ReportCrgOutcome.APPROVED
    assert crg.chair_signed_by.username == CHAIR_USER[slug]
    assert crg.meeting.held_on < today

    final = ReportFinal.objects.for_partnership(partnership).get(lcspr=lcspr)
    username = PUBLISHED_REVIEWER_USER[slug] if index == 0 else PENDING_REVIEWER_USER
    reviewer = User.objects.get(username=username).get_full_name()
    assert final.reviewer_name == reviewer
    with final.file.open("rb") as stored:
        reader = pypdf.PdfReader(io.BytesIO(stored.read()))
    shown = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Child A" in shown
    assert reviewer in shown
    for name in (
        Child.objects.for_partnership(partnership)
        .filter(case=lcspr.case)
        .values_list("name", flat=True)
    ):
        assert not any(part in shown for part in name.split())

    recommendations = list(Recommendation.objects.for_partnership(partnership).filter(lcspr=lcspr))
    assert [r.status for r in recommendations] == [RecommendationStatus.AGREED] * 3
    assert len({r.owner_agency_id for r in recommendations}) == 3
    assert all(r.measure for r in recommendations)
    dues = sorted(r.due_on for r in recommendations)
    assert dues[0] < today < dues[1]  # one due already: its action can be overdue


def test_demo_publication_action_plans_and_learning_stories(demo, client, caplog):
    """Issue 16, Demo: Leicester's review published (the report, more than seven working
    days after its pack, the NSPCC submission recorded), its public page listing it with
    both files downloadable by anyone; its action plan part-complete, one action overdue
    and one closed on the Police portal user's evidence, with an audit; L&R's published as
    improvements only, its report never served; a national review's learning with its
    plan and a §12.3 request; and Leicester's pending publication, its planned date the
    earliest allowed, an earlier one refused (§10.5.1). The pack's mailboxes are the
    demo's reserved domain. A second run changes nothing."""
    import hashlib
    import logging

    from django.utils import timezone

    from cases.management.commands.seed_demo import DEMO_CHILD_NAMES, Command
    from cases.models import Deadline, DeadlineStatus
    from cases.selectors import working_calendar
    from publication import models as pub
    from publication.rules.plan import earliest_publication_date, planned_date_allowed
    from publication.selectors.plan import earliest_allowed, latest_notice, publication_of
    from tests.factories import sign_in

    partnerships = demo
    caplog.set_level(logging.DEBUG)
    tables = [
        pub.Publication,
        pub.PanelNotice,
        pub.PlanAction,
        pub.ActionUpdate,
        pub.ActionEvidence,
        pub.ProgressAudit,
        pub.Briefing,
        pub.NationalReview,
        pub.NationalReviewRequest,
        pub.NationalReviewSupport,
    ]
    counts = [model.unscoped.count() for model in tables]
    call_command("seed_demo", stdout=StringIO())
    assert [model.unscoped.count() for model in tables] == counts

    today = timezone.localdate()
    leicester, lr = partnerships["leicester"], partnerships["leicestershire-rutland"]
    for partnership in (leicester, lr):
        for field in ("national_panel_email", "ofsted_email", "dfe_email", "nspcc_email"):
            assert getattr(partnership, field).endswith(".example")

    # Leicester: published, the pack sent more than seven working days before.
    first, pending_lcspr = Command()._publication_ready_lcsprs(leicester)
    published = publication_of(first)
    assert published.choice == pub.PublishChoice.REPORT
    assert published.published_on <= today
    notice = latest_notice(published)
    assert notice.kind == pub.PackKind.REPORT
    assert published.published_on > earliest_allowed(published)
    assert ".example/" in published.url
    assert first.case.reference not in published.url
    assert published.nspcc_choice == pub.NspccChoice.SUBMIT
    assert published.nspcc_submitted_on is not None
    deadlines = Deadline.objects.for_partnership(leicester).filter(case=first.case)
    assert deadlines.get(kind="lcspr_complete").status != DeadlineStatus.OPEN
    assert deadlines.filter(kind="publication_available_until").exists()

    # Its public page, as anyone sees it: both published files, exactly as published.
    page = client.get("/published/leicester/").content.decode()
    assert first.case.reference not in page
    for kind, sha in (
        ("report", first.report_final.sha256),
        ("action-plan", published.action_plan_sha256),
    ):
        url = f"/published/leicester/{published.public_id}/{kind}.pdf"
        assert url in page
        response = client.get(url)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == sha
    assert f"/published/leicester/{publication_of(pending_lcspr).public_id}/" not in page

    # Its action plan: each recommendation accepted; one action overdue, one closed on
    # the Police portal user's evidence; an audit with a RAG rating for each open action.
    plan = pub.ActionPlan.objects.for_partnership(leicester).get(case=first.case)
    recommendations = pub.PlanRecommendation.objects.for_partnership(leicester).filter(plan=plan)
    assert {r.response for r in recommendations} == {pub.Response.ACCEPTED}
    actions = pub.PlanAction.objects.for_partnership(leicester).filter(plan=plan)
    open_actions = actions.filter(status=pub.ActionStatus.OPEN)
    assert open_actions.filter(due_on__lt=today).count() == 1
    [closed] = actions.filter(status=pub.ActionStatus.CLOSED)
    [update] = pub.ActionUpdate.objects.for_partnership(leicester).filter(action=closed)
    assert update.written_by.username == "police-portal"
    assert not update.on_behalf
    assert update.progress
    assert update.impact
    [evidence] = pub.ActionEvidence.objects.for_partnership(leicester).filter(action=closed)
    assert evidence.update == update
    assert evidence.size > 0
    [audit] = pub.ProgressAudit.objects.for_partnership(leicester).filter(plan=plan)
    assert audit.ratings.count() == open_actions.count()
    briefings = pub.Briefing.objects.for_partnership(leicester)
    delivered = briefings.get(kind=pub.BriefingKind.SEVEN_MINUTE)
    assert delivered.delivered_on
    assert delivered.reach
    assert briefings.get(kind=pub.BriefingKind.MULTI_AGENCY).planned_on > today

    # The Police portal user sees the closed action and the overdue one as their own.
    sign_in(client, User.objects.get(username="police-portal"))
    portal = client.get("/portal/actions/")
    assert portal.status_code == 200
    for action in (closed, open_actions.get(due_on__lt=today)):
        assert f"/portal/actions/{action.pk}/" in portal.content.decode()
    client.logout()

    # L&R: withheld, the improvements only published with the action plan.
    [withheld_lcspr] = Command()._publication_ready_lcsprs(lr)
    withheld = publication_of(withheld_lcspr)
    assert withheld.choice == pub.PublishChoice.IMPROVEMENTS_ONLY
    assert withheld.choice_reason
    assert latest_notice(withheld).kind == pub.PackKind.IMPROVEMENTS
    assert withheld.published_on <= today
    page = client.get("/published/leicestershire-rutland/").content.decode()
    base = f"/published/leicestershire-rutland/{withheld.public_id}"
    assert f"{base}/improvements.pdf" in page
    assert f"{base}/action-plan.pdf" in page
    assert f"{base}/report.pdf" not in page
    assert client.get(f"{base}/improvements.pdf").status_code == 200
    assert client.get(f"{base}/report.pdf").status_code == 404
    [refused] = pub.PlanRecommendation.objects.for_partnership(lr).filter(
        response=pub.Response.NOT_ACCEPTED
    )
    assert refused.statement

    # A national review's learning: its themes, the CRG meeting, the local application
    # and its plan with one action; the Panel's request with the chair as contact.
    [national] = pub.NationalReview.objects.for_partnership(leicester)
    assert national.themes
    assert national.local_application
    assert national.crg_meeting is not None
    assert national.considered_on <= today
    national_plan = pub.ActionPlan.objects.for_partnership(leicester).get(national_review=national)
    assert pub.PlanAction.objects.for_partnership(leicester).filter(plan=national_plan).count()
    [request] = pub.NationalReviewRequest.objects.for_partnership(leicester)
    assert request.contact.username == "leicester-chair"
    assert request.support.count() == 1

    # Pending: the pack sent yesterday-ish, the planned date the earliest allowed; an
    # earlier one is refused.
    pending = publication_of(pending_lcspr)
    assert pending.published_on is None
    sent = latest_notice(pending).sent_on
    assert today - timedelta(days=4) <= sent < today
    calendar = working_calendar(partnership=leicester)
    earliest = earliest_publication_date(sent, calendar)
    assert pending.planned_on == earliest > today
    assert not planned_date_allowed(earliest - timedelta(days=1), sent, calendar)

    names = [name for pair in DEMO_CHILD_NAMES for name in pair if name]
    for name in names:
        for part in name.split():
            assert part not in caplog.text
