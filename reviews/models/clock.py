"""The six-month clock (§3.1.2-§3.1.3): the review's delays, the CRG's consideration of
each, and the notice of a delay to the National Panel and the Secretary of State.

The statutory `lcspr_complete` deadline never moves: a delay that will prevent
publication within six months gives the review a revised *expected* date, shown beside
it (cases.Deadline.expected_date), and the notice says why.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import User
from cases.tenancy import TenantManager
from rapidreview.models import CrgMeeting
from reviews.models.review import Lcspr


class Delay(models.Model):
    """A delay to the review, recorded as soon as it arises and put to the CRG (§3.1.3),
    e.g. the Police asking the review to wait before involving key individuals."""

    tenant_partnership_path = "lcspr__case__partnership"
    tenant_agency_path = None

    lcspr = models.ForeignKey(Lcspr, on_delete=models.CASCADE, related_name="delays")
    arose_on = models.DateField(help_text="When the delay arose (§3.1.3: record it at once).")
    asked_by = models.CharField(
        max_length=200,
        help_text="Who asked for it, e.g. the Police's Senior Investigating Officer.",
    )
    reason = models.TextField(help_text="Why the review is delayed (§3.1.3).")
    holds_up = models.TextField(
        help_text="What it holds up, e.g. involving specific key individuals (§3.1.3)."
    )
    prevents_publication = models.BooleanField(
        help_text="The delay will prevent the publication of the final report within six "
        "months of the decision: the National Panel and the Secretary of State are told "
        "(§3.1.3)."
    )
    revised_expected_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the final report is now expected, after the six-month date "
        "(§3.1.2, §3.1.3). Required when the delay prevents publication within six months.",
    )
    # Put to the CRG (§3.1.3: "considered by the relevant Case Review Group as soon as
    # they arise"): the meeting it is on the business of, then what the CRG decided.
    crg_meeting = models.ForeignKey(
        CrgMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    crg_considered_on = models.DateField(null=True, blank=True)
    crg_decision = models.TextField(blank=True)
    crg_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The CRG chair told by email that a delay is there to consider (the mail queue's
    # sent-stamp: the sweep sends what a broker outage left unsent).
    crg_told_at = models.DateTimeField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["arose_on", "id"]

    def __str__(self):
        return f"Delay to {self.lcspr} from {self.arose_on}"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None

    @property
    def is_considered(self) -> bool:
        return self.crg_considered_on is not None


class DelayNotice(models.Model):
    """The notice of a delay to the National Panel and the Secretary of State, with its
    reason and the revised expected date (§3.1.3), sent by the Business Office or the
    chair. What it said and to whom are kept as sent; the email (with the PDF) goes
    through the mail queue, stamped `email_sent_at`. One notice per revised date: a
    date revised later makes a new notice."""

    tenant_partnership_path = "delay__lcspr__case__partnership"
    tenant_agency_path = None

    delay = models.ForeignKey(Delay, on_delete=models.CASCADE, related_name="notices")
    reason = models.TextField()
    statutory_date = models.DateField(help_text="The six-month date, which never moves (§3.1.2).")
    revised_expected_on = models.DateField()
    recipients = models.JSONField(default=list, help_text="The addresses it was sent to.")
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, which ruff takes for a field

    class Meta:
        default_manager_name = "unscoped"
        base_manager_name = "unscoped"
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delay", "revised_expected_on"], name="delay_notice_one_per_revised_date"
            )
        ]
        indexes = [models.Index(fields=["email_sent_at", "sent_at"])]

    def __str__(self):
        return f"Notice of {self.delay}"
