"""Drive a Rapid Review to a given point through the services, as the Business Office,
the CRG chair and the Safeguarding Partners' representatives would."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cases import services as case_services
from cases.models import AgencyKind, ChildRole, Role
from rapidreview import services
from rapidreview.models import DECISION_CRITERIA, CriterionFinding, Decision, MeetingKind
from tests.factories import AgencyFactory, staff_user


def notified(partnership, office, received_on):
    return case_services.notification_record(
        partnership=partnership,
        details=case_services.NotificationDetails(received_on=received_on, summary="Child A."),
        children=[
            case_services.ChildDetails(role=ChildRole.SUBJECT, local_authority_reference="LA-1")
        ],
        actor=office,
        lead_officer=office,
    )


def all_criteria(finding=CriterionFinding.MET, rationale="Because the chronology shows it."):
    return {c.value: {"finding": finding, "rationale": rationale} for c in DECISION_CRITERIA}


def quorate_attendance(meeting, office, partners=(AgencyKind.POLICE, AgencyKind.LOCAL_AUTHORITY)):
    """Three partner-agency representatives, two of them Safeguarding Partners (§4.6.1)."""
    for kind in (*partners, AgencyKind.HEALTH_TRUST):
        agency = AgencyFactory(kind=kind, partnerships=[meeting.partnership])
        services.attendance_record(
            meeting=meeting,
            actor=office,
            name=f"Rep of {agency.name}",
            agency=agency,
            declaration="none",
            confidentiality_agreed=True,
        )


def meeting_held(monkeypatch, partnership, office, case, held_on: date):
    """The case's meeting set while it was ahead, then the clock moved to its day."""
    monkeypatch.setattr(timezone, "localdate", lambda *a: held_on.replace(day=1))
    meeting = services.crg_meeting_create(
        partnership=partnership, kind=MeetingKind.MONTHLY, held_on=held_on, actor=office
    )
    review = services.rapid_review_for(case=case)
    services.rapid_review_meeting_set(
        case=case, meeting=meeting, actor=office, version=review.version, reason="Test"
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a: held_on)
    return meeting


KLOES = "How agencies shared information\nHow the school's concerns were heard"
DISSEMINATION = "A 7-minute briefing to all agencies."
OTHER_LEARNING = "A single-agency review by the health trust."


def decided(review, office, decision=Decision.PROCEED, **overrides):
    review.refresh_from_db()
    proceed = decision == Decision.PROCEED
    details = services.DecisionDetails(
        decision=decision,
        rationale="The criteria are met and agencies did not work together.",
        criteria=all_criteria(),
        key_lines_of_enquiry=KLOES if proceed else "",
        dissemination="" if proceed else DISSEMINATION,
        other_learning_processes="" if proceed else OTHER_LEARNING,
    )
    for name, value in overrides.items():
        setattr(details, name, value)
    return services.decision_record(
        review=review, actor=office, version=review.version, details=details
    )


def recorded(review, office):
    review.refresh_from_db()
    services.record_save(
        review=review,
        actor=office,
        version=review.version,
        facts_reviewed="The facts in the Combined Summary.",
        immediate_learning="Share health visitor notes with the school.",
        learning_sharing="Through the partnership's newsletter.",
        improvement_potential="Good potential to improve information sharing.",
    )
    if not review.actions.exists():
        services.no_immediate_action_record(review=review, actor=office)
    summary = services.summary_sections_agree(
        case=review.case,
        actor=office,
        version=_summary_version(review.case),
        section_2="The analysis agreed at the meeting.",
        section_3="The conclusions agreed at the meeting.",
    )
    return summary


def _summary_version(case):
    from cases.models import CombinedSummary

    summary = CombinedSummary.objects.for_partnership(case.partnership).filter(case=case).first()
    return summary.version if summary else 1


def crg_member(partnership, kind):
    """A CRG member who represents a partner agency of this kind (§4.6.1)."""
    user = staff_user(partnership, Role.CRG_MEMBER)
    membership = user.memberships.get()
    membership.represents = AgencyFactory(kind=kind, partnerships=[partnership])
    membership.save()
    return user


def signers(partnership):
    """The chair and a representative of each Safeguarding Partner on the CRG."""
    return {
        "chair": staff_user(partnership, Role.CRG_CHAIR),
        "police": crg_member(partnership, AgencyKind.POLICE),
        "local_authority": crg_member(partnership, AgencyKind.LOCAL_AUTHORITY),
    }


def signed_off(review, people):
    for role, user in people.items():
        review.refresh_from_db()
        services.decision_sign(review=review, actor=user, role=role)
    review.refresh_from_db()
    return review
