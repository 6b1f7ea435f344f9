"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.clock import Delay, DelayNotice
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

__all__ = [
    "AgendaItem",
    "AgreementOutcome",
    "Appointment",
    "AppointmentRole",
    "AttendanceStatus",
    "CollectionTool",
    "Delay",
    "DelayNotice",
    "FamilyCoordinator",
    "Lcspr",
    "LearningAudience",
    "LearningKind",
    "LegalAdvice",
    "Milestone",
    "MilestoneKind",
    "PanelAction",
    "PanelAttendance",
    "PanelMeeting",
    "ParallelKind",
    "ParallelProcess",
    "ParallelStatus",
    "PoliceLiaison",
    "ReferredIssue",
    "ReviewBasis",
    "StandingItem",
    "SwiftLearning",
    "TermsAgreement",
    "TermsNotice",
    "TermsVersion",
]
