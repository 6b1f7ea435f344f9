"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.review import Appointment, AppointmentRole, Lcspr, LearningKind, ReviewBasis
from reviews.models.setup import PoliceLiaison

__all__ = [
    "Appointment",
    "AppointmentRole",
    "LearningKind",
    "Lcspr",
    "PoliceLiaison",
    "ReviewBasis",
]
