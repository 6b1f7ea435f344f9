"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import appointment_end, appointment_make, declaration_make
from reviews.services.commissioning import lcspr_open, on_lcspr_commissioned
from reviews.services.setup import lcspr_basis_record, police_liaison_save

__all__ = [
    "appointment_end",
    "appointment_make",
    "declaration_make",
    "lcspr_basis_record",
    "lcspr_open",
    "on_lcspr_commissioned",
    "police_liaison_save",
]
