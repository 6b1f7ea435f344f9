"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import appointment_end, appointment_make
from reviews.services.commissioning import lcspr_open, on_lcspr_commissioned
from reviews.services.panel import (  # issue 13: panel
    agenda_item_add,
    family_coordinator_name,
    minutes_save,
    panel_action_add,
    panel_action_done,
    panel_meeting_schedule,
    swift_learning_record,
    swift_learning_sent,
)
from reviews.services.timetable import milestone_add, milestone_cancel, milestone_change

__all__ = [
    "agenda_item_add",
    "appointment_end",
    "appointment_make",
    "family_coordinator_name",
    "lcspr_open",
    "milestone_add",
    "milestone_cancel",
    "milestone_change",
    "minutes_save",
    "on_lcspr_commissioned",
    "panel_action_add",
    "panel_action_done",
    "panel_meeting_schedule",
    "swift_learning_record",
    "swift_learning_sent",
]
