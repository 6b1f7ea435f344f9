"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.clock import Delay, DelayNotice
from reviews.models.review import Appointment, AppointmentRole, Lcspr

__all__ = ["Appointment", "AppointmentRole", "Delay", "DelayNotice", "Lcspr"]
