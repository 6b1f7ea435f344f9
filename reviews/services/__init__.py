"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import appointment_end, appointment_make
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

__all__ = [
    "appointment_end",
    "appointment_make",
    "delay_consideration_record",
    "delay_notice_email_send",
    "delay_notice_send",
    "delay_put_to_crg",
    "delay_record",
    "delay_resolve",
    "delay_update",
    "lcspr_open",
    "on_lcspr_commissioned",
]
