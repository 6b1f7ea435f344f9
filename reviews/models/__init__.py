"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.clock import Delay, DelayNotice
from reviews.models.family import (  # issue 14: family engagement
    CoupleKind,
    Delivery,
    FamilyConversation,
    InitialContact,
    NetworkMember,
    NetworkPartnership,
    NonParticipationReason,
    Participation,
    Sex,
)
from reviews.models.genogram import GenogramUpload
from reviews.models.leads import SafeguardingLead  # issue 14: agency submissions (§8.2.2)
from reviews.models.panel import (
    AgendaItem,
    AttendanceStatus,
    FamilyCoordinator,
    LearningAudience,
    Milestone,
    MilestoneKind,
    PanelAction,
    PanelAttendance,
    PanelMeeting,
    StandingItem,
    SwiftLearning,
)
from reviews.models.review import Appointment, AppointmentRole, Lcspr, LearningKind, ReviewBasis
from reviews.models.setup import PoliceLiaison
from reviews.models.submissions import NamedPractitioner, QaOutcome, SubmissionReview
from reviews.models.terms import (
    AgreementOutcome,
    CollectionTool,
    LegalAdvice,
    ParallelKind,
    ParallelProcess,
    ParallelStatus,
    ReferredIssue,
    TermsAgreement,
    TermsNotice,
    TermsVersion,
)
from reviews.models.themes import KeyTheme, ThemeCode
from reviews.models.workshop import (
    InviteeResponse,
    PractitionerConversation,
    Workshop,
    WorkshopInvitee,
    WorkshopSession,
)

__all__ = [
    "# issue 14: agency submissions (§8.2.2)",
    "AgendaItem",
    "AgreementOutcome",
    "Appointment",
    "AppointmentRole",
    "AttendanceStatus",
    "CollectionTool",
    "CoupleKind",
    "Delay",
    "DelayNotice",
    "Delivery",  # issue 14: family engagement
    "FamilyConversation",
    "FamilyCoordinator",
    "GenogramUpload",
    "InviteeResponse",
    "InitialContact",  # issue 14: family engagement
    "KeyTheme",
    "Lcspr",
    "LearningAudience",
    "LearningKind",
    "LegalAdvice",
    "Milestone",
    "MilestoneKind",
    "NamedPractitioner",
    "NetworkMember",
    "NetworkPartnership",
    "NonParticipationReason",
    "PanelAction",
    "PanelAttendance",
    "PanelMeeting",
    "ParallelKind",
    "ParallelProcess",
    "ParallelStatus",
    "Participation",
    "PoliceLiaison",
    "PractitionerConversation",
    "QaOutcome",
    "ReferredIssue",
    "ReviewBasis",
    "SafeguardingLead",
    "Sex",
    "StandingItem",
    "SubmissionReview",
    "SwiftLearning",
    "TermsAgreement",
    "TermsNotice",
    "TermsVersion",
    "ThemeCode",
    "Workshop",
    "WorkshopInvitee",
    "WorkshopSession",
]
