"""Archiving published reports (§10.5.2): a report is publicly available for at least one
year (`publication_available_until`, twelve months after publishing); once that date has
passed, the daily job (publication/tasks.py) marks it archived, so the public page stops
offering it, closes the deadline, and tells the Business Office by email and on its
dashboard (publication/selectors/public.py `archived_publication_work`).

Safe to run twice, or at once: each publication is locked and re-read, and one archived
already is left alone; the email is claimed by its stamp before it is sent."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from cases.dates import format_date
from cases.models import Deadline, DeadlineStatus, Membership, Partnership, Role
from cases.selectors import working_calendar
from cases.services.mail import claim, sending
from publication.models import Publication
from publication.rules.availability import (
    AVAILABLE_UNTIL_KIND,
    available_until,
    is_due_for_archiving,
)

logger = logging.getLogger(__name__)

ARCHIVED_REASON = "Archived after its year of publication (§10.5.2)"


def _available_until_by_case(partnership: Partnership) -> dict[int, Deadline]:
    return {
        deadline.case_id: deadline
        for deadline in Deadline.objects.for_partnership(partnership).filter(
            kind=AVAILABLE_UNTIL_KIND
        )
    }


def publications_archive(*, partnership: Partnership, today: date) -> list[Publication]:
    """Archive every published, unarchived report of the partnership whose available-until
    date has passed (§10.5.2), and close that deadline. Returns those archived now."""
    cal = working_calendar(partnership=partnership)
    deadlines = _available_until_by_case(partnership)
    candidates = Publication.objects.for_partnership(partnership).filter(
        published_on__isnull=False, published_on__lt=today, archived_on__isnull=True
    )
    archived = []
    for publication in candidates.select_related("lcspr__case"):
        deadline = deadlines.get(publication.lcspr.case_id)
        # The deadline's date, or where it was never made, the same rule worked out.
        until = (
            deadline.due_date
            if deadline is not None
            else available_until(partnership, publication.published_on, cal)
        )
        if is_due_for_archiving(until, today) and _archive_one(
            publication.pk, partnership=partnership, today=today, deadline=deadline
        ):
            archived.append(publication)
    for publication in archived:
        transaction.on_commit(
            lambda pk=publication.pk: _queue_email(partnership_id=partnership.pk, publication_id=pk)
        )
    return archived


@transaction.atomic
def _archive_one(pk: int, *, partnership, today: date, deadline: Deadline | None) -> bool:
    publication = (
        Publication.objects.for_partnership(partnership)
        .select_for_update(of=("self",))
        .select_related("lcspr__case")
        .filter(pk=pk, archived_on__isnull=True)
        .first()
    )
    if publication is None:
        return False  # another run archived it first
    publication.archived_on = today
    publication.version += 1
    publication._change_reason = ARCHIVED_REASON
    publication.save(update_fields=["archived_on", "version", "updated_at"])
    if deadline is not None and deadline.status == DeadlineStatus.OPEN:
        # An earliest date ("not before"): archiving on or after it is what it asks for,
        # so it is met whatever the day (deadline_complete judges "no later than" dates).
        deadline.completed_on = today
        deadline.status = DeadlineStatus.MET
        deadline._change_reason = f"Done on {format_date(today)}: {ARCHIVED_REASON}"
        deadline.save(update_fields=["completed_on", "status", "updated_at"])
    logger.info("case %s: published report archived", publication.lcspr.case.reference)
    return True


def _queue_email(*, partnership_id: int, publication_id: int) -> None:
    from publication.tasks import publication_archived_email

    publication_archived_email.delay(partnership_id=partnership_id, publication_id=publication_id)


def _office_emails(partnership) -> list[str]:
    return list(
        Membership.objects.filter(
            partnership=partnership,
            role=Role.BUSINESS_OFFICE,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def publication_archived_email_send(*, partnership_id: int, publication_id: int) -> int:
    """Tell the Business Office a report was archived: the case reference, the dates and a
    link only. Claimed before sending, so sent once however often it runs."""
    partnership = Partnership.objects.get(pk=partnership_id)
    recipients = _office_emails(partnership)
    if not recipients:
        return 0
    publication = claim(
        Publication.objects.for_partnership(partnership)
        .filter(archived_on__isnull=False)
        .select_related("lcspr__case"),
        pk=publication_id,
        stamp="archived_emailed_at",
        reason="The Business Office told the report was archived",
    )
    if publication is None:
        return 0
    reference = publication.lcspr.case.reference
    with sending(publication, stamp="archived_emailed_at"):
        send_mail(
            subject=f"Case {reference}: the published report is archived",
            message=render_to_string(
                "emails/publication_archived.txt",
                {
                    "reference": reference,
                    "published_on": format_date(publication.published_on),
                    "archived_on": format_date(publication.archived_on),
                    "url": settings.SITE_URL + publication.lcspr.case.get_absolute_url(),
                    "product_name": settings.PRODUCT_NAME,
                },
            ),
            from_email=None,
            recipient_list=recipients,
        )
    logger.info("case %s: the Business Office told the report was archived", reference)
    return 1


def unsent_archived_emails_send(*, partnership: Partnership) -> int:
    """The daily job's second half: archive emails a lost job or a failed send left."""
    ids = Publication.objects.for_partnership(partnership).filter(
        archived_on__isnull=False, archived_emailed_at__isnull=True
    )
    return sum(
        publication_archived_email_send(partnership_id=partnership.pk, publication_id=pk)
        for pk in ids.order_by("pk").values_list("pk", flat=True)
    )
