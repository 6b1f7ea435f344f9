"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.panel import (  # issue 13: panel
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
from reviews.models.review import Appointment, AppointmentRole, Lcspr

__all__ = [
    "AgendaItem",
    "Appointment",
    "AppointmentRole",
    "AttendanceStatus",
    "FamilyCoordinator",
    "LearningAudience",
    "Lcspr",
    "Milestone",
    "MilestoneKind",
    "PanelAction",
    "PanelAttendance",
    "PanelMeeting",
    "StandingItem",
    "SwiftLearning",
]
