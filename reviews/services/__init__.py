"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import (
    appointment_end,
    appointment_make,
    conflict_continue_record,
    declaration_make,
)
from reviews.services.clock import (
    delay_consideration_record,
    delay_notice_email_send,
    delay_notice_send,
    delay_put_to_crg,
    delay_record,
    delay_resolve,
    delay_update,
)
from reviews.services.commissioning import lcspr_open, on_lcspr_commissioned
from reviews.services.panel import (
    agenda_item_add,
    family_coordinator_name,
    minutes_save,
    panel_action_add,
    panel_action_done,
    panel_meeting_schedule,
    swift_learning_record,
    swift_learning_sent,
)
from reviews.services.practitioners import practitioner_add, practitioner_remove
from reviews.services.setup import lcspr_basis_record, police_liaison_save
from reviews.services.terms import (
    TermsDraft,
    issue_decision_record,
    issue_refer,
    parallel_process_add,
    parallel_process_update,
    terms_agreement_record,
    terms_minor_accept,
    terms_put_to_crg,
    terms_version_save,
)
from reviews.services.timetable import (
    milestone_add,
    milestone_cancel,
    milestone_change,
    milestone_done,
)

__all__ = [
    "TermsDraft",
    "agenda_item_add",
    "appointment_end",
    "appointment_make",
    "conflict_continue_record",
    "declaration_make",
    "delay_consideration_record",
    "delay_notice_email_send",
    "delay_notice_send",
    "delay_put_to_crg",
    "delay_record",
    "delay_resolve",
    "delay_update",
    "family_coordinator_name",
    "issue_decision_record",
    "issue_refer",
    "lcspr_basis_record",
    "lcspr_open",
    "milestone_add",
    "milestone_cancel",
    "milestone_done",
    "milestone_change",
    "minutes_save",
    "on_lcspr_commissioned",
    "panel_action_add",
    "panel_action_done",
    "panel_meeting_schedule",
    "parallel_process_add",
    "parallel_process_update",
    "police_liaison_save",
    "practitioner_add",
    "practitioner_remove",
    "swift_learning_record",
    "swift_learning_sent",
    "terms_agreement_record",
    "terms_minor_accept",
    "terms_put_to_crg",
    "terms_version_save",
]
