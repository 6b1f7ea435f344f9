"""The LCSPR's records, one module for each part of the review (§5-§9)."""

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
    "AgreementOutcome",
    "Appointment",
    "AppointmentRole",
    "CollectionTool",
    "Lcspr",
    "LearningKind",
    "LegalAdvice",
    "ParallelKind",
    "ParallelProcess",
    "ParallelStatus",
    "PoliceLiaison",
    "ReferredIssue",
    "ReviewBasis",
    "TermsAgreement",
    "TermsNotice",
    "TermsVersion",
]
