"""Every state change of the LCSPR itself (§5-§9), one module for each part of the review."""

from reviews.services.appointment import appointment_end, appointment_make, declaration_make
from reviews.services.commissioning import lcspr_open, on_lcspr_commissioned
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

__all__ = [
    "TermsDraft",
    "appointment_end",
    "appointment_make",
    "declaration_make",
    "issue_decision_record",
    "issue_refer",
    "lcspr_basis_record",
    "lcspr_open",
    "on_lcspr_commissioned",
    "parallel_process_add",
    "parallel_process_update",
    "police_liaison_save",
    "terms_agreement_record",
    "terms_minor_accept",
    "terms_put_to_crg",
    "terms_version_save",
]
