"""The LCSPR's records, one module for each part of the review (§5-§9)."""

from reviews.models.clock import Delay, DelayNotice  # noqa: E402 - after Lcspr
from reviews.models.review import Appointment, AppointmentRole, Lcspr

__all__ = ["Appointment", "AppointmentRole", "Delay", "DelayNotice", "Lcspr"]
