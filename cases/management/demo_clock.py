"""The demo's clock (`seed_demo` and its history): the product's services run as on a past
day, so that demo history is made by the same rules as real work. For the demo only."""

import datetime
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def demo_clock(day):
    """Run the services as on `day`, so that demo history is made by the same rules as
    real work: meetings are created and set while ahead (the services refuse dates in
    the past), decided on their day, and the report sent when it was. Every record and
    deadline is then consistent; writing historic rows directly would skip the checks
    (the meeting window, quorum, sign-off) that make the demo worth looking at.
    Timestamps (sign-off, history) read 10:00 that day. For the demo only."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    real_localdate = timezone.localdate

    def localdate(value=None, **kwargs):
        return day if value is None else real_localdate(value, **kwargs)

    # Module attributes: the services call `timezone.localdate()` and `timezone.now()`.
    with (
        mock.patch.object(timezone, "localdate", localdate),
        mock.patch.object(timezone, "now", return_value=at),
    ):
        yield


def real_today() -> datetime.date:
    """Today, even under `demo_clock` (which patches `timezone.now` and `localdate`)."""
    return timezone.localtime(datetime.datetime.now(datetime.UTC)).date()
