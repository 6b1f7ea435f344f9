"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.review import Appointment, AppointmentRole, Lcspr
from reviews.models.terms import (  # issue 13: terms of reference
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
    "AgreementOutcome",
    "Appointment",
    "AppointmentRole",
    "CollectionTool",
    "Lcspr",
    "LegalAdvice",
    "ParallelKind",
    "ParallelProcess",
    "ParallelStatus",
    "ReferredIssue",
    "TermsAgreement",
    "TermsNotice",
    "TermsVersion",
]
