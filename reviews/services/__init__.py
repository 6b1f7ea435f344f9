"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import appointment_end, appointment_make
from reviews.services.commissioning import lcspr_open, on_lcspr_commissioned

__all__ = ["appointment_end", "appointment_make", "lcspr_open", "on_lcspr_commissioned"]
