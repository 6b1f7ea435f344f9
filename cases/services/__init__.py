"""Every state change. Views, API views, commands and tasks call these, never the models."""

from cases.services.access import access_record
from cases.services.account import (
    recovery_codes_create,
    two_factor_confirm,
    two_factor_device_for_setup,
    two_factor_reset,
    two_factor_verify,
    user_deactivate,
    user_has_two_factor,
)
from cases.services.calendar_feed import (
    calendar_feed_create,
    calendar_feed_owner,
    calendar_feeds_revoke,
)
from cases.services.case import case_open, case_opened_notice_send, case_stage_set
from cases.services.deadline import (
    deadline_complete,
    deadline_waive,
    deadlines_recompute,
    deadlines_schedule,
)
from cases.services.reminder import reminder_dismiss, reminders_make, reminders_send
from cases.services.token import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)

__all__ = [
    "access_record",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "calendar_feed_create",
    "calendar_feed_owner",
    "calendar_feeds_revoke",
    "case_open",
    "case_opened_notice_send",
    "case_stage_set",
    "deadline_complete",
    "deadline_waive",
    "deadlines_recompute",
    "deadlines_schedule",
    "recovery_codes_create",
    "reminder_dismiss",
    "reminders_make",
    "reminders_send",
    "two_factor_confirm",
    "two_factor_device_for_setup",
    "two_factor_reset",
    "two_factor_verify",
    "user_deactivate",
    "user_has_two_factor",
]
